"""The OCOP admin: change lists in bounded queries, product and producer pages, the scoring form."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ocop.models import Product, RatingEvent
from tests.ocop.factories import ProducerFactory, ProductFactory, RatingEventFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_en(client, superuser):
    client.force_login(superuser)
    client.cookies["django_language"] = "en"
    return client


def many_products(count: int) -> list[Product]:
    producer = ProducerFactory()
    products = [ProductFactory(producer=producer if n % 2 else ProducerFactory()) for n in range(count)]
    for n, product in enumerate(products):
        RatingEventFactory(product=product, decision_date=D(2020 + n % 6, 3, 1))
    return products


@pytest.mark.parametrize("count", [2, 14])
@pytest.mark.parametrize("model", ["producer", "product", "ratingevent", "productgroup", "authorityrule"])
def test_change_lists_load_in_bounded_queries(admin_client_en, django_assert_max_num_queries, model, count):
    many_products(count)

    with django_assert_max_num_queries(10):
        response = admin_client_en.get(reverse(f"admin:ocop_{model}_changelist"))

    assert response.status_code == 200


def test_product_list_shows_current_stars_expired_and_never(admin_client_en):
    valid = RatingEventFactory(decision_date=D(2025, 1, 10)).product
    expired = RatingEventFactory(decision_date=D(2021, 1, 10)).product
    never = ProductFactory()

    response = admin_client_en.get(reverse("admin:ocop_product_changelist"))
    rows = {product.pk: product for product in response.context["cl"].result_list}

    assert (rows[valid.pk].status, rows[valid.pk].current_stars) == ("valid", 4)
    assert (rows[expired.pk].status, rows[expired.pk].current_stars) == ("expired", None)
    assert rows[never.pk].status == "never"
    content = response.content.decode()
    assert "10/01/2028" in content and "ended 10/01/2024" in content


def test_product_list_filters_by_current_stars(admin_client_en):
    four = RatingEventFactory(decision_date=D(2025, 1, 10)).product
    potential = RatingEventFactory(decision_date=D(2025, 1, 10), score_a=Decimal(38), score_c=Decimal(33)).product
    RatingEventFactory(decision_date=D(2021, 1, 10))

    def listed(stars: str) -> set[int]:
        response = admin_client_en.get(reverse("admin:ocop_product_changelist"), {"stars": stars})
        return {product.pk for product in response.context["cl"].result_list}

    assert listed("4") == {four.pk, potential.pk}
    assert listed("potential") == {potential.pk}
    assert listed("5") == set()


def test_producer_list_counts_products_and_shows_the_province_of_that_time(admin_client_en, area_tree):
    producer = ProducerFactory(commune=area_tree.ngoc_phai)
    ProductFactory.create_batch(3, producer=producer)

    response = admin_client_en.get(reverse("admin:ocop_producer_changelist"))

    row = next(p for p in response.context["cl"].result_list if p.pk == producer.pk)
    assert row.products_count == 3
    assert "Tỉnh Bắc Kạn" in response.content.decode()


def test_producer_page_lists_its_products_in_bounded_queries(admin_client_en, django_assert_max_num_queries):
    producer = ProducerFactory()
    for product in ProductFactory.create_batch(6, producer=producer):
        RatingEventFactory(product=product)

    with django_assert_max_num_queries(14):
        response = admin_client_en.get(reverse("admin:ocop_producer_change", args=[producer.pk]))

    content = response.content.decode()
    assert content.count("★★★★, valid until 01/03/2027") == 6
    assert reverse("admin:ocop_product_add") + f"?producer={producer.pk}" in content


def test_product_page_lists_every_rating_event_with_a_link_to_rate(admin_client_en, django_assert_max_num_queries):
    product = ProductFactory()
    for year in range(2019, 2025):
        RatingEventFactory(product=product, decision_date=D(year, 9, 1), decision_number=f"{year}/QĐ-UBND")

    with django_assert_max_num_queries(14):
        response = admin_client_en.get(reverse("admin:ocop_product_change", args=[product.pk]))

    content = response.content.decode()
    assert all(f"{year}/QĐ-UBND" in content for year in range(2019, 2025))
    assert reverse("admin:ocop_ratingevent_add") + f"?product={product.pk}" in content


def scoring_post(product, **overrides) -> dict:
    return {
        "product": product.pk,
        "level": "province",
        "kind": "",
        "rules": "",
        "council": "Hội đồng tỉnh",
        "score_a": "30",
        "score_b": "20",
        "score_c": "25",
        "decision_number": "12/QĐ-UBND",
        "decision_date": "01/03/2024",
        "issued_by": "UBND tỉnh",
        "certificate_number": "GCN-12",
        "certificate_issued_on": "05/03/2024",
        **overrides,
    }


def test_scoring_form_carries_the_part_maxima_and_the_script(admin_client_en, django_assert_max_num_queries):
    product = ProductFactory()

    with django_assert_max_num_queries(12):
        response = admin_client_en.get(reverse("admin:ocop_ratingevent_add"), {"product": product.pk})

    content = response.content.decode()
    assert "js/ocop-scoring.js" in content
    assert 'data-ocop-part="a"' in content
    assert "&quot;a&quot;: 40" in content and "&quot;a&quot;: 35" in content  # 148 and 1048 maxima
    assert "<script>" not in content.split("ocop-score-summary")[1].split("</fieldset>")[0]


def test_scoring_form_shows_a_bad_part_score_on_its_field_and_saves_nothing(admin_client_en):
    product = ProductFactory()

    response = admin_client_en.post(reverse("admin:ocop_ratingevent_add"), scoring_post(product, score_a="41"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["score_a"] == [
        "Part A score 41 exceeds the maximum 40 of 148/QĐ-TTg ngày 24/02/2023."
    ]
    assert not RatingEvent.objects.exists()


def test_scoring_form_shows_an_authority_error_on_the_level(admin_client_en):
    product = ProductFactory()

    response = admin_client_en.post(reverse("admin:ocop_ratingevent_add"), scoring_post(product, level="district"))

    assert "could not recognise 4 stars" in response.context["adminform"].form.errors["level"][0]
    assert not RatingEvent.objects.exists()


def test_scoring_form_saves_the_computed_stars_through_the_service(admin_client_en, superuser):
    product = ProductFactory()

    response = admin_client_en.post(
        reverse("admin:ocop_ratingevent_add"),
        scoring_post(product, score_a="38", score_b="24", score_c="28.5"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = RatingEvent.objects.get()
    assert (event.total, event.stars, event.potential_five_stars, event.kind) == (Decimal("90.5"), 4, True, "new")
    assert (event.rules.code, event.valid_until) == ("148", D(2027, 3, 5))
    assert event.history.get().history_user == superuser


def test_a_recorded_rating_keeps_its_scores(admin_client_en):
    event = RatingEventFactory()

    response = admin_client_en.post(
        reverse("admin:ocop_ratingevent_change", args=[event.pk]),
        {"council": "Hội đồng mới", "issued_by": "UBND tỉnh", "score_a": "10"},
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.council, event.score_a) == ("Hội đồng mới", Decimal(30))


def test_staff_of_another_province_see_no_products_of_this_one(client, area_tree, provincial_staff_other_province):
    from django.contrib.auth.models import Permission

    ProductFactory(producer__commune=area_tree.xa_cho_don)
    provincial_staff_other_province.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(provincial_staff_other_province)

    response = client.get(reverse("admin:ocop_product_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []

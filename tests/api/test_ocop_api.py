"""OCOP API (/api/v1/ocop/...): the public catalogue for anonymous callers, area scoping, filters,
writes through the admin's rules, and query counts that do not grow with the rows."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from communes.services.access import api_token_create
from ocop.models import Producer, Product, RatingEvent
from tests.factories import CommuneFactory
from tests.ocop.factories import ProducerFactory, ProductFactory, RatingEventFactory
from tests.ocop.test_catalogue import build_catalogue, group

PRODUCERS = "/api/v1/ocop/producers/"
PRODUCTS = "/api/v1/ocop/products/"
RATINGS = "/api/v1/ocop/ratings/"
CONTACT_FIELDS = {"phone", "email", "address", "representative", "registration_code"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(area_tree):
    """build_catalogue (tests/ocop/test_catalogue.py): seven products with a certificate in force today in
    the Thái Nguyên tree, and in Cao Bằng (Xã Hòa An) one expired product and one never recognised."""
    return build_catalogue(area_tree, timezone.localdate())


def english_client() -> APIClient:
    """A client whose messages are the English msgids (the portal answers in Vietnamese unless asked)."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def client_for(user=None) -> APIClient:
    client = english_client()
    if user is not None:
        client.force_authenticate(user)
    return client


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def all_keys(value) -> set[str]:
    """Every key at any depth of a JSON value."""
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in all_keys(item)}
    return set()


# Anonymous callers: the public catalogue only


def test_anonymous_callers_see_only_products_with_a_certificate_in_force_without_contact_data(catalogue):
    response = client_for().get(PRODUCTS)

    assert names(response) == {
        "Miến dong Ngọc Phái",
        "Khăn thổ cẩm",
        "Chè Phương Viên",
        "Cá nướng Ba Bể",
        "Gạo nếp",
        "Rượu men lá",
        "Cao dược liệu",
    }
    assert {row["status"] for row in response.json()["results"]} == {"valid"}
    assert not CONTACT_FIELDS & all_keys(response.json())


def test_anonymous_callers_get_404_for_an_expired_product(catalogue):
    client = client_for()

    assert client.get(f"{PRODUCTS}{catalogue.expired.pk}/").status_code == 404
    assert client.get(f"{PRODUCTS}{catalogue.five.pk}/").status_code == 200


@pytest.mark.parametrize("url", [PRODUCERS, RATINGS])
def test_anonymous_callers_may_not_read_producers_or_ratings(catalogue, url):
    assert client_for().get(url).status_code == 401


def test_anonymous_callers_may_not_write(catalogue):
    response = client_for().post(PRODUCTS, {"name": "X", "producer": catalogue.five.producer_id, "group": 1})

    assert response.status_code == 401
    assert not Product.objects.filter(name="X").exists()


# Reads in the caller's area


def test_staff_see_every_product_of_their_area_with_its_status(catalogue, provincial_staff):
    response = client_for(provincial_staff).get(PRODUCTS, {"page_size": 50})

    rows = {row["name"]: row for row in response.json()["results"]}
    assert "Mật ong bạc hà" not in rows  # Cao Bằng
    assert len(rows) == 7
    five = rows["Rượu men lá"]
    assert (five["status"], five["current_stars"], five["current_potential_five_stars"]) == ("valid", 5, False)
    assert rows["Cao dược liệu"]["current_potential_five_stars"] is True
    assert rows["Khăn thổ cẩm"]["group_code"] == "VMM"
    assert rows["Khăn thổ cẩm"]["group_2023"] == group("TCMN").pk


def test_statuses_expired_and_never_for_staff_of_that_province(catalogue, provincial_staff_other_province):
    response = client_for(provincial_staff_other_province).get(PRODUCTS)

    rows = {row["name"]: row for row in response.json()["results"]}
    assert {name: row["status"] for name, row in rows.items()} == {"Mật ong bạc hà": "expired", "Bánh cuốn": "never"}
    assert rows["Mật ong bạc hà"]["current_stars"] is None
    assert rows["Mật ong bạc hà"]["last_valid_until"] == str(timezone.localdate() - datetime.timedelta(days=10))


def test_a_product_outside_the_area_is_404(catalogue, provincial_staff):
    client = client_for(provincial_staff)

    assert client.get(f"{PRODUCTS}{catalogue.expired.pk}/").status_code == 404
    assert client.get(f"{PRODUCERS}{catalogue.expired.producer_id}/").status_code == 404
    rating = RatingEvent.objects.filter(product=catalogue.expired).first()
    assert client.get(f"{RATINGS}{rating.pk}/").status_code == 404


def test_a_district_official_sees_the_products_of_the_communes_of_the_district_and_what_they_became(
    catalogue, district_official
):
    # Chợ Đồn: Ngọc Phái, Phương Viên and today's Xã Chợ Đồn; not Ba Bể.
    assert names(client_for(district_official).get(PRODUCTS)) == {
        "Miến dong Ngọc Phái",
        "Khăn thổ cẩm",
        "Chè Phương Viên",
        "Rượu men lá",
        "Cao dược liệu",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stars": "3"}, {"Miến dong Ngọc Phái", "Khăn thổ cẩm", "Gạo nếp"}),
        ({"stars": "potential"}, {"Cao dược liệu"}),
        ({"stars": "5"}, {"Rượu men lá"}),
        # The 2023 handicrafts group holds the 1048 textiles group mapped to it.
        ({"group": "TCMN"}, {"Khăn thổ cẩm"}),
        (
            {"group": "TP"},
            {"Miến dong Ngọc Phái", "Chè Phương Viên", "Cá nướng Ba Bể", "Gạo nếp", "Mật ong bạc hà", "Bánh cuốn"},
        ),
        ({"area": "061"}, {"Cá nướng Ba Bể", "Gạo nếp"}),  # district Ba Bể
        ({"area": "01810"}, {"Rượu men lá", "Cao dược liệu"}),  # commune Xã Chợ Đồn
        ({"commune": "01801"}, {"Miến dong Ngọc Phái", "Khăn thổ cẩm"}),
        ({"district": "063"}, {"Miến dong Ngọc Phái", "Khăn thổ cẩm", "Chè Phương Viên"}),
        ({"producer_type": "dn"}, {"Chè Phương Viên", "Cá nướng Ba Bể"}),
        ({"q": "ba bể"}, {"Cá nướng Ba Bể"}),
        ({"status": "expired"}, {"Mật ong bạc hà"}),
        ({"status": "never"}, {"Bánh cuốn"}),
    ],
)
def test_product_filters(catalogue, superuser, params, expected):
    if "group" in params:
        params = {"group": group(params["group"]).pk}

    assert names(client_for(superuser).get(PRODUCTS, params)) == expected


def test_province_filter_covers_every_version_of_the_code(catalogue, superuser):
    # 19: the former Thái Nguyên (no product here) and today's, where Xã Chợ Đồn lies.
    assert names(client_for(superuser).get(PRODUCTS, {"province": "19"})) == {"Rượu men lá", "Cao dược liệu"}
    assert names(client_for(superuser).get(PRODUCTS, {"province": "04"})) == {"Mật ong bạc hà", "Bánh cuốn"}


def test_expiring_before_lists_certificates_in_force_ending_by_the_date(catalogue, superuser):
    on = timezone.localdate() + datetime.timedelta(days=60)

    # The expired one ended already: it is not "expiring".
    assert names(client_for(superuser).get(PRODUCTS, {"expiring_before": on.isoformat()})) == {"Gạo nếp"}


def test_an_invalid_filter_value_is_400_naming_the_filter(catalogue, superuser):
    response = client_for(superuser).get(PRODUCTS, {"expiring_before": "31/02/2025", "status": "sold"})

    assert response.status_code == 400
    assert set(response.json()) == {"expiring_before", "status"}


def test_producers_with_their_contact_data_and_filters(catalogue, provincial_staff):
    client = client_for(provincial_staff)

    response = client.get(PRODUCERS, {"commune": "01801"})
    (row,) = response.json()["results"]
    assert (row["name"], row["phone"], row["commune_code"]) == ("HTX Ngọc Phái", "0912345678", "01801")
    assert {r["kind"] for r in client.get(PRODUCERS, {"kind": "household"}).json()["results"]} == {"household"}
    assert len(client.get(PRODUCERS, {"kind": "household"}).json()["results"]) == 1  # Cao Bằng's is outside
    assert names(client.get(PRODUCERS, {"q": "ngọc phái"})) == {"HTX Ngọc Phái"}
    assert len(client.get(PRODUCERS, {"province": "19"}).json()["results"]) == 2
    assert len(client.get(PRODUCERS, {"area": "061"}).json()["results"]) == 2


def test_ratings_list_and_filters(catalogue, provincial_staff):
    client = client_for(provincial_staff)

    response = client.get(RATINGS, {"product": catalogue.upgraded.pk})
    assert [(row["stars"], row["kind"]) for row in response.json()["results"]] == [(4, "upgrade"), (3, "new")]
    assert {row["product_name"] for row in client.get(RATINGS, {"stars": 5}).json()["results"]} == {"Rượu men lá"}
    # Cao Bằng's ratings are outside the area.
    assert client.get(RATINGS, {"area": "04"}).json()["count"] == 0


# Writes


def test_provincial_staff_create_a_producer_and_a_product_in_their_area(area_tree, provincial_staff):
    client = client_for(provincial_staff)

    producer = client.post(
        PRODUCERS,
        {"kind": "htx", "name": "HTX Chè Tân Cương", "commune": area_tree.dan_tien.pk, "phone": "0208"},
    )
    assert producer.status_code == 201, producer.content
    product = client.post(PRODUCTS, {"name": "Chè búp", "producer": producer.json()["id"], "group": group("TP-SC").pk})

    assert product.status_code == 201, product.content
    body = product.json()
    assert (body["status"], body["current_stars"], body["group_2023"]) == ("never", None, group("TP").pk)
    assert Product.objects.get(pk=body["id"]).producer.commune == area_tree.dan_tien


def test_a_producer_in_another_province_is_refused_naming_the_commune(area_tree, provincial_staff):
    response = client_for(provincial_staff).post(
        PRODUCERS, {"kind": "htx", "name": "HTX Hòa An", "commune": area_tree.hoa_an.pk}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"commune"}
    assert not Producer.objects.filter(name="HTX Hòa An").exists()


def test_a_duplicate_registration_code_is_refused_with_the_admins_message(area_tree, provincial_staff):
    ProducerFactory(commune=area_tree.dan_tien, registration_code="4700000001")

    response = client_for(provincial_staff).post(
        PRODUCERS,
        {"kind": "dn", "name": "Công ty B", "commune": area_tree.dan_tien.pk, "registration_code": "4700000001"},
    )

    assert response.status_code == 400
    assert "registration code is already recorded" in str(response.json())


def test_a_change_to_a_product_in_the_area_keeps_its_status(catalogue, provincial_staff):
    response = client_for(provincial_staff).patch(f"{PRODUCTS}{catalogue.five.pk}/", {"description": "Rượu ngon"})

    assert response.status_code == 200, response.content
    assert (response.json()["description"], response.json()["current_stars"]) == ("Rượu ngon", 5)
    assert response["ETag"]


def test_a_stale_if_match_is_412_and_changes_nothing(catalogue, provincial_staff):
    client = client_for(provincial_staff)
    url = f"{PRODUCTS}{catalogue.five.pk}/"
    etag = client.get(url)["ETag"]
    client.patch(url, {"description": "first"}, HTTP_IF_MATCH=etag)

    response = client.patch(url, {"description": "second"}, HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert Product.objects.get(pk=catalogue.five.pk).description == "first"


@pytest.mark.parametrize("persona", ["viewer", "district_official", "commune_staff"])
def test_roles_without_the_ocop_permissions_may_not_write(catalogue, request, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.patch(f"{PRODUCTS}{catalogue.five.pk}/", {"description": "x"}).status_code == 403
    assert client.post(RATINGS, rating_data(catalogue.five)).status_code == 403
    assert Product.objects.get(pk=catalogue.five.pk).description == ""


def test_products_and_producers_are_not_deleted_through_the_api(catalogue, superuser):
    assert client_for(superuser).delete(f"{PRODUCTS}{catalogue.five.pk}/").status_code == 405
    assert client_for(superuser).delete(f"{PRODUCERS}{catalogue.five.producer_id}/").status_code == 405


def rating_data(product, **changes) -> dict:
    """A province recognition under 148 decided last month: 30 + 20 + 25 = 75 points, 4 stars."""
    decided = timezone.localdate() - datetime.timedelta(days=30)
    return {
        "product": product.pk,
        "level": "province",
        "score_a": "30",
        "score_b": "20",
        "score_c": "25",
        "decision_number": "77/QĐ-UBND",
        "decision_date": decided.isoformat(),
        "certificate_number": "GCN-77",
        "certificate_issued_on": decided.isoformat(),
        **changes,
    }


def test_a_rating_is_recorded_by_the_rating_rules(area_tree, provincial_staff):
    product = ProductFactory(producer=ProducerFactory(commune=area_tree.dan_tien))

    response = client_for(provincial_staff).post(RATINGS, rating_data(product))

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total"], body["stars"], body["kind"], body["rules"]) == ("75.00", 4, "new", "148")
    assert body["valid_until"]
    event = RatingEvent.objects.get(pk=body["id"])
    assert event.history.first().history_user == provincial_staff


def test_a_part_a_score_above_the_maximum_is_400_naming_the_field_and_nothing_is_saved(area_tree, provincial_staff):
    product = ProductFactory(producer=ProducerFactory(commune=area_tree.dan_tien))

    response = client_for(provincial_staff).post(RATINGS, rating_data(product, score_a="41"))

    assert response.status_code == 400
    assert list(response.json()) == ["score_a"]
    assert "exceeds the maximum 40" in response.json()["score_a"][0]
    assert not RatingEvent.objects.filter(product=product).exists()


def test_a_total_or_stars_that_do_not_match_are_400_on_those_fields(area_tree, provincial_staff):
    product = ProductFactory(producer=ProducerFactory(commune=area_tree.dan_tien))

    response = client_for(provincial_staff).post(RATINGS, rating_data(product, total="80", stars=5))

    assert response.status_code == 400
    assert set(response.json()) == {"total", "stars"}


def test_a_rating_of_a_product_outside_the_area_is_refused(catalogue, provincial_staff):
    response = client_for(provincial_staff).post(RATINGS, rating_data(catalogue.never))

    assert response.status_code == 400
    assert set(response.json()) == {"product"}
    assert RatingEvent.objects.filter(product=catalogue.never).count() == 1


def test_ratings_are_not_changed_through_the_api(catalogue, superuser):
    rating = RatingEvent.objects.filter(product=catalogue.five).first()

    assert client_for(superuser).patch(f"{RATINGS}{rating.pk}/", {"council": "x"}).status_code == 405


def test_a_read_only_token_reads_its_area_and_may_not_write(catalogue, provincial_staff, area_tree):
    _token, key = api_token_create(
        name="OCOP quốc gia", user=provincial_staff, area=area_tree.ba_be, read_only=True, by=None
    )
    client = english_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert names(client.get(PRODUCTS)) == {"Cá nướng Ba Bể", "Gạo nếp"}
    assert client.get(f"{PRODUCTS}{catalogue.five.pk}/").status_code == 404
    assert client.patch(f"{PRODUCTS}{catalogue.soon.pk}/", {"description": "x"}).status_code == 403


def test_csv_rendering_of_the_product_list(catalogue, provincial_staff):
    response = client_for(provincial_staff).get(PRODUCTS, {"format": "csv", "stars": "5"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, row = response.content.decode().splitlines()[:2]
    assert "current_stars" in header.split(",")
    assert "Rượu men lá" in row


# Query counts


def _rated_products(n: int, commune) -> None:
    for i in range(n):
        product = ProductFactory(producer=ProducerFactory(commune=commune), name=f"P{i:02d}")
        RatingEventFactory(product=product, decision_date=timezone.localdate() - datetime.timedelta(days=10))


@pytest.mark.parametrize(
    ("url", "anonymous"), [(PRODUCTS, False), (PRODUCTS, True), (PRODUCERS, False), (RATINGS, False)]
)
def test_list_query_count_is_the_same_for_5_and_30_rows(provincial_staff, area_tree, url, anonymous):
    commune = CommuneFactory(parent=area_tree.thai_nguyen)
    counts = []
    for added in (5, 25):
        _rated_products(added, commune)
        # A fresh user object, as each request has: its officer and area are not cached yet.
        client = client_for(None if anonymous else User.objects.get(pk=provincial_staff.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": 100})
        assert response.status_code == 200
        assert response.json()["count"] == len(counts) * 25 + 5
        counts.append(len(queries))

    assert counts[0] == counts[1]
    # Officer, the area (its province and the provinces that went into it, one step per query), count, page.
    assert counts[1] <= 7


def test_score_fields_are_decimals_with_two_places(area_tree, provincial_staff):
    product = ProductFactory(producer=ProducerFactory(commune=area_tree.dan_tien))
    RatingEventFactory(product=product, score_a=Decimal("30.5"))

    (row,) = client_for(provincial_staff).get(RATINGS, {"product": product.pk}).json()["results"]

    assert (row["score_a"], row["total"]) == ("30.50", "75.50")

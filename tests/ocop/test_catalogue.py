"""OCOP counts, expiring certificates and the public catalogue (ocop.selectors, ocop.filters, ocop.views)."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import segno
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ocop.filters import ProductCatalogueFilterSet
from ocop.models import Producer, ProductGroup
from ocop.selectors import (
    certificate_expiring_list,
    producer_counts_by_kind,
    product_catalogue_list,
    product_counts_by_area,
    product_counts_by_group,
    product_counts_by_stars,
    recognition_counts_by_year,
)
from ocop.services import add_months
from tests.factories import CommuneFactory
from tests.ocop.factories import ProducerFactory, ProductFactory, RatingEventFactory, rules

KIND = Producer.Kind


def group(code: str, rules_code: str = "148") -> ProductGroup:
    return ProductGroup.objects.get(rules__code=rules_code, code=code)


def recognise(
    product, *, stars: int, decided: datetime.date | None = None, valid_until=None, kind="new", level=None, **extra
):
    """A recognition decided on ``decided`` with its certificate issued the same day (valid 36 months unless
    ``valid_until`` is given). Scores consistent with the stars: 3★ 60, 4★ 75, 5★ 92."""
    potential = extra.pop("potential_five_stars", False)
    scores = (38, 24, 30) if potential else {3: (25, 15, 20), 4: (30, 20, 25), 5: (38, 24, 30)}[stars]
    if valid_until is not None:
        decided = add_months(valid_until, -36)
        extra["valid_until"] = valid_until
    return RatingEventFactory(
        product=product,
        stars=stars,
        score_a=Decimal(scores[0]),
        score_b=Decimal(scores[1]),
        score_c=Decimal(scores[2]),
        level=level or {3: "province", 4: "province", 5: "central"}[stars],
        potential_five_stars=potential,
        kind=kind,
        decision_date=decided,
        **extra,
    )


def build_catalogue(tree, on: datetime.date) -> SimpleNamespace:
    """Seven products with a certificate in force on ``on``, one expired, one never recognised.

    District Chợ Đồn (Bắc Kạn, before 2025): ``three`` and ``old_group`` (one cooperative, Ngọc Phái),
    ``upgraded`` (an enterprise, Phương Viên). District Ba Bể: ``four_subgroup`` (enterprise), ``soon``
    (cooperative; certificate ends 30 days after ``on``). Today's Xã Chợ Đồn (Thái Nguyên, no district):
    ``five`` (household business), ``potential`` (cooperative group). Cao Bằng: ``expired`` and ``never``.
    """
    coop = ProducerFactory(kind=KIND.COOPERATIVE, name="HTX Ngọc Phái", commune=tree.ngoc_phai, phone="0912345678")
    days = datetime.timedelta
    c = SimpleNamespace(on=on)
    c.three = ProductFactory(producer=coop, name="Miến dong Ngọc Phái", group=group("TP"))
    recognise(c.three, stars=3, valid_until=on + days(200), certificate_number="GCN-THREE")
    c.old_group = ProductFactory(producer=coop, name="Khăn thổ cẩm", group=group("VMM", "1048"))
    recognise(c.old_group, stars=3, decided=add_months(on, -60), rules=rules("1048"))
    recognise(c.old_group, stars=3, decided=add_months(on, -20), kind="re_recognition")
    c.upgraded = ProductFactory(
        producer=ProducerFactory(kind=KIND.ENTERPRISE, commune=tree.phuong_vien),
        name="Chè Phương Viên",
        group=group("TP"),
    )
    recognise(c.upgraded, stars=3, decided=add_months(on, -30))
    recognise(c.upgraded, stars=4, decided=add_months(on, -6), kind="upgrade")
    c.four_subgroup = ProductFactory(
        producer=ProducerFactory(kind=KIND.ENTERPRISE, commune=tree.khang_ninh),
        name="Cá nướng Ba Bể",
        group=group("TP-SC"),
    )
    recognise(c.four_subgroup, stars=4, decided=add_months(on, -10))
    c.soon = ProductFactory(
        producer=ProducerFactory(kind=KIND.COOPERATIVE, commune=tree.cao_thuong), name="Gạo nếp", group=group("TP")
    )
    recognise(c.soon, stars=3, valid_until=on + days(30), certificate_number="GCN-SOON")
    c.five = ProductFactory(
        producer=ProducerFactory(kind=KIND.HOUSEHOLD, commune=tree.xa_cho_don), name="Rượu men lá", group=group("DU")
    )
    recognise(c.five, stars=5, decided=on - days(40))
    c.potential = ProductFactory(
        producer=ProducerFactory(kind=KIND.COOPERATIVE_GROUP, commune=tree.xa_cho_don),
        name="Cao dược liệu",
        group=group("DL"),
    )
    recognise(c.potential, stars=4, decided=on - days(50), potential_five_stars=True)
    c.expired = ProductFactory(
        producer=ProducerFactory(kind=KIND.HOUSEHOLD, commune=tree.hoa_an), name="Mật ong bạc hà", group=group("TP")
    )
    recognise(c.expired, stars=4, valid_until=on - days(10), certificate_number="GCN-EXPIRED")
    c.never = ProductFactory(producer=c.expired.producer, name="Bánh cuốn", group=group("TP"))
    RatingEventFactory(
        product=c.never,
        level="commune",
        decision_number="",
        decision_date=None,
        certificate_number="",
        certificate_issued_on=None,
    )
    return c


@pytest.fixture
def catalogue(area_tree) -> SimpleNamespace:
    return build_catalogue(area_tree, timezone.localdate())


def by_key(table) -> dict:
    return {row.key: row for row in table.rows}


# Counts


def test_stars_count_current_products_with_potential_five_apart_and_expired_left_out(catalogue):
    table = product_counts_by_stars(user=None, on=catalogue.on)

    rows = by_key(table)
    assert table.total == 7
    assert [(key, rows[key].count) for key in ("3", "4", "potential", "5")] == [
        ("3", 3),
        ("4", 2),
        ("potential", 1),
        ("5", 1),
    ]
    assert [rows[key].share for key in ("3", "4", "potential", "5")] == [
        Decimal("42.9"),
        Decimal("28.6"),
        Decimal("14.3"),
        Decimal("14.3"),
    ]


def test_stars_count_a_product_whose_certificate_ends_as_expired_the_day_after(catalogue):
    last_day = catalogue.on + datetime.timedelta(days=30)

    assert product_counts_by_stars(user=None, on=last_day).total == 7
    assert product_counts_by_stars(user=None, on=last_day + datetime.timedelta(days=1)).total == 6


def test_groups_count_a_1048_product_under_its_2023_group_and_show_the_old_group(catalogue):
    table = product_counts_by_group(user=None, on=catalogue.on)

    rows = by_key(table)
    counts = {ProductGroup.objects.get(pk=pk).code: row.count for pk, row in rows.items()}
    assert counts == {"TP": 4, "DU": 1, "DL": 1, "TCMN": 1, "SVC": 0, "DVDL": 0}
    handicrafts = rows[group("TCMN").pk]
    assert [(d.label, d.count, d.note) for d in handicrafts.details] == [
        ("Vải và may mặc", 1, "1048/QĐ-TTg ngày 21/08/2019")
    ]
    assert rows[group("TP").pk].details == []  # a 148 subgroup (TP-SC) is no "old group"
    assert table.total == 7
    assert handicrafts.share == Decimal("14.3")


def test_areas_are_districts_of_the_commune_version_then_the_province_after_2025(catalogue, area_tree):
    table = product_counts_by_area(user=None, on=catalogue.on)

    rows = by_key(table)
    assert {pk: (row.count, row.count_2) for pk, row in rows.items()} == {
        area_tree.cho_don.pk: (3, 2),
        area_tree.ba_be.pk: (2, 2),
        area_tree.thai_nguyen.pk: (2, 2),
    }
    assert rows[area_tree.cho_don.pk].note == "Tỉnh Bắc Kạn"
    assert rows[area_tree.cho_don.pk].share == Decimal("42.9")


def test_producer_types_count_producers_with_a_current_product_and_their_products(catalogue):
    table = producer_counts_by_kind(user=None, on=catalogue.on)

    rows = by_key(table)
    assert {kind: (row.count, row.count_2) for kind, row in rows.items()} == {
        KIND.COOPERATIVE: (2, 3),
        KIND.COOPERATIVE_GROUP: (1, 1),
        KIND.ENTERPRISE: (2, 2),
        KIND.HOUSEHOLD: (1, 1),  # the expired product's household business is not counted
    }
    assert (table.total, table.total_2) == (6, 7)
    assert (rows[KIND.COOPERATIVE].share, rows[KIND.COOPERATIVE].share_2) == (Decimal("33.3"), Decimal("42.9"))


def test_years_split_new_re_recognised_and_upgraded_by_decision_year(db):
    on = datetime.date(2025, 12, 31)
    a, b, c, d, e, f = ProductFactory.create_batch(6)
    recognise(a, stars=3, decided=datetime.date(2021, 3, 1), rules=rules("1048"))
    recognise(a, stars=3, decided=datetime.date(2024, 3, 5), kind="re_recognition")
    recognise(b, stars=3, decided=datetime.date(2023, 5, 1))
    recognise(b, stars=4, decided=datetime.date(2025, 5, 1), kind="upgrade")
    recognise(c, stars=4, decided=datetime.date(2024, 6, 1))
    recognise(d, stars=3, decided=datetime.date(2020, 6, 1), rules=rules("1048"))  # since expired: still counted
    RatingEventFactory(  # a commune pre-assessment recognises nothing
        product=e, level="commune", decision_number="", certificate_number="", certificate_issued_on=None
    )
    recognise(f, stars=3, decided=datetime.date(2026, 2, 1))  # after the date asked for

    rows = recognition_counts_by_year(user=None, on=on)

    assert [(r.year, r.new, r.re_recognised, r.upgraded, r.total, r.cumulative) for r in rows] == [
        (2020, 1, 0, 0, 1, 1),
        (2021, 1, 0, 0, 1, 2),
        (2023, 1, 0, 0, 1, 3),
        (2024, 1, 1, 0, 2, 5),
        (2025, 0, 0, 1, 1, 6),
    ]


def test_counts_are_scoped_to_the_users_area(catalogue, commune_staff, provincial_staff_other_province):
    # Commune staff of today's Xã Chợ Đồn: Ngọc Phái and Phương Viên (which it came from) and itself.
    assert product_counts_by_stars(user=commune_staff, on=catalogue.on).total == 5
    assert {r.key for r in product_counts_by_area(user=commune_staff, on=catalogue.on).rows} == {
        catalogue.three.producer.commune.district_id,
        catalogue.five.producer.commune.province_id,
    }
    assert sum(r.total for r in recognition_counts_by_year(user=commune_staff, on=catalogue.on)) == 7
    # Cao Bằng holds only an expired and a never-recognised product.
    assert product_counts_by_stars(user=provincial_staff_other_province, on=catalogue.on).total == 0
    assert producer_counts_by_kind(user=provincial_staff_other_province, on=catalogue.on).total == 0
    assert sum(r.total for r in recognition_counts_by_year(user=provincial_staff_other_province, on=catalogue.on)) == 1


# Expiring certificates


def test_expiring_list_holds_certificates_ending_within_the_days_only(catalogue):
    names = [p.name for p in certificate_expiring_list(user=None, on=catalogue.on)]
    assert names == ["Gạo nếp"]  # 30 days; not the one of 200 days nor the expired one

    within_year = list(certificate_expiring_list(user=None, days=365, on=catalogue.on))
    assert [p.name for p in within_year] == ["Gạo nếp", "Miến dong Ngọc Phái"]  # soonest first
    assert [p.current_certificate_number for p in within_year] == ["GCN-SOON", "GCN-THREE"]


def test_expiring_page_lists_days_left_and_downloads_csv(client, catalogue, provincial_staff):
    client.force_login(provincial_staff)

    page = client.get(reverse("ocop:expiring"))
    longer = client.get(reverse("ocop:expiring"), {"days": "365"})
    csv_response = client.get(reverse("ocop:expiring"), {"days": "365", "format": "csv"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Gạo nếp" in html and "GCN-SOON" in html and ">30<" in html
    assert "Miến dong Ngọc Phái" not in html and "Mật ong bạc hà" not in html
    assert "Miến dong Ngọc Phái" in longer.content.decode()
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert csv_response["Content-Type"].startswith("text/csv")
    assert len(lines) == 3
    assert lines[1].split(",")[:2] == ["Gạo nếp", catalogue.soon.producer.name]
    assert lines[1].endswith(",30")


def test_expiring_page_ignores_a_nonsense_number_of_days(client, catalogue, provincial_staff):
    client.force_login(provincial_staff)

    response = client.get(reverse("ocop:expiring"), {"days": "-5"})

    assert response.context["days"] == 90


def test_staff_pages_need_a_login_and_public_pages_do_not(client, catalogue):
    for name in ("ocop:overview", "ocop:expiring"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert client.get(reverse("ocop:catalogue")).status_code == 200
    assert client.get(reverse("ocop:catalogue_detail", args=[catalogue.three.pk])).status_code == 200
    assert client.get(reverse("ocop:catalogue_label", args=[catalogue.three.pk])).status_code == 200


def test_overview_shows_localised_counts_and_shares(client, catalogue, provincial_staff):
    client.force_login(provincial_staff)

    response = client.get(reverse("ocop:overview"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["by_stars"].total == 7
    assert '<td class="num">42,9</td>' in html  # Vietnamese decimal comma
    assert "Vải và may mặc" in html


# Public catalogue


def test_catalogue_lists_products_with_a_certificate_in_force_only(client, catalogue):
    response = client.get(reverse("ocop:catalogue"))

    names = {p.name for p in response.context["page"]}
    assert names == {
        "Miến dong Ngọc Phái",
        "Khăn thổ cẩm",
        "Chè Phương Viên",
        "Cá nướng Ba Bể",
        "Gạo nếp",
        "Rượu men lá",
        "Cao dược liệu",
    }
    html = response.content.decode()
    assert "Mật ong bạc hà" not in html and "Bánh cuốn" not in html
    assert "0912345678" not in html  # no producer contact data in public


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stars": "5"}, {"Rượu men lá"}),
        ({"stars": "potential"}, {"Cao dược liệu"}),
        ({"stars": "4"}, {"Chè Phương Viên", "Cá nướng Ba Bể", "Cao dược liệu"}),
        ({"group": "TCMN"}, {"Khăn thổ cẩm"}),
        ({"group": "TP", "stars": "3"}, {"Miến dong Ngọc Phái", "Gạo nếp"}),
        (
            {"province": "bắc kạn"},
            {"Miến dong Ngọc Phái", "Khăn thổ cẩm", "Chè Phương Viên", "Cá nướng Ba Bể", "Gạo nếp"},
        ),
        ({"commune": "Chợ Đồn"}, {"Rượu men lá", "Cao dược liệu"}),
        ({"q": "HTX Ngọc"}, {"Miến dong Ngọc Phái", "Khăn thổ cẩm"}),
    ],
)
def test_catalogue_filters(catalogue, params, expected):
    if "group" in params:
        params = {**params, "group": str(group(params["group"]).pk)}

    filterset = ProductCatalogueFilterSet(params, queryset=product_catalogue_list(on=catalogue.on))

    assert filterset.is_valid(), filterset.errors
    assert {p.name for p in filterset.qs} == expected


def test_catalogue_page_applies_the_filters_from_the_query_string(client, catalogue):
    response = client.get(reverse("ocop:catalogue"), {"stars": "5"})

    assert [p.name for p in response.context["page"]] == ["Rượu men lá"]


def test_catalogue_paginates(client, area_tree):
    for product in ProductFactory.create_batch(30, producer__commune=area_tree.hoa_an):
        recognise(product, stars=3, decided=timezone.localdate() - datetime.timedelta(days=3))

    first = client.get(reverse("ocop:catalogue"))
    second = client.get(reverse("ocop:catalogue"), {"page": "2"})

    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert "?page=2" in first.content.decode()


def test_product_page_shows_a_valid_certificate_as_valid(client, catalogue):
    response = client.get(reverse("ocop:catalogue_detail", args=[catalogue.three.pk]))

    html = response.content.decode()
    valid_until = catalogue.on + datetime.timedelta(days=200)
    assert f"Còn hiệu lực đến {valid_until:%d/%m/%Y}" in html
    assert 'data-state="valid"' in html and 'data-state="expired"' not in html
    assert "GCN-THREE" in html and "HTX Ngọc Phái" in html and "Xã Ngọc Phái" in html
    assert "0912345678" not in html


def test_product_page_shows_an_expired_certificate_as_expired_never_as_valid(client, catalogue):
    response = client.get(reverse("ocop:catalogue_detail", args=[catalogue.expired.pk]))

    html = response.content.decode()
    first_day_expired = catalogue.on - datetime.timedelta(days=9)
    assert response.status_code == 200
    assert f"HẾT HIỆU LỰC từ {first_day_expired:%d/%m/%Y}" in html
    assert 'data-state="expired"' in html
    assert 'data-state="valid"' not in html and "Còn hiệu lực" not in html
    assert "GCN-EXPIRED" in html


def test_product_page_shows_the_old_group_of_a_1048_product(client, catalogue):
    html = client.get(reverse("ocop:catalogue_detail", args=[catalogue.old_group.pk])).content.decode()

    assert "Thủ công mỹ nghệ" in html and "Vải và may mặc" in html


def test_never_recognised_and_unknown_products_are_not_found(client, catalogue):
    for name in ("ocop:catalogue_detail", "ocop:catalogue_qr", "ocop:catalogue_label"):
        assert client.get(reverse(name, args=[catalogue.never.pk])).status_code == 404
        assert client.get(reverse(name, args=[999999])).status_code == 404


def segno_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=4, border=4)
    return out.getvalue()


def test_qr_code_is_the_svg_segno_makes_for_the_absolute_page_url(client, catalogue):
    response = client.get(reverse("ocop:catalogue_qr", args=[catalogue.three.pk]))

    page_url = "http://testserver" + reverse("ocop:catalogue_detail", args=[catalogue.three.pk])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content == segno_svg(page_url)
    assert response.content != segno_svg(page_url.replace(str(catalogue.three.pk), str(catalogue.five.pk)))
    assert b"<svg" in response.content


def test_expired_product_keeps_its_qr_code_so_a_scan_shows_the_expiry(client, catalogue):
    response = client.get(reverse("ocop:catalogue_qr", args=[catalogue.expired.pk]))

    assert response.status_code == 200


def test_label_shows_the_certificate_and_the_qr_code(client, catalogue):
    html = client.get(reverse("ocop:catalogue_label", args=[catalogue.potential.pk])).content.decode()

    assert reverse("ocop:catalogue_qr", args=[catalogue.potential.pk]) in html
    assert "Cao dược liệu" in html and 'data-state="valid"' in html


# Bounded queries


def build_products(n: int) -> None:
    """``n`` products in several communes, groups, producer types and star levels, half expiring soon."""
    today = timezone.localdate()
    communes = CommuneFactory.create_batch(3)
    groups = [group("TP"), group("DU"), group("VMM", "1048")]
    kinds = list(KIND.values)
    for i in range(n):
        product = ProductFactory(
            producer=ProducerFactory(kind=kinds[i % 4], commune=communes[i % 3]), group=groups[i % 3]
        )
        if i % 2:
            recognise(product, stars=3 + i % 2, valid_until=today + datetime.timedelta(days=20 + i))
        else:
            recognise(product, stars=3, decided=today - datetime.timedelta(days=400))
            recognise(product, stars=4, decided=today - datetime.timedelta(days=10), kind="upgrade")


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    ("name", "staff", "max_queries"),
    [
        # session, user, context processor, stars 1, groups 2 (counts, names), areas 2, producer types 1, years 1
        ("ocop:overview", True, 10),
        ("ocop:expiring", True, 4),  # session, user, context processor, the list
        ("ocop:catalogue", False, 4),  # context processor, group choices, count, page
    ],
)
def test_pages_make_the_same_number_of_queries_for_5_and_40_products(client, superuser, name, staff, max_queries):
    if staff:
        client.force_login(superuser)
    url = reverse(name) + ("?days=400" if name == "ocop:expiring" else "")
    build_products(5)
    few = queries_for(client, url)
    build_products(35)
    many = queries_for(client, url)

    assert few == many
    assert many <= max_queries


def test_product_page_query_count_is_fixed(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # context processor, product, certificate
        client.get(reverse("ocop:catalogue_detail", args=[catalogue.old_group.pk]))

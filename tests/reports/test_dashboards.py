"""The dashboards (reports.views): who may open which, the figures they show against hand-computed
expectations, the year selector and money units, and query counts that do not grow with the data.

Data on ``area_tree`` for 2024 (the old provinces Bắc Kạn and Thái Nguyên, both inside today's
Thái Nguyên; a criteria set of 19 criteria):

    Chợ Đồn:  Ngọc Phái 19/19 · Phương Viên 17 (misses 3 and 7)
    Ba Bể:    Khang Ninh 12 (1–12) · Cao Thượng 8 (1–8)
    Võ Nhai:  Tân Mỹ not assessed
    → 4 assessed of 5 rural communes that year (3 today), 1 completed all, average 56/4 = 14,0,
      one commune in each of the bands all, 15–18, 10–14, 5–9; criterion 3 met by 3 of 4 = 75,0 %.
    2023:     Ngọc Phái 15 (1–15), the only assessment.

    Recognitions (commune standard): Ngọc Phái standard year 2024 (decided 10/11/2024),
    Phương Viên standard year 2022 (decided 01/12/2022).
    → in force on 31/12/2024: 2 → 40,0 % of the communes as of that year (2/5), 66,7 % of today's (2/3).
    Targets of today's Thái Nguyên for 2024: communes at standard, cumulative 5 → 2/5 = 40,0 % of plan;
    new in the year 4 → 1/4 = 25,0 % of plan.
    Funding of Bắc Kạn 2024: central investment 1.274.790 million VND, community 45.500 million VND
    → total 1.320.290 million = 1.320,3 billion VND. Disbursed 167,4 of 200 billion: 83,7 %.
    OCOP: a 4-star product in Ngọc Phái and a 3-star one in Tân Mỹ (decided 01/03/2024), and a
    4-star one in Cao Bằng's Hòa An (outside the province).
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import Assessment, Recognition, RecognitionLevel
from reports.models import Basis, Disbursement, Funding, FundingSource, Metric, Target
from tests.factories import CommuneFactory, CriteriaSetFactory, CriterionFactory, VillageFactory
from tests.ocop.factories import ProducerFactory, ProductFactory, RatingEventFactory

pytestmark = pytest.mark.django_db

MILLION = 10**6
BILLION = 10**9


def assess(unit, met: list[int], criteria_set, *, year: int = 2024, total: int = 19) -> Assessment:
    """An assessment with the stored standing the services leave for criteria ``met``."""
    return Assessment.objects.create(
        unit=unit,
        year=year,
        criteria_set=criteria_set,
        criteria_total=total,
        met_count=len(met),
        met_mask=sum(1 << (n - 1) for n in met),
    )


def upto(n: int) -> list[int]:
    return list(range(1, n + 1))


def recognise(unit, *, standard_year: int, decided: datetime.date, level=RecognitionLevel.COMMUNE_STANDARD):
    return Recognition.objects.create(
        unit=unit,
        level=level,
        decision_number=f"{unit.code}-{standard_year}/QĐ-UBND",
        decision_date=decided,
        issued_by="UBND tỉnh",
        standard_year=standard_year,
    )


@pytest.fixture
def data(area_tree):
    t = area_tree
    criteria_set = CriteriaSetFactory(code="commune-2021", period_start=2021, period_end=2025)
    for number in upto(19):
        CriterionFactory(criteria_set=criteria_set, number=number, name_vi=f"Tiêu chí {number}")
    assess(t.ngoc_phai, upto(19), criteria_set)
    assess(t.phuong_vien, [n for n in upto(19) if n not in (3, 7)], criteria_set)
    assess(t.khang_ninh, upto(12), criteria_set)
    assess(t.cao_thuong, upto(8), criteria_set)
    assess(t.ngoc_phai, upto(15), criteria_set, year=2023)
    recognise(t.ngoc_phai, standard_year=2024, decided=datetime.date(2024, 11, 10))
    recognise(t.phuong_vien, standard_year=2022, decided=datetime.date(2022, 12, 1))
    common = {"unit": t.thai_nguyen, "year": 2024, "metric": Metric.COMMUNES_STANDARD, "decision": "KH 1/2024"}
    Target.objects.create(**common, basis=Basis.CUMULATIVE, value=Decimal(5))
    Target.objects.create(**common, basis=Basis.NEW_IN_YEAR, value=Decimal(4))
    Funding.objects.create(
        unit=t.bac_kan, year=2024, source=FundingSource.CENTRAL_INVESTMENT, amount_vnd=1_274_790 * MILLION
    )
    Funding.objects.create(unit=t.bac_kan, year=2024, source=FundingSource.COMMUNITY, amount_vnd=45_500 * MILLION)
    Funding.objects.create(unit=t.ngoc_phai, year=2024, source=FundingSource.COMMUNE_BUDGET, amount_vnd=0)
    Disbursement.objects.create(
        unit=t.bac_kan,
        year=2024,
        cutoff_date=datetime.date(2024, 12, 31),
        capital_type=Disbursement.CapitalType.INVESTMENT,
        allocated_vnd=200 * BILLION,
        disbursed_vnd=Decimal("167.4") * BILLION,
    )
    RatingEventFactory(product=ProductFactory(producer=ProducerFactory(commune=t.ngoc_phai), name="Miến dong"))
    RatingEventFactory(
        product=ProductFactory(producer=ProducerFactory(commune=t.tan_my), name="Chè Tân Mỹ"),
        score_a=Decimal(25),
        score_b=Decimal(15),
        score_c=Decimal(20),
    )
    RatingEventFactory(product=ProductFactory(producer=ProducerFactory(commune=t.hoa_an), name="Hạt dẻ"))
    VillageFactory(parent=t.ngoc_phai, name="Thôn Bản Cuôn")
    return t


def page(client: Client, user, url: str):
    client.force_login(user)
    return client.get(url)


def province_url(unit, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("reports:province_dashboard", args=[unit.pk]) + (f"?{query}" if query else "")


def url(name: str, unit, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse(f"reports:{name}_dashboard", args=[unit.pk]) + (f"?{query}" if query else "")


def text_of(response, element_id: str) -> str:
    """The text of the element with ``id`` (a small, dependency-free HTML lookup)."""
    from html.parser import HTMLParser

    class Finder(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth = 0
            self.parts: list[str] = []

        def handle_starttag(self, tag, attrs):
            if self.depth or dict(attrs).get("id") == element_id:
                self.depth += 1

        def handle_endtag(self, tag):
            if self.depth:
                self.depth -= 1

        def handle_data(self, data):
            if self.depth:
                self.parts.append(data)

    finder = Finder()
    finder.feed(response.content.decode())
    return " ".join(" ".join(finder.parts).split())


# Access


def test_the_index_sends_each_official_to_their_own_dashboard(
    client, data, provincial_staff, district_official, commune_staff
):
    assert page(client, provincial_staff, reverse("reports:index")).url == url("province", data.thai_nguyen)
    assert page(client, district_official, reverse("reports:index")).url == url("district", data.cho_don)
    assert page(client, commune_staff, reverse("reports:index")).url == url("commune", data.xa_cho_don)


def test_the_index_lists_the_provinces_for_a_superuser(client, data, superuser):
    response = page(client, superuser, reverse("reports:index"))
    assert response.status_code == 200
    assert "Tỉnh Cao Bằng" in text_of(response, "province-list")
    assert "Tỉnh Bắc Kạn" in text_of(response, "province-list")


def test_dashboards_need_a_login(client, data):
    response = client.get(url("province", data.thai_nguyen))
    assert response.status_code == 302
    assert "/login/" in response.url


@pytest.mark.parametrize(
    ("persona", "name", "unit", "status"),
    [
        ("provincial_staff", "province", "thai_nguyen", 200),
        ("provincial_staff", "province", "bac_kan", 200),
        ("provincial_staff", "district", "cho_don", 200),
        ("provincial_staff", "commune", "xa_ba_be", 200),
        ("viewer", "province", "thai_nguyen", 200),
        ("superuser", "province", "cao_bang", 200),
        ("provincial_staff_other_province", "province", "thai_nguyen", 404),
        ("provincial_staff_other_province", "district", "cho_don", 404),
        ("provincial_staff_other_province", "commune", "ngoc_phai", 404),
        ("district_official", "district", "cho_don", 200),
        ("district_official", "commune", "ngoc_phai", 200),
        ("district_official", "district", "ba_be", 404),
        ("district_official", "province", "bac_kan", 404),
        ("district_official", "commune", "khang_ninh", 404),
        ("commune_staff", "commune", "xa_cho_don", 200),
        ("commune_staff", "commune", "ngoc_phai", 200),
        ("commune_staff", "commune", "xa_ba_be", 404),
        ("commune_staff", "district", "cho_don", 404),
        ("commune_staff", "province", "thai_nguyen", 404),
        ("no_role_user", "province", "thai_nguyen", 404),
    ],
)
def test_each_persona_opens_only_the_dashboards_of_their_area(client, data, request, persona, name, unit, status):
    user = request.getfixturevalue(persona)
    assert page(client, user, url(name, getattr(data, unit), year=2024)).status_code == status


def test_a_dashboard_of_the_wrong_level_is_404(client, data, provincial_staff):
    assert page(client, provincial_staff, url("province", data.cho_don)).status_code == 404
    assert page(client, provincial_staff, url("district", data.ngoc_phai)).status_code == 404


# Figures


def test_the_province_dashboard_shows_the_hand_computed_figures(client, data, provincial_staff):
    response = page(client, provincial_staff, url("province", data.thai_nguyen, year=2024))
    html = response.content.decode()
    cumulative, flow = html.split('data-basis="cumulative"')[1], html.split('data-basis="flow"')[1]
    assert '<span class="kpi-actual" data-field="actual">2</span>' in cumulative.split("</dd>")[0]
    assert '<span class="kpi-percent" data-field="percent">40,0%</span>' in cumulative.split("</dd>")[0]
    assert '<span class="kpi-actual" data-field="actual">1</span>' in flow.split("</dd>")[0]
    assert '<span class="kpi-percent" data-field="percent">25,0%</span>' in flow.split("</dd>")[0]
    assert text_of(response, "average-met") == "14,0"
    assert text_of(response, "all-met") == "1"
    assert "Đã đánh giá 4 xã, trên tổng số 5 xã của năm đó (hiện nay 3 xã)" in text_of(
        response, "standing-denominators"
    )
    band_table = text_of(response, "band-table")
    assert band_table.split("Dưới 5 tiêu chí")[0].count("25,0") == 4
    trend = text_of(response, "trend-table")
    assert "2024 5 2 40,0 66,7 1 14,0" in trend
    assert text_of(response, "communes-today") == "3"
    assert text_of(response, "ocop-total") == "2"  # Hòa An's product is Cao Bằng's
    assert text_of(response, "funding-total") == "1.320.290"
    assert text_of(response, "disbursement-rate") == "83,7"
    assert '<tr data-criterion="3">' in html
    assert "3/4 75,0" in text_of(response, "pass-rate-table")


def test_the_year_selector_changes_the_figures(client, data, provincial_staff):
    response = page(client, provincial_staff, url("province", data.thai_nguyen, year=2023))
    assert text_of(response, "average-met") == "15,0"
    assert "Đã đánh giá 1 xã, trên tổng số 5 xã của năm đó" in text_of(response, "standing-denominators")
    assert 'id="funding-total"' not in response.content.decode()  # no funding recorded for 2023
    assert "2023 5 1 20,0 33,3 0 15,0" in text_of(response, "trend-table")
    assert '<option value="2023" selected>' in response.content.decode()


def test_money_is_shown_in_million_or_billion_vnd(client, data, provincial_staff):
    million = page(client, provincial_staff, url("province", data.thai_nguyen, year=2024))
    billion = client.get(url("province", data.thai_nguyen, year=2024, money="billion"))
    assert text_of(million, "funding-total") == "1.320.290"
    assert text_of(billion, "funding-total") == "1.320,3"
    assert '<option value="billion" selected>' in billion.content.decode()


def test_english_pages_use_english_number_formats(client, data, provincial_staff):
    client.cookies["django_language"] = "en"
    response = page(client, provincial_staff, url("province", data.thai_nguyen, year=2024))
    assert response.content.decode().count('lang="en"') == 1
    assert text_of(response, "funding-total") == "1,320,290"
    assert text_of(response, "average-met") == "14.0"


def test_the_district_dashboard_shows_the_matrix_and_the_communes_nearest_to_standard(client, data, district_official):
    response = page(client, district_official, url("district", data.cho_don, year=2024))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="matrix"' in html  # the heat map partial of communes/matrix.html
    assert f'data-commune="{data.ngoc_phai.code}"' in html
    assert f'data-commune="{data.khang_ninh.code}"' not in html  # Ba Bể's
    nearest = text_of(response, "nearest-table")
    assert "Xã Phương Viên 17/19 3. Tiêu chí 3 ; 7. Tiêu chí 7" in nearest
    assert "Xã Ngọc Phái" not in nearest  # all criteria met: not "nearest"
    products = text_of(response, "ocop-product-table")
    assert "Miến dong" in products
    assert "Chè Tân Mỹ" not in products and "Hạt dẻ" not in products
    assert text_of(response, "ocop-total") == "1"


def test_the_commune_dashboard_shows_history_recognitions_villages_products_and_funding(client, data, commune_staff):
    response = page(client, commune_staff, url("commune", data.xa_cho_don, years="2021-2025"))
    assert response.status_code == 200
    history = text_of(response, "history-table")
    assert "2023 Xã Ngọc Phái" in history and "15/19" in history
    assert "2024 Xã Phương Viên" in history and "17/19" in history
    html = response.content.decode()
    assert html.count('data-met="0"') == 2 + 4  # Phương Viên misses 3 and 7; Ngọc Phái 2023 misses 16–19
    timeline = text_of(response, "recognition-timeline")
    assert timeline.index("01/12/2022") < timeline.index("10/11/2024")
    assert "Thôn Bản Cuôn" in text_of(response, "village-table")
    assert "Miến dong" in text_of(response, "ocop-product-table")
    assert "Chè Tân Mỹ" not in text_of(response, "ocop-product-table")


def test_the_commune_years_selector_narrows_the_history(client, data, commune_staff):
    response = page(client, commune_staff, url("commune", data.xa_cho_don, years="2024-2024"))
    history = text_of(response, "history-table")
    assert "2024" in history and "2023" not in history


# Query counts


def _grow(t, criteria_set, n: int) -> None:
    """``n`` more assessed, recognised communes with villages and OCOP products in Chợ Đồn."""
    for i in range(n):
        commune = CommuneFactory(
            parent=t.cho_don, code=f"09{i:03d}", name=f"Xã Thêm {i}", valid_to=datetime.date(2025, 6, 30)
        )
        assess(commune, upto(19 - i % 5), criteria_set)
        assess(commune, upto(10 + i % 5), criteria_set, year=2023)
        recognise(commune, standard_year=2024, decided=datetime.date(2024, 12, 1))
        VillageFactory(parent=commune)
        RatingEventFactory(product=ProductFactory(producer=ProducerFactory(commune=commune)))


def _queries(client, user, target: str) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(target).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "name", "unit", "params"),
    [
        ("provincial_staff", "province", "thai_nguyen", {"year": 2024}),
        ("district_official", "district", "cho_don", {"year": 2024}),
        ("commune_staff", "commune", "xa_cho_don", {"years": "2021-2025"}),
    ],
)
def test_the_query_count_does_not_grow_with_the_communes(client, data, request, persona, name, unit, params):
    user = request.getfixturevalue(persona)
    target = url(name, getattr(data, unit), **params)
    small = _queries(client, user, target)
    criteria_set = Assessment.objects.first().criteria_set
    _grow(data, criteria_set, 25)
    large = _queries(Client(), user, target)
    print(f"{name} dashboard: {small} queries")
    assert small == large

"""Dashboard numbers (reports.selectors) against hand-computed expectations, and their query counts.

The ``province`` fixture is a small province, year 2024 (and 2023 for "last year"):

    District D1: c1 19/19 · c2 18 (misses 5) · c3 17 (misses 5, 7) · a ward (not in the denominator)
                 · c7 from 1/1/2025
    District D2: c4 12 (1–12) · c5 8 (1–8) · c6 ended 31/12/2023 · c8 from 1/1/2025
    2023:        c1 18 (misses 19) · c2 16 · c3 15 · c4 9 · c6 not assessed   → average 58/4 = 14.5
    2024 average (19+18+17+12+8)/5 = 74/5 = 14.8; under 10 criteria: c5 (2024), c4 (2023)

    Recognitions (commune_standard unless said):
      c1 standard year 2024, decided 10/11/2024
      c2 standard year 2022, decided 01/12/2022; c2 advanced, standard year 2024, decided 15/12/2024
      c3 standard year 2021, decided 20/12/2021, revoked with effect from 01/06/2024
      c4 standard year 2024, decided 01/03/2025 (late decision)
      c5 standard year 2023, decided 30/12/2023
    → cumulative in force on 31/12/2023: c2, c3, c5 = 3; on 31/12/2024: c1, c2, c5 = 3
    → new by standard year: 2023 c5 = 1; 2024 c1, c4 = 2; 2021–2024: c1, c2, c4, c5 = 4 (c3 revoked)
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import Assessment, Kind, Recognition, RecognitionLevel, Revocation
from ocop.models import RatingEvent
from reports.models import (
    Basis,
    Disbursement,
    Funding,
    FundingSource,
    InKindContribution,
    Metric,
    SocioEconomicFigure,
    Target,
)
from reports.selectors import (
    commune_profile,
    communes_nearest_standard,
    criteria_pass_rates,
    disbursement_summary,
    districts_side_by_side,
    funding_summary,
    metric_actual,
    percent,
    standing_trend,
    target_progress,
)
from tests.factories import (
    CommuneFactory,
    CriteriaSetFactory,
    CriterionFactory,
    DistrictFactory,
    ProvinceFactory,
    VillageFactory,
)
from tests.ocop.factories import ProducerFactory, ProductFactory, RatingEventFactory

pytestmark = pytest.mark.django_db

D = Decimal
BILLION = 10**9


def assess(unit, met: list[int], criteria_set, *, year: int, total: int = 19) -> Assessment:
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


def all_but(*missing: int) -> list[int]:
    return [n for n in range(1, 20) if n not in missing]


def recognise(unit, level=RecognitionLevel.COMMUNE_STANDARD, *, standard_year: int, decided: datetime.date):
    return Recognition.objects.create(
        unit=unit,
        level=level,
        decision_number=f"{unit.pk}{standard_year}{level[:3]}/QĐ-UBND",
        decision_date=decided,
        issued_by="UBND tỉnh Thử",
        standard_year=standard_year,
    )


@pytest.fixture
def province(db):
    from types import SimpleNamespace

    t = SimpleNamespace()
    t.criteria_set = CriteriaSetFactory(code="xa-2021")
    t.criteria = [
        CriterionFactory(criteria_set=t.criteria_set, number=n, name_vi=f"Tiêu chí {n}") for n in range(1, 20)
    ]
    t.province = ProvinceFactory(name="Tỉnh Thử")
    t.d1 = DistrictFactory(parent=t.province, code="101", name="Huyện Một")
    t.d2 = DistrictFactory(parent=t.province, code="102", name="Huyện Hai")
    t.c1, t.c2, t.c3 = (CommuneFactory(parent=t.d1, code=f"1000{n}") for n in (1, 2, 3))
    t.ward = CommuneFactory(parent=t.d1, code="10009", kind=Kind.WARD)
    t.c7 = CommuneFactory(parent=t.d1, code="10007", valid_from=datetime.date(2025, 1, 1))
    t.c4, t.c5 = (CommuneFactory(parent=t.d2, code=f"2000{n}") for n in (4, 5))
    t.c6 = CommuneFactory(parent=t.d2, code="20006", valid_to=datetime.date(2023, 12, 31))
    t.c8 = CommuneFactory(parent=t.d2, code="20008", valid_from=datetime.date(2025, 1, 1))

    s = t.criteria_set
    for unit, met in ((t.c1, upto(19)), (t.c2, all_but(5)), (t.c3, all_but(5, 7)), (t.c4, upto(12)), (t.c5, upto(8))):
        assess(unit, met, s, year=2024)
    for unit, met in ((t.c1, all_but(19)), (t.c2, upto(16)), (t.c3, upto(15)), (t.c4, upto(9))):
        assess(unit, met, s, year=2023)

    recognise(t.c1, standard_year=2024, decided=datetime.date(2024, 11, 10))
    recognise(t.c2, standard_year=2022, decided=datetime.date(2022, 12, 1))
    recognise(t.c2, RecognitionLevel.COMMUNE_ADVANCED, standard_year=2024, decided=datetime.date(2024, 12, 15))
    revoked = recognise(t.c3, standard_year=2021, decided=datetime.date(2021, 12, 20))
    Revocation.objects.create(
        recognition=revoked,
        decision_number="9/QĐ-UBND",
        decision_date=datetime.date(2024, 5, 20),
        effective_date=datetime.date(2024, 6, 1),
        issued_by="UBND tỉnh Thử",
        reason="Không duy trì tiêu chí",
    )
    recognise(t.c4, standard_year=2024, decided=datetime.date(2025, 3, 1))
    recognise(t.c5, standard_year=2023, decided=datetime.date(2023, 12, 30))
    return t


# 1. Actuals and progress


@pytest.mark.parametrize(
    ("year", "basis", "expected"),
    [
        (2024, Basis.CUMULATIVE, 3),
        (2024, Basis.NEW_IN_YEAR, 2),
        (2023, Basis.CUMULATIVE, 3),
        (2023, Basis.NEW_IN_YEAR, 1),
    ],
)
def test_communes_at_standard_count_recognitions_in_force_or_by_standard_year(province, year, basis, expected):
    actual = metric_actual(metric=Metric.COMMUNES_STANDARD, area=province.province, year=year, basis=basis)
    assert actual == D(expected)


def test_a_revoked_recognition_stops_counting_from_its_effective_date(province):
    d1 = province.d1
    # c3's recognition counts on 31/12/2023, not on 31/12/2024 (revoked from 1/6/2024).
    assert metric_actual(metric=Metric.COMMUNES_STANDARD, area=d1, year=2023, basis=Basis.CUMULATIVE) == D(2)
    assert metric_actual(metric=Metric.COMMUNES_STANDARD, area=d1, year=2024, basis=Basis.CUMULATIVE) == D(2)
    assert metric_actual(
        metric=Metric.COMMUNES_STANDARD, area=d1, year=2024, basis=Basis.NEW_IN_YEAR, first_year=2021
    ) == D(2)  # c1 and c2; c3 revoked


def test_advanced_average_and_communes_under(province):
    p = province.province
    assert metric_actual(metric=Metric.COMMUNES_ADVANCED, area=p, year=2024, basis=Basis.CUMULATIVE) == D(1)
    assert metric_actual(metric=Metric.COMMUNES_ADVANCED, area=p, year=2023, basis=Basis.CUMULATIVE) == D(0)
    # An advanced recognition is not a new standard commune: the 2024 flow stays c1 + c4.
    assert metric_actual(metric=Metric.COMMUNES_STANDARD, area=p, year=2024, basis=Basis.NEW_IN_YEAR) == D(2)
    assert metric_actual(metric=Metric.AVERAGE_CRITERIA, area=p, year=2024, basis=Basis.CUMULATIVE) == D("14.8")
    assert metric_actual(metric=Metric.AVERAGE_CRITERIA, area=p, year=2023, basis=Basis.CUMULATIVE) == D("14.5")
    under = {"metric": Metric.COMMUNES_UNDER, "area": p, "basis": Basis.CUMULATIVE}
    assert metric_actual(**under, year=2024, parameter=10) == D(1)
    assert metric_actual(**under, year=2024, parameter=15) == D(2)
    assert metric_actual(**under, year=2022, parameter=10) is None  # nothing assessed: unknown, not zero


def test_villages_and_districts_at_standard(province):
    village = VillageFactory(parent=province.c1)
    model_village = VillageFactory(parent=province.c4)
    recognise(village, RecognitionLevel.VILLAGE_NTM, standard_year=2023, decided=datetime.date(2023, 5, 1))
    recognise(model_village, RecognitionLevel.VILLAGE_MODEL, standard_year=2024, decided=datetime.date(2024, 5, 1))
    recognise(province.d1, RecognitionLevel.DISTRICT_STANDARD, standard_year=2024, decided=datetime.date(2024, 8, 1))
    p = province.province
    assert metric_actual(metric=Metric.VILLAGES_NTM, area=p, year=2024, basis=Basis.CUMULATIVE) == D(2)
    assert metric_actual(metric=Metric.VILLAGES_NTM, area=p, year=2024, basis=Basis.NEW_IN_YEAR) == D(0)
    assert metric_actual(metric=Metric.VILLAGES_MODEL, area=p, year=2024, basis=Basis.NEW_IN_YEAR) == D(1)
    assert metric_actual(metric=Metric.DISTRICTS_STANDARD, area=p, year=2024, basis=Basis.CUMULATIVE) == D(1)
    assert metric_actual(metric=Metric.DISTRICTS_STANDARD, area=p, year=2023, basis=Basis.CUMULATIVE) == D(0)
    assert metric_actual(metric=Metric.DISTRICTS_STANDARD, area=province.d2, year=2024, basis=Basis.CUMULATIVE) == D(0)


def test_ocop_new_products_and_five_star_products(province):
    a = ProductFactory(producer=ProducerFactory(commune=province.c1))
    b = ProductFactory(producer=ProducerFactory(commune=province.c4))
    c = ProductFactory(producer=ProducerFactory(commune=province.c2))
    e = ProductFactory(producer=ProducerFactory(commune=province.c5))
    RatingEventFactory(product=a, stars=4, decision_date=datetime.date(2024, 5, 1))
    RatingEventFactory(product=b, stars=3, decision_date=datetime.date(2023, 6, 1))
    RatingEventFactory(
        product=b, stars=5, level="central", kind=RatingEvent.Kind.UPGRADE, decision_date=datetime.date(2024, 9, 1)
    )
    RatingEventFactory(product=c, stars=2, decision_date=datetime.date(2024, 4, 1))  # under 3 stars
    RatingEventFactory(product=c, stars=4, level="commune", decision_number="", decision_date=datetime.date(2024, 7, 1))
    RatingEventFactory(product=e, stars=5, level="central", decision_date=datetime.date(2020, 1, 10))  # expired 2023
    other = ProductFactory()  # another province
    RatingEventFactory(product=other, stars=5, level="central", decision_date=datetime.date(2024, 2, 1))
    p = province.province
    assert metric_actual(metric=Metric.OCOP_NEW, area=p, year=2024, basis=Basis.NEW_IN_YEAR) == D(1)  # a
    assert metric_actual(metric=Metric.OCOP_NEW, area=p, year=2024, basis=Basis.CUMULATIVE) == D(3)  # a, b, e
    assert metric_actual(metric=Metric.OCOP_FIVE_STAR, area=p, year=2024, basis=Basis.CUMULATIVE) == D(1)  # b
    assert metric_actual(metric=Metric.OCOP_FIVE_STAR, area=p, year=2022, basis=Basis.CUMULATIVE) == D(1)  # e
    assert metric_actual(metric=Metric.OCOP_FIVE_STAR, area=p, year=2024, basis=Basis.NEW_IN_YEAR) == D(1)  # b


def _targets(province):
    p = province.province
    SocioEconomicFigure.objects.create(unit=p, year=2024, metric=Metric.POVERTY_RATE, value=D("4.00"))
    SocioEconomicFigure.objects.create(unit=p, year=2024, metric=Metric.RURAL_INCOME, value=D("45.50"))
    SocioEconomicFigure.objects.create(unit=p, year=2023, metric=Metric.RURAL_INCOME, value=D("40.00"))
    SocioEconomicFigure.objects.create(unit=province.d1, year=2024, metric=Metric.RURAL_INCOME, value=D("99"))
    rows = [
        (Metric.COMMUNES_STANDARD, Basis.CUMULATIVE, D(4), None),
        (Metric.COMMUNES_STANDARD, Basis.NEW_IN_YEAR, D(3), None),
        (Metric.AVERAGE_CRITERIA, Basis.CUMULATIVE, D(16), None),
        (Metric.COMMUNES_UNDER, Basis.CUMULATIVE, D(1), 10),
        (Metric.POVERTY_RATE, Basis.NEW_IN_YEAR, D(3), None),
        (Metric.RURAL_INCOME, Basis.CUMULATIVE, D(50), None),
    ]
    for metric, basis, value, parameter in rows:
        Target.objects.create(unit=p, year=2024, metric=metric, basis=basis, value=value, parameter=parameter)
    Target.objects.create(
        unit=p,
        scope=Target.Scope.PERIOD,
        period_start=2021,
        year=2025,
        metric=Metric.COMMUNES_STANDARD,
        basis=Basis.NEW_IN_YEAR,
        value=D(5),
    )
    # Neither of these belongs to the province's 2024 progress.
    Target.objects.create(unit=p, year=2023, metric=Metric.OCOP_NEW, basis=Basis.NEW_IN_YEAR, value=D(9))
    Target.objects.create(unit=province.d1, year=2024, metric=Metric.OCOP_NEW, basis=Basis.NEW_IN_YEAR, value=D(9))


def test_target_progress_on_both_bases_with_change_from_last_year(province):
    _targets(province)
    rows = target_progress(area=province.province, year=2024)
    got = {
        (r.target.scope, r.metric, r.basis): (r.actual, r.percent_of_plan, r.previous_actual, r.change) for r in rows
    }
    year, period = Target.Scope.YEAR, Target.Scope.PERIOD
    assert got == {
        # 3 in force on 31/12/2024 of 4 planned; 3 a year earlier.
        (year, Metric.COMMUNES_STANDARD, Basis.CUMULATIVE): (D(3), D("75.0"), D(3), D(0)),
        # 2 new (standard year 2024) of 3 planned; 1 new in 2023.
        (year, Metric.COMMUNES_STANDARD, Basis.NEW_IN_YEAR): (D(2), D("66.7"), D(1), D(1)),
        (year, Metric.AVERAGE_CRITERIA, Basis.CUMULATIVE): (D("14.8"), D("92.5"), D("14.5"), D("0.3")),
        # Lower is better: plan 1 / actual 1.
        (year, Metric.COMMUNES_UNDER, Basis.CUMULATIVE): (D(1), D("100.0"), D(1), D(0)),
        # Lower is better: 3 / 4 = 75.0%; no 2023 figure.
        (year, Metric.POVERTY_RATE, Basis.NEW_IN_YEAR): (D("4.00"), D("75.0"), None, None),
        (year, Metric.RURAL_INCOME, Basis.CUMULATIVE): (D("45.50"), D("91.0"), D("40.00"), D("5.50")),
        # 2021–2024: c1, c2, c4, c5 of 5 planned for 2021–2025; 2021–2023: c2, c3, c5.
        (period, Metric.COMMUNES_STANDARD, Basis.NEW_IN_YEAR): (D(4), D("80.0"), D(3), D(1)),
    }
    labels = {r.metric: r.label for r in rows}
    assert labels[Metric.COMMUNES_UNDER] == "Communes under 10 criteria"


# 2. Pass rates


def test_pass_rate_per_criterion_from_the_stored_masks(province):
    rows = {r.number: (r.met, r.assessed, r.share) for r in criteria_pass_rates(area=province.province, year=2024)}
    assert len(rows) == 19
    assert rows[1] == (5, 5, D("100.0"))
    assert rows[5] == (3, 5, D("60.0"))  # c1, c4, c5
    assert rows[7] == (4, 5, D("80.0"))  # all but c3
    assert rows[13] == (3, 5, D("60.0"))  # c1, c2, c3
    assert rows[9] == (4, 5, D("80.0"))  # all but c5
    d2 = {r.number: (r.met, r.assessed, r.share) for r in criteria_pass_rates(area=province.d2, year=2024)}
    assert d2[9] == (1, 2, D("50.0"))
    assert criteria_pass_rates(area=province.province, year=2020) == []


# 3. Districts side by side


def test_districts_side_by_side(province):
    rows = districts_side_by_side(area=province.province, year=2024)
    assert [r.unit for r in rows] == [province.d1, province.d2]
    d1, d2 = rows
    assert (d1.communes, d1.assessed, d1.all_met, d1.recognised_standard, d1.advanced) == (3, 3, 1, 2, 1)
    assert d1.average_met == D("18.0")
    assert d1.bands == {"all": 1, "15-18": 2, "10-14": 0, "5-9": 0, "under-5": 0}
    assert d1.recognised_share == D("66.7")
    # c4's recognition was decided in 2025: completed and recognised are not the same.
    assert (d2.communes, d2.assessed, d2.all_met, d2.recognised_standard, d2.advanced) == (2, 2, 0, 1, 0)
    assert d2.average_met == D("10.0")
    assert d2.bands == {"all": 0, "15-18": 0, "10-14": 1, "5-9": 1, "under-5": 0}
    # 2023: c6 still in force in D2.
    assert [r.communes for r in districts_side_by_side(area=province.province, year=2023)] == [3, 3]


# 4. Trend


def test_trend_gives_both_denominators(province):
    points = {p.year: p for p in standing_trend(area=province.province, years=range(2023, 2025))}
    p23, p24 = points[2023], points[2024]
    # 2023: c1–c6 that year; today c1–c5, c7, c8.
    assert (p23.communes_that_year, p23.communes_today, p23.assessed, p23.all_met) == (6, 7, 4, 0)
    assert (p23.recognised_standard, p23.share_that_year, p23.share_today) == (3, D("50.0"), D("42.9"))
    assert p23.average_met == D("14.5")
    assert (p24.communes_that_year, p24.communes_today, p24.assessed, p24.all_met) == (5, 7, 5, 1)
    assert (p24.recognised_standard, p24.share_that_year, p24.share_today) == (3, D("60.0"), D("42.9"))
    assert p24.average_met == D("14.8")


# 5. Nearest to standard


def test_communes_nearest_standard_list_the_missing_criteria(province):
    rows = communes_nearest_standard(area=province.province, year=2024)
    assert [(r.commune, r.missing, r.recognised) for r in rows] == [
        (province.c2, [(5, "Tiêu chí 5")], True),
        (province.c3, [(5, "Tiêu chí 5"), (7, "Tiêu chí 7")], False),  # revoked
    ]
    assert [r.commune for r in communes_nearest_standard(area=province.province, year=2024, max_missing=1)] == [
        province.c2
    ]


# 6. Funding and disbursement


def _money(province):
    p, d1, c1, c2 = province.province, province.d1, province.c1, province.c2
    for unit, source, amount in (
        (p, FundingSource.CENTRAL_INVESTMENT, 6 * BILLION),
        (p, FundingSource.PROVINCIAL_BUDGET, 2 * BILLION),
        (d1, FundingSource.DISTRICT_BUDGET, 1 * BILLION),
        (c1, FundingSource.COMMUNITY, BILLION // 2),
        (c1, FundingSource.ENTERPRISES, BILLION // 2),
        (c2, FundingSource.CREDIT, 3 * BILLION),
    ):
        Funding.objects.create(unit=unit, year=2024, source=source, amount_vnd=amount)
    Funding.objects.create(unit=d1, year=2023, source=FundingSource.DISTRICT_BUDGET, amount_vnd=7 * BILLION)
    Funding.objects.create(
        unit=CommuneFactory(), year=2024, source=FundingSource.COMMUNITY, amount_vnd=7 * BILLION
    )  # another province
    InKindContribution.objects.create(unit=c1, year=2024, land_m2=1200, workdays=300)
    InKindContribution.objects.create(unit=c2, year=2024, workdays=150, description="Hiến 2 cổng tường")
    inv, rec = Disbursement.CapitalType.INVESTMENT, Disbursement.CapitalType.RECURRENT
    for unit, cutoff, kind, allocated, disbursed in (
        (p, datetime.date(2024, 6, 30), inv, 4 * BILLION, 1 * BILLION),
        (p, datetime.date(2024, 12, 31), inv, 4 * BILLION, D("3.4") * BILLION),
        (d1, datetime.date(2024, 12, 31), inv, 1 * BILLION, D("0.6") * BILLION),
        (p, datetime.date(2024, 9, 30), rec, 2 * BILLION, D("1.5") * BILLION),
    ):
        Disbursement.objects.create(
            unit=unit,
            year=2024,
            cutoff_date=cutoff,
            capital_type=kind,
            allocated_vnd=allocated,
            disbursed_vnd=disbursed,
        )


def test_funding_by_source_with_shares_excluding_credit(province):
    _money(province)
    summary = funding_summary(area=province.province, year=2024)
    assert summary.total_vnd == 10 * BILLION
    assert summary.credit_vnd == 3 * BILLION
    assert [(r.source, r.amount_vnd, r.share) for r in summary.rows] == [
        (FundingSource.CENTRAL_INVESTMENT, 6 * BILLION, D("60.0")),
        (FundingSource.PROVINCIAL_BUDGET, 2 * BILLION, D("20.0")),
        (FundingSource.DISTRICT_BUDGET, 1 * BILLION, D("10.0")),
        (FundingSource.ENTERPRISES, BILLION // 2, D("5.0")),
        (FundingSource.COMMUNITY, BILLION // 2, D("5.0")),
        (FundingSource.CREDIT, 3 * BILLION, None),
    ]
    assert (summary.in_kind.land_m2, summary.in_kind.workdays) == (D(1200), D(450))
    assert summary.in_kind.notes == [(province.c2, "Hiến 2 cổng tường")]
    district = funding_summary(area=province.d1, year=2024)
    assert district.total_vnd == 2 * BILLION
    assert [r.share for r in district.rows] == [D("50.0"), D("25.0"), D("25.0"), None]


def test_disbursement_rate_at_the_latest_cutoff_per_capital_type(province):
    _money(province)
    summary = disbursement_summary(area=province.province, year=2024)
    latest = [(r.capital_type, r.cutoff_date, r.allocated_vnd, r.disbursed_vnd, r.rate) for r in summary.latest]
    assert latest == [
        ("investment", datetime.date(2024, 12, 31), 5 * BILLION, 4 * BILLION, D("80.0")),
        ("recurrent", datetime.date(2024, 9, 30), 2 * BILLION, D("1.5") * BILLION, D("75.0")),
    ]
    assert [(r.cutoff_date, r.capital_type, r.rate) for r in summary.cutoffs] == [
        (datetime.date(2024, 6, 30), "investment", D("25.0")),
        (datetime.date(2024, 9, 30), "recurrent", D("75.0")),
        (datetime.date(2024, 12, 31), "investment", D("80.0")),
    ]
    assert summary.latest_total is None  # the two types stop at different dates
    assert disbursement_summary(area=province.d1, year=2024).latest[0].rate == D("60.0")


# 7. Commune profile


def test_commune_profile(province):
    village = VillageFactory(parent=province.c2)
    recognise(village, RecognitionLevel.VILLAGE_NTM, standard_year=2023, decided=datetime.date(2023, 5, 1))
    product = ProductFactory(producer=ProducerFactory(commune=province.c2))
    RatingEventFactory(product=product, stars=4, decision_date=datetime.date(2024, 5, 1))
    Funding.objects.create(unit=province.c2, year=2024, source=FundingSource.COMMUNITY, amount_vnd=BILLION)
    profile = commune_profile(commune=province.c2, years=range(2023, 2025))
    assert [(h.year, h.met, h.band, h.unmet[:1]) for h in profile.history] == [
        (2023, 16, "15-18", [(17, "Tiêu chí 17")]),
        (2024, 18, "15-18", [(5, "Tiêu chí 5")]),
    ]
    assert [r.level for r in profile.recognitions] == ["commune_standard", "commune_advanced"]
    assert [(v.village, [r.level for r in v.recognitions]) for v in profile.villages] == [(village, ["village_ntm"])]
    assert [(p, p.current_stars) for p in profile.products] == [(product, 4)]
    assert [f.amount_vnd for f in profile.funding] == [BILLION]


# History through the 2025 reorganisation (area_tree)


def test_todays_province_asked_about_an_earlier_year_covers_the_provinces_it_came_from(area_tree):
    t = area_tree
    recognise(t.ngoc_phai, standard_year=2023, decided=datetime.date(2023, 10, 1))
    points = {p.year: p for p in standing_trend(area=t.thai_nguyen, years=[2024, 2025])}
    # 2024: ngoc_phai, phuong_vien, khang_ninh, cao_thuong, tan_my; today: xa_cho_don, xa_ba_be, dan_tien.
    assert (points[2024].communes_that_year, points[2024].communes_today) == (5, 3)
    assert (points[2024].share_that_year, points[2024].share_today) == (D("20.0"), D("33.3"))
    # No status carried across the merger.
    assert (points[2025].communes_that_year, points[2025].recognised_standard) == (3, 0)
    assert metric_actual(metric=Metric.COMMUNES_STANDARD, area=t.thai_nguyen, year=2024, basis=Basis.CUMULATIVE) == D(1)
    assert [r.unit for r in districts_side_by_side(area=t.thai_nguyen, year=2024)] == [t.ba_be, t.cho_don, t.vo_nhai]
    after = districts_side_by_side(area=t.thai_nguyen, year=2025)
    assert [(r.unit, r.communes) for r in after] == [(t.thai_nguyen, 3)]
    # An abolished district: no communes of its own in 2026; today, what its communes became.
    district_points = standing_trend(area=t.cho_don, years=[2024, 2026])
    assert [(p.communes_that_year, p.communes_today) for p in district_points] == [(2, 1), (0, 1)]


def test_commune_profile_follows_the_communes_merged_into_it(area_tree):
    t = area_tree
    commune_set = CriteriaSetFactory()
    assess(t.ngoc_phai, upto(15), commune_set, year=2024)
    assess(t.phuong_vien, upto(12), commune_set, year=2024)
    profile = commune_profile(commune=t.xa_cho_don, years=[2024])
    assert {v.pk for v in profile.versions} == {t.xa_cho_don.pk, t.ngoc_phai.pk, t.phuong_vien.pk, t.dong_vien_old.pk}
    assert [(h.unit, h.met) for h in profile.history] == [(t.ngoc_phai, 15), (t.phuong_vien, 12)]


def test_percent_rounds_half_up_to_one_decimal():
    assert percent(1, 3) == D("33.3")
    assert percent(2, 3) == D("66.7")
    assert percent(1, 8) == D("12.5")
    assert percent(1, 0) is None


def test_a_commune_is_not_an_area(province):
    with pytest.raises(ValueError, match="province or a district"):
        criteria_pass_rates(area=province.c1, year=2024)


# Query counts: the same for 5 and 30 communes


def _bulk_province(n: int, criteria_set):
    province = ProvinceFactory()
    districts = [DistrictFactory(parent=province) for _ in range(3)]
    for i in range(n):
        commune = CommuneFactory(parent=districts[i % 3])
        assess(commune, upto(10 + i % 10), criteria_set, year=2024)
        assess(commune, upto(8 + i % 10), criteria_set, year=2023)
        recognise(commune, standard_year=2023, decided=datetime.date(2023, 12, 1))
        Funding.objects.create(unit=commune, year=2024, source=FundingSource.COMMUNITY, amount_vnd=BILLION)
        product = ProductFactory(producer=ProducerFactory(commune=commune))
        RatingEventFactory(product=product, decision_date=datetime.date(2024, 3, 1))
    for metric in Metric:
        Target.objects.create(
            unit=province,
            year=2024,
            metric=metric,
            basis=Basis.CUMULATIVE,
            value=D(10),
            parameter=10 if metric == Metric.COMMUNES_UNDER else None,
        )
    return province, commune


def _queries(function, **kwargs) -> int:
    with CaptureQueriesContext(connection) as ctx:
        function(**kwargs)
    return len(ctx.captured_queries)


SELECTORS = [
    (target_progress, {"year": 2024}),
    (criteria_pass_rates, {"year": 2024}),
    (districts_side_by_side, {"year": 2024}),
    (standing_trend, {"years": range(2019, 2027)}),
    (communes_nearest_standard, {"year": 2024, "max_missing": 5}),
    (funding_summary, {"year": 2024}),
    (disbursement_summary, {"year": 2024}),
]


@pytest.mark.parametrize(("function", "kwargs"), SELECTORS, ids=[f.__name__ for f, _kwargs in SELECTORS])
def test_query_count_does_not_grow_with_the_communes(db, function, kwargs):
    criteria_set = CriteriaSetFactory()
    for n in range(1, 20):
        CriterionFactory(criteria_set=criteria_set, number=n)
    small, _commune = _bulk_province(5, criteria_set)
    large, commune = _bulk_province(30, criteria_set)
    assert _queries(function, area=small, **kwargs) == _queries(function, area=large, **kwargs)
    assert _queries(commune_profile, commune=commune, years=range(2019, 2027)) <= 9


def test_todays_province_asked_about_an_earlier_year_gives_the_old_provinces_targets(area_tree):
    from reports.models import Basis, Metric, Target
    from reports.selectors import target_progress

    Target.objects.create(
        unit=area_tree.bac_kan, year=2024, metric=Metric.COMMUNES_STANDARD, basis=Basis.CUMULATIVE, value=3
    )
    Target.objects.create(
        unit=area_tree.thai_nguyen_old, year=2024, metric=Metric.COMMUNES_STANDARD, basis=Basis.CUMULATIVE, value=1
    )

    rows = target_progress(area=area_tree.thai_nguyen, year=2024)

    assert sorted((row.target.unit.code, row.target_value) for row in rows) == [("06", 3), ("19", 1)]
    assert all(row.label.endswith(f"({row.target.unit.name})") for row in rows)

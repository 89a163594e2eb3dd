"""The standing of an area's communes for a year: bands, totals, rows with unmet criteria, both
denominators (communes as they were that year, and today's), and query counts that do not grow with
the number of communes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import Assessment, Kind
from communes.selectors import standing_rows, standing_summary
from tests.factories import CommuneFactory, CriteriaSetFactory, DistrictFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_set(db):
    return CriteriaSetFactory(code="commune-test", period_start=2021, period_end=2025)


def assessed(unit, met: list[int], criteria_set, *, year=2022, total=19, status=Assessment.Status.DRAFT):
    """An assessment row with the stored standing the services leave for criteria ``met`` (the read
    side only reads these columns)."""
    return Assessment.objects.create(
        unit=unit,
        year=year,
        criteria_set=criteria_set,
        status=status,
        criteria_total=total,
        met_count=len(met),
        met_mask=sum(1 << (n - 1) for n in met),
    )


def first(n: int) -> list[int]:
    return list(range(1, n + 1))


def test_with_band_follows_the_reports_bands(commune_set):
    district = DistrictFactory()
    expected = {
        19: "all",
        18: "15-18",
        15: "15-18",
        14: "10-14",
        10: "10-14",
        9: "5-9",
        5: "5-9",
        4: "under-5",
        0: "under-5",
    }
    for met in expected:
        assessed(CommuneFactory(parent=district, name=f"Xã {met:02d}"), first(met), commune_set)
    bands = dict(Assessment.objects.with_band().values_list("met_count", "band"))
    assert bands == expected


def test_a_ten_criterion_set_is_all_only_at_ten(db):
    set_2026 = CriteriaSetFactory(period_start=2026, period_end=2030, official_criterion_count=10)
    district = DistrictFactory()
    complete = assessed(CommuneFactory(parent=district), first(10), set_2026, year=2026, total=10)
    almost = assessed(CommuneFactory(parent=district), first(9), set_2026, year=2026, total=10)
    bands = dict(Assessment.objects.with_band().values_list("pk", "band"))
    assert bands == {complete.pk: "all", almost.pk: "5-9"}


def test_the_totals_count_assessed_complete_average_and_bands(commune_set):
    district = DistrictFactory()
    for met in (19, 19, 16, 12, 3):
        assessed(CommuneFactory(parent=district), first(met), commune_set)
    totals = Assessment.objects.standing(year=2022, district=district).standing_totals()
    assert totals == {
        "assessed": 5,
        "all_met": 2,
        "average_met": pytest.approx(13.8),
        "all": 2,
        "15-18": 1,
        "10-14": 1,
        "5-9": 0,
        "under-5": 1,
    }


def test_the_summary_has_both_denominators(area_tree, commune_set):
    t = area_tree
    assessed(t.ngoc_phai, first(19), commune_set)
    assessed(t.khang_ninh, first(15), commune_set)
    assessed(t.tan_my, first(4), commune_set)
    assessed(CommuneFactory(), first(19), commune_set)  # another province
    CommuneFactory(parent=t.vo_nhai, kind=Kind.WARD, valid_to=datetime.date(2025, 6, 30))  # not in any denominator

    # Today's Thái Nguyên in 2022 was Bắc Kạn and the old Thái Nguyên: five rural communes then, three today.
    summary = standing_summary(year=2022, area=t.thai_nguyen)
    assert (summary.assessed, summary.all_met, summary.average_met) == (3, 1, pytest.approx(38 / 3))
    assert summary.bands == {"all": 1, "15-18": 1, "10-14": 0, "5-9": 0, "under-5": 1}
    assert (summary.communes_that_year, summary.communes_today) == (5, 3)

    # The former Bắc Kạn: its four communes then; today, the province it became.
    summary = standing_summary(year=2022, area=t.bac_kan)
    assert (summary.assessed, summary.communes_that_year, summary.communes_today) == (2, 4, 3)

    # An abolished district: today, the communes its communes became.
    summary = standing_summary(year=2022, area=t.cho_don)
    assert (summary.assessed, summary.communes_that_year, summary.communes_today) == (1, 2, 1)
    # Before the 2020 merger Chợ Đồn had Đông Viên, not Ngọc Phái.
    assert standing_summary(year=2019, area=t.cho_don).communes_that_year == 2


def test_the_summary_can_count_approved_assessments_only(commune_set):
    district = DistrictFactory()
    assessed(CommuneFactory(parent=district), first(19), commune_set, status=Assessment.Status.APPROVED)
    assessed(CommuneFactory(parent=district), first(19), commune_set)
    assert standing_summary(year=2022, area=district).all_met == 2
    assert standing_summary(year=2022, area=district, approved_only=True).all_met == 1


def test_the_rows_list_each_commune_with_its_unmet_criteria(area_tree, commune_set):
    t = area_tree
    assessed(t.phuong_vien, [n for n in first(19) if n not in (10, 17)], commune_set)
    assessed(t.ngoc_phai, first(19), commune_set)
    assessed(t.tan_my, first(19), commune_set, year=2021)  # another year
    rows = standing_rows(year=2022, area=t.thai_nguyen)
    assert [(row.unit, row.met_count, row.band, row.unmet) for row in rows] == [
        (t.ngoc_phai, 19, "all", []),
        (t.phuong_vien, 17, "15-18", [10, 17]),
    ]


def build_province(n_communes: int, criteria_set) -> object:
    province = ProvinceFactory()
    districts = [DistrictFactory(parent=province) for _ in range(3)]
    for i in range(n_communes):
        commune = CommuneFactory(parent=districts[i % 3])
        if i % 5:  # four in five assessed
            assessed(commune, first(i % 20), criteria_set)
    return province


def queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_a_province_year_standing_takes_the_same_queries_for_5_or_50_communes(commune_set):
    small, large = build_province(5, commune_set), build_province(50, commune_set)
    counts = {}
    for name, province in (("small", small), ("large", large)):
        counts[name] = (
            queries(lambda p=province: standing_summary(year=2022, area=p)),
            queries(lambda p=province: [row.unmet for row in standing_rows(year=2022, area=p)]),
        )
    assert counts["small"] == counts["large"] == (2, 1)
    assert len(standing_rows(year=2022, area=large)) == 40


def test_a_standing_over_a_reorganised_area_stays_bounded(area_tree, commune_set, django_assert_max_num_queries):
    # Today's Thái Nguyên for 2022: one step back to its 2022 versions; it is in force today.
    for commune in (area_tree.ngoc_phai, area_tree.khang_ninh, area_tree.tan_my):
        assessed(commune, first(12), commune_set)
    with django_assert_max_num_queries(3):
        standing_summary(year=2022, area=area_tree.thai_nguyen)
    with django_assert_max_num_queries(2):
        standing_rows(year=2022, area=area_tree.thai_nguyen)
    # An abolished district: its communes' successors are walked, one query per step.
    with django_assert_max_num_queries(5):
        standing_summary(year=2022, area=area_tree.cho_don)

"""Assessment services: evaluation against the threshold that applies to each commune, input checks,
hand-set statuses, optimistic concurrency, the workflow and who may do it, history, and the stored
standing (always equal to a recount)."""

import datetime
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communes.models import (
    Assessment,
    AssessmentTransition,
    Classification,
    CriteriaSet,
    CriterionResult,
    CriterionStatus,
    Indicator,
    IndicatorValue,
    Kind,
    Threshold,
    UnitClassification,
)
from communes.selectors import assessment_standing_recount
from communes.services.assessments import (
    CriterionOverride,
    IndicatorInput,
    StaleAssessmentError,
    assessment_approve,
    assessment_create,
    assessment_evaluate,
    assessment_reopen,
    assessment_save_values,
    assessment_submit,
    criteria_set_in_force,
    thresholds_for,
)
from tests.factories import CommuneFactory, DistrictFactory, ProvinceFactory

pytestmark = pytest.mark.django_db

S1980 = "commune-2016-2020"
S318 = "commune-2021-2025"
S2026 = "commune-2026-2030"
STANDING = ["criteria_total", "met_count", "substantially_met_count", "met_mask"]
MET, NOT_MET, SUBSTANTIALLY = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.SUBSTANTIALLY_MET


@pytest.fixture
def criteria(db):
    call_command("load_criteria", stdout=StringIO())


# Helpers.


def classify(unit, code, valid_from=None, valid_to=None):
    return UnitClassification.objects.create(
        unit=unit, classification=Classification.objects.get(code=code), valid_from=valid_from, valid_to=valid_to
    )


def commune_in(region=None, **kwargs):
    """A rural commune in a new province whose region is ``region`` (none: only national values apply)."""
    province = ProvinceFactory()
    if region:
        classify(province, region)
    return CommuneFactory(parent=DistrictFactory(parent=province), **kwargs)


def indicator(set_code, code):
    return Indicator.objects.get(criteria_set__code=set_code, code=code)


def entry(set_code, code, value=None, *, part="", passed=None, na=False, evidence=""):
    return IndicatorInput(
        indicator_id=indicator(set_code, code).pk,
        part=part,
        value=None if value is None else Decimal(str(value)),
        passed=passed,
        not_applicable=na,
        evidence=evidence,
    )


def by_hand(assessment, number, status=MET, reason="Checked against the district's report"):
    result = CriterionResult.objects.get(assessment=assessment, criterion__number=number)
    return CriterionOverride(criterion_id=result.criterion_id, status=status, reason=reason)


def create(unit, year, **kwargs):
    return assessment_create(unit=unit, year=year, by=kwargs.pop("by", None), **kwargs)


def save(assessment, *inputs, overrides=(), by=None, note=None):
    current = Assessment.objects.get(pk=assessment.pk)
    return assessment_save_values(
        assessment=current,
        expected_version=current.version,
        values=list(inputs),
        overrides=list(overrides),
        note=note,
        by=by,
    )


def stored(assessment, code, part=""):
    return IndicatorValue.objects.select_related("threshold__scope").get(
        assessment=assessment, indicator__code=code, part=part
    )


def status(assessment, number):
    return CriterionResult.objects.get(assessment=assessment, criterion__number=number).status


def snapshot(assessment):
    """Every row an assessment write touches, to check that a refused write changed nothing."""
    return {
        "assessment": Assessment.objects.filter(pk=assessment.pk).values().get(),
        "values": list(IndicatorValue.objects.filter(assessment=assessment).values().order_by("pk")),
        "results": list(CriterionResult.objects.filter(assessment=assessment).values().order_by("pk")),
        "transitions": AssessmentTransition.objects.filter(assessment=assessment).count(),
        "history": Assessment.history.filter(id=assessment.pk).count() + IndicatorValue.history.count(),
    }


def assert_recount(assessment):
    stored_standing = Assessment.objects.values(*STANDING).get(pk=assessment.pk)
    assert stored_standing == assessment_standing_recount(assessment=assessment)


def all_by_hand(assessment, status=MET):
    numbers = CriterionResult.objects.filter(assessment=assessment).values_list("criterion__number", flat=True)
    return save(assessment, overrides=[by_hand(assessment, n, status) for n in numbers])


# Which set and which threshold applies.


def test_the_set_in_force_follows_the_unit_level_and_year(criteria):
    commune = commune_in()
    assert criteria_set_in_force(unit=commune, year=2018).code == S1980
    assert criteria_set_in_force(unit=commune, year=2021).code == S318
    assert criteria_set_in_force(unit=commune.parent, year=2021).code == "district-2021-2025"
    with pytest.raises(ValidationError, match="No national criteria set for a District level covers 2027"):
        criteria_set_in_force(unit=commune.parent, year=2027)


def test_the_1980_income_threshold_depends_on_the_region(criteria):
    mountains, delta = commune_in("TDMNPB"), commune_in("DBSH")
    for unit, expected_met, expected_threshold in ((mountains, True, 36), (delta, False, 50)):
        assessment = save(create(unit, 2020), entry(S1980, "10", 40))
        value = stored(assessment, "10")
        assert value.met is expected_met
        assert value.threshold.value == expected_threshold
        assert status(assessment, 10) == (MET if expected_met else NOT_MET)


def test_an_especially_difficult_commune_uses_the_tdmnpb_values_under_318(criteria):
    ordinary = commune_in("DBSH")
    difficult = CommuneFactory(parent=ordinary.parent)
    classify(difficult, "DBKK", datetime.date(2021, 1, 1), datetime.date(2025, 12, 31))
    # Stunting is a ceiling: 24 % in TDMNPB, 16.5 % in the Red River Delta.
    results = {}
    for unit in (ordinary, difficult):
        assessment = save(create(unit, 2023), entry(S318, "15.3", 20))
        results[unit.pk] = stored(assessment, "15.3")
    assert results[ordinary.pk].met is False
    assert results[ordinary.pk].threshold.scope.code == "DBSH"
    assert results[difficult.pk].met is True
    assert results[difficult.pk].threshold.scope.code == "TDMNPB"


def test_a_classification_counts_only_while_it_is_valid(criteria):
    commune = commune_in("DBSH")
    classify(commune, "DBKK", datetime.date(2021, 1, 1))
    before = thresholds_for(unit=commune, criteria_set=CriteriaSet.objects.get(code=S1980), year=2020)
    assert before[(indicator(S1980, "10").pk, "")].scope.code == "DBSH"
    after = thresholds_for(unit=commune, criteria_set=CriteriaSet.objects.get(code=S318), year=2022)
    assert after[(indicator(S318, "15.3").pk, "")].scope.code == "TDMNPB"


def test_a_commune_of_its_own_region_overrides_its_province(criteria):
    commune = commune_in("DBSH")
    classify(commune, "TDMNPB")
    applicable = thresholds_for(unit=commune, criteria_set=CriteriaSet.objects.get(code=S1980), year=2020)
    assert applicable[(indicator(S1980, "10").pk, "")].value == 36


def test_a_year_specific_threshold_beats_an_any_year_row_of_the_same_scope(criteria):
    income = indicator(S1980, "10")
    Threshold.objects.create(indicator=income, scope=Classification.objects.get(code="DBSH"), value=Decimal(30))
    commune = commune_in("DBSH")
    s1980 = CriteriaSet.objects.get(code=S1980)
    assert thresholds_for(unit=commune, criteria_set=s1980, year=2020)[(income.pk, "")].value == 50
    # 2016 has no row of its own: the any-year row applies.
    assert thresholds_for(unit=commune, criteria_set=s1980, year=2016)[(income.pk, "")].value == 30


def test_a_more_specific_scope_beats_a_year_specific_national_row(criteria):
    employment = indicator(S1980, "12")
    Threshold.objects.create(indicator=employment, year=2019, value=Decimal(95))
    Threshold.objects.create(indicator=employment, scope=Classification.objects.get(code="TDMNPB"), value=Decimal(85))
    s1980 = CriteriaSet.objects.get(code=S1980)
    assert thresholds_for(unit=commune_in("TDMNPB"), criteria_set=s1980, year=2019)[(employment.pk, "")].value == 85
    assert thresholds_for(unit=commune_in("DBSH"), criteria_set=s1980, year=2019)[(employment.pk, "")].value == 95
    assert thresholds_for(unit=commune_in("DBSH"), criteria_set=s1980, year=2018)[(employment.pk, "")].value == 90


def test_thresholds_for_takes_two_queries(criteria, django_assert_num_queries):
    commune = commune_in("DBSH")
    classify(commune, "DBKK")
    s318 = CriteriaSet.objects.get(code=S318)
    with django_assert_num_queries(2):
        applicable = thresholds_for(unit=commune, criteria_set=s318, year=2023)
    assert len(applicable) > 20


# Evaluating values.


def test_a_ceiling_is_met_at_or_below_its_value(criteria):
    assessment = create(commune_in(), 2019)  # national stunting ceiling 21.8 %
    save(assessment, entry(S1980, "15.3", "21.8"))
    assert stored(assessment, "15.3").met is True
    save(assessment, entry(S1980, "15.3", "21.9"))
    assert stored(assessment, "15.3").met is False


def test_pass_fail_indicators(criteria):
    assessment = create(commune_in(), 2019)
    save(assessment, entry(S1980, "1.1", passed=True), entry(S1980, "1.2", passed=True))
    assert status(assessment, 1) == MET
    save(assessment, entry(S1980, "1.2", passed=False))
    assert stored(assessment, "1.2").met is False
    assert status(assessment, 1) == NOT_MET


def test_a_compound_indicator_is_met_only_when_every_part_is(criteria):
    assessment = create(commune_in(), 2019)
    hygienic, clean = "hợp vệ sinh", "trong đó nước sạch"  # national 95 % and 60 %
    save(assessment, entry(S1980, "17.1", 96, part=hygienic))
    assert stored(assessment, "17.1", hygienic).met is True
    assert status(assessment, 17) == ""  # the other part is missing
    others = [entry(S1980, code, 100) for code in ("17.2", "17.6", "17.7", "17.8")]
    others += [entry(S1980, code, passed=True) for code in ("17.3", "17.4", "17.5")]
    save(assessment, entry(S1980, "17.1", 59, part=clean), *others)
    assert status(assessment, 17) == NOT_MET
    save(assessment, entry(S1980, "17.1", 61, part=clean))
    assert status(assessment, 17) == MET
    assert_recount(assessment)


def test_not_applicable_counts_as_met_where_allowed(criteria):
    assessment = save(create(commune_in(), 2019), entry(S1980, "7", na=True, evidence="No market in the plan"))
    assert stored(assessment, "7").met is True
    assert status(assessment, 7) == MET


def test_an_unknown_threshold_leaves_the_criterion_not_assessed(criteria):
    # 1980 criterion 5 has no national value yet; income has no row for 2016.
    assessment = save(create(commune_in(), 2016), entry(S1980, "5", 90), entry(S1980, "10", 60))
    assert stored(assessment, "5").met is None
    assert stored(assessment, "10").met is None
    assert (status(assessment, 5), status(assessment, 10)) == ("", "")
    assert Assessment.objects.get(pk=assessment.pk).met_count == 0


def test_a_missing_regional_value_is_not_replaced_by_the_national_one(criteria):
    # 1980 4.2: national 98 %, the Red River Delta's value is not known.
    assessment = save(create(commune_in("DBSH"), 2019), entry(S1980, "4.2", 99))
    value = stored(assessment, "4.2")
    assert value.threshold.scope.code == "DBSH"
    assert value.met is None


# Statuses set by hand.


def test_a_status_set_by_hand_counts_where_no_indicator_is_entered(criteria):
    assessment = create(commune_in(), 2019)
    assessment = save(assessment, overrides=[by_hand(assessment, 5), by_hand(assessment, 6, SUBSTANTIALLY)])
    result = CriterionResult.objects.get(assessment=assessment, criterion__number=5)
    assert (result.status, result.is_manual, result.manual_reason) == (
        MET,
        True,
        "Checked against the district's report",
    )
    assert (assessment.met_count, assessment.substantially_met_count, assessment.met_mask) == (1, 1, 1 << 4)
    assert_recount(assessment)
    # Back to computed: nothing entered, so not assessed.
    assessment = save(assessment, overrides=[CriterionOverride(criterion_id=result.criterion_id, status="")])
    result.refresh_from_db()
    assert (result.status, result.is_manual, result.manual_reason) == ("", False, "")
    assert assessment.met_count == 0
    assert_recount(assessment)


def test_a_status_set_by_hand_needs_a_reason_and_a_valid_status(criteria):
    assessment = create(commune_in(), 2019)
    before = snapshot(assessment)
    with pytest.raises(ValidationError) as caught:
        save(assessment, overrides=[by_hand(assessment, 5, reason="  "), by_hand(assessment, 6, status="done")])
    assert caught.value.message_dict == {
        "criterion:5": ["Criterion 5: a status set by hand needs a reason."],
        "criterion:6": ["“done” is not a criterion status."],
    }
    assert snapshot(assessment) == before


def test_a_status_cannot_be_set_by_hand_where_indicators_are_entered(criteria):
    assessment = save(create(commune_in(), 2019), entry(S1980, "1.1", passed=False))
    before = snapshot(assessment)
    with pytest.raises(ValidationError) as caught:
        save(assessment, overrides=[by_hand(assessment, 1)])
    assert caught.value.message_dict["criterion:1"] == [
        "Criterion 1 is computed from its indicators, which are entered: clear them to set its status by hand."
    ]
    assert snapshot(assessment) == before


def test_entering_indicators_of_a_criterion_set_by_hand_is_refused_until_it_is_cleared(criteria):
    assessment = create(commune_in(), 2019)
    assessment = save(assessment, overrides=[by_hand(assessment, 1)])
    before = snapshot(assessment)
    with pytest.raises(ValidationError) as caught:
        save(assessment, entry(S1980, "1.1", passed=True))
    assert caught.value.message_dict == {
        "criterion:1": ["Criterion 1 has a status set by hand; clear it before entering its indicators."]
    }
    assert snapshot(assessment) == before
    clear = CriterionOverride(criterion_id=by_hand(assessment, 1).criterion_id, status="")
    assessment = save(assessment, entry(S1980, "1.1", passed=True), entry(S1980, "1.2", passed=True), overrides=[clear])
    assert status(assessment, 1) == MET
    assert not CriterionResult.objects.get(assessment=assessment, criterion__number=1).is_manual


def test_criteria_without_indicators_can_only_be_set_by_hand(criteria):
    commune = commune_in(valid_from=datetime.date(2025, 7, 1))
    assessment = create(commune, 2026)
    assert assessment.criteria_set.code == S2026
    assert (assessment.criteria_total, assessment.met_count) == (10, 0)
    assert set(CriterionResult.objects.filter(assessment=assessment).values_list("status", flat=True)) == {""}
    assessment = save(assessment, overrides=[by_hand(assessment, n) for n in range(1, 11)])
    assert assessment.all_met
    assert assessment.met_mask == (1 << 10) - 1
    assert_recount(assessment)


# Bad input: a specific message each, nothing half-saved.


def test_every_bad_value_is_listed_and_nothing_is_saved(criteria):
    assessment = save(create(commune_in(), 2019), entry(S1980, "3.1", 85))
    before = snapshot(assessment)
    other_set_indicator = indicator(S318, "17.9")  # no 17.9 in the 1980 set
    with pytest.raises(ValidationError) as caught:
        save(
            assessment,
            entry(S1980, "3.1", 90),  # fine on its own, but the save fails as a whole
            entry(S1980, "12", 101),
            entry(S1980, "6.3", -1),
            entry(S1980, "1.1", 1),
            entry(S1980, "3.1", passed=True),
            entry(S1980, "1.2", na=True),
            entry(S1980, "17.1", 96),
            entry(S1980, "17.1", 50, part="tập trung"),
            IndicatorInput(indicator_id=other_set_indicator.pk, value=Decimal(50)),
            IndicatorInput(indicator_id=999_999, value=Decimal(1)),
            entry(S1980, "15.1", "12.3456"),
        )
    errors = caught.value.message_dict
    assert errors["indicator:12"] == ["101% is outside the possible range of indicator 12 (from 0 to 100%)."]
    assert errors["indicator:6.3"] == ["-1% is outside the possible range of indicator 6.3 (from 0 to 100%)."]
    assert errors["indicator:1.1"] == [
        "Indicator 1.1 is pass/fail: say whether it is met instead of entering a number."
    ]
    assert errors["indicator:3.1"] == ["Indicator 3.1 is entered twice."]
    assert errors["indicator:1.2"] == ["Indicator 1.2 cannot be marked not applicable."]
    assert errors["indicator:17.1"] == ["Indicator 17.1 is entered part by part: “hợp vệ sinh”; “trong đó nước sạch”."]
    assert errors["indicator:17.1:tập trung"][0].startswith("Indicator 17.1 has no part “tập trung”")
    assert errors["indicator:17.9"][0].startswith("Indicator 17.9 belongs to ")
    assert errors["indicator:id=999999"] == ["There is no indicator with id 999999."]
    assert errors["indicator:15.1"] == ["12.3456 has more than 3 decimal places (indicator 15.1)."]
    assert snapshot(assessment) == before


def test_an_indicator_of_another_set_is_named_with_both_sets(criteria):
    assessment = create(commune_in(), 2023)
    with pytest.raises(ValidationError) as caught:
        save(assessment, entry(S1980, "10", 50))
    (message,) = caught.value.message_dict["indicator:10"]
    assert message.startswith("Indicator 10 belongs to ")
    assert "1980/QĐ-TTg" in message
    assert message.endswith("318/QĐ-TTg), the set of this assessment.")
    assert not IndicatorValue.objects.exists()


def test_an_indicator_with_its_own_bounds_is_checked_against_them(criteria):
    income = indicator(S1980, "10")
    income.max_value = Decimal(500)
    income.save()
    assessment = create(commune_in(), 2020)
    with pytest.raises(ValidationError) as caught:
        save(assessment, entry(S1980, "10", 501))
    assert caught.value.message_dict["indicator:10"] == [
        "501 triệu đồng/người/năm is outside the possible range of indicator 10 (at most 500 triệu đồng/người/năm)."
    ]


def test_a_year_outside_the_sets_period_is_refused(criteria):
    with pytest.raises(ValidationError) as caught:
        create(commune_in(), 2022, criteria_set=CriteriaSet.objects.get(code=S1980))
    (message,) = caught.value.message_dict["year"]
    assert message.startswith("2022 is outside the period of ")
    assert message.endswith("(1980/QĐ-TTg) (2016–2020).")
    assert not Assessment.objects.exists()


def test_a_second_assessment_of_a_commune_year_is_refused(criteria):
    commune = commune_in()
    create(commune, 2022)
    with pytest.raises(ValidationError) as caught:
        create(commune, 2022)
    assert caught.value.message_dict == {"year": [f"{commune} already has an assessment for 2022."]}
    assert Assessment.objects.count() == 1
    assert CriterionResult.objects.count() == 19


def test_the_unit_version_must_exist_that_year(criteria):
    commune = commune_in(valid_from=datetime.date(2025, 7, 1))
    with pytest.raises(ValidationError) as caught:
        create(commune, 2022)
    assert caught.value.message_dict["unit"] == [
        f"{commune} existed only 01/07/2025 – …, not in 2022: assess the version of the unit in force that year."
    ]
    assert not Assessment.objects.exists()


def test_the_unit_must_suit_the_sets_level(criteria):
    ward = commune_in(kind=Kind.WARD)
    with pytest.raises(ValidationError) as caught:
        create(ward, 2022)
    assert caught.value.message_dict["unit"] == [
        f"{ward} is a Ward (phường): the NTM commune criteria apply to rural communes (xã)."
    ]
    with pytest.raises(ValidationError) as caught:
        create(ward.parent, 2022, criteria_set=CriteriaSet.objects.get(code=S318))
    assert "is a set for the Commune: standard NTM" in caught.value.message_dict["criteria_set"][0]
    assert not Assessment.objects.exists()


def test_the_review_date_must_lie_in_the_year(criteria):
    with pytest.raises(ValidationError) as caught:
        create(commune_in(), 2022, review_date=datetime.date(2023, 3, 1))
    assert caught.value.message_dict == {"review_date": ["The review date 01/03/2023 is not in 2022."]}


# Copying from last year.


def test_copy_from_last_year_under_the_same_set(criteria):
    commune = commune_in()
    last = save(create(commune, 2022), entry(S318, "3.1", 85, evidence="Báo cáo 2022"), entry(S318, "1.1", passed=True))
    assessment = create(commune, 2023, copy_from_previous=True)
    assert assessment.copy_summary.source == last
    assert sorted(assessment.copy_summary.copied) == ["1.1", "3.1"]
    assert assessment.copy_summary.message == f"Copied 2 values from the 2022 assessment of {commune}."
    assert stored(assessment, "3.1").value == 85
    assert stored(assessment, "3.1").met is True
    assert_recount(assessment)


def test_copy_across_sets_takes_indicators_with_the_same_code(criteria):
    commune = commune_in()
    save(create(commune, 2020), entry(S1980, "3.1", 85), entry(S1980, "12", 95), entry(S1980, "1.1", passed=True))
    assessment = create(commune, 2021, copy_from_previous=True)
    summary = assessment.copy_summary
    assert sorted(summary.copied) == ["1.1", "3.1"]
    assert summary.skipped == [f"12: no indicator with this code in {assessment.criteria_set}"]
    assert "same code" in summary.message and "1.1" in summary.message and "Not copied: 12" in summary.message
    assert stored(assessment, "3.1").indicator.criteria_set.code == S318


def test_copy_for_a_new_commune_takes_its_predecessors_values(criteria, area_tree):
    save(create(area_tree.ngoc_phai, 2024), entry(S318, "3.1", 85))
    new = create(area_tree.xa_cho_don, 2025, copy_from_previous=True)
    assert new.copy_summary.source.unit == area_tree.ngoc_phai
    assert stored(new, "3.1").value == 85
    # With two predecessors assessed, values of merged communes are not combined.
    Assessment.objects.filter(pk=new.pk).delete()
    create(area_tree.phuong_vien, 2024)
    new = create(area_tree.xa_cho_don, 2025, copy_from_previous=True)
    assert new.copy_summary.source is None
    assert new.copy_summary.message.startswith("Nothing copied: several predecessors of")
    assert not IndicatorValue.objects.filter(assessment=new).exists()


# Optimistic concurrency.


def test_a_stale_save_is_refused_and_nothing_of_it_is_saved(criteria):
    assessment = create(commune_in(), 2019)
    first = Assessment.objects.get(pk=assessment.pk)
    second = Assessment.objects.get(pk=assessment.pk)
    assessment_save_values(assessment=first, expected_version=1, values=[entry(S1980, "3.1", 85)], by=None)
    with pytest.raises(StaleAssessmentError) as caught:
        assessment_save_values(
            assessment=second, expected_version=1, values=[entry(S1980, "3.1", 10), entry(S1980, "12", 50)], by=None
        )
    assert caught.value.expected_version == 1
    assert caught.value.assessment.version == 2
    assert stored(assessment, "3.1").value == 85
    assert not IndicatorValue.objects.filter(indicator__code="12").exists()
    assert Assessment.objects.get(pk=assessment.pk).version == 2


def test_saving_takes_the_same_number_of_queries_for_few_or_many_values(criteria):
    assessment = create(commune_in(), 2019)
    few = [entry(S1980, code, 50) for code in ("3.1", "12")]
    many = [
        entry(S1980, i.code, passed=True) for i in Indicator.objects.filter(criteria_set__code=S1980, comparator="pass")
    ]
    counts = []
    for values in (few, many):
        with CaptureQueriesContext(connection) as queries:
            save(assessment, *values)
        counts.append(len(queries))
    assert len(many) > 25
    assert counts[0] == counts[1]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Parallel saves need PostgreSQL row locks; SQLite has no select_for_update (sequential case tested above).",
)
@pytest.mark.django_db(transaction=True)
def test_two_parallel_saves_on_postgresql_one_wins(criteria):
    from django.db import connections

    assessment = create(commune_in(), 2019)
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def worker(value: int) -> None:
        try:
            barrier.wait()
            current = Assessment.objects.get(pk=assessment.pk)
            assessment_save_values(assessment=current, expected_version=1, values=[entry(S1980, "3.1", value)], by=None)
            outcomes[value] = "saved"
        except StaleAssessmentError as exc:
            outcomes[value] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(value,)) for value in (81, 82)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [value for value, outcome in outcomes.items() if outcome == "saved"]
    assert len(winners) == 1
    assert sum(isinstance(outcome, StaleAssessmentError) for outcome in outcomes.values()) == 1
    assert stored(assessment, "3.1").value == winners[0]
    assert Assessment.objects.get(pk=assessment.pk).version == 2


# The workflow.


def test_submit_needs_a_status_for_every_criterion(criteria, superuser):
    assessment = save(create(commune_in(), 2019), entry(S1980, "1.1", passed=True))
    before = snapshot(assessment)
    with pytest.raises(ValidationError) as caught:
        assessment_submit(assessment=assessment, by=superuser, expected_version=2)
    assert caught.value.messages[0].startswith("Criteria 1, 2, 3, 4, 5,")
    assert "have no status yet" in caught.value.messages[0]
    assert snapshot(assessment) == before


def test_submit_approve_lock_and_reopen(criteria, superuser):
    assessment = all_by_hand(create(commune_in(), 2019, by=superuser))
    submitted = assessment_submit(assessment=assessment, by=superuser, expected_version=assessment.version)
    assert (submitted.status, submitted.submitted_by) == (Assessment.Status.SUBMITTED, superuser)
    with pytest.raises(StaleAssessmentError):
        assessment_approve(assessment=submitted, by=superuser, expected_version=assessment.version)
    approved = assessment_approve(assessment=submitted, by=superuser, expected_version=submitted.version)
    assert approved.is_locked and approved.approved_by == superuser

    before = snapshot(approved)
    with pytest.raises(ValidationError, match="is approved and locked: reopen it, with a reason"):
        save(approved, entry(S1980, "3.1", 85))
    with pytest.raises(ValidationError, match="is approved and locked"):
        assessment_evaluate(assessment=approved)
    with pytest.raises(ValidationError, match="only an assessment that is submitted can be approved"):
        assessment_approve(assessment=approved, by=superuser, expected_version=approved.version)
    with pytest.raises(ValidationError) as caught:
        assessment_reopen(assessment=approved, by=superuser, reason="  ")
    assert caught.value.message_dict == {"reason": ["Give the reason for reopening."]}
    assert snapshot(approved) == before

    reopened = assessment_reopen(assessment=approved, by=superuser, reason="Income figure corrected by the district")
    assert (reopened.status, reopened.approved_by, reopened.version) == (
        Assessment.Status.DRAFT,
        None,
        approved.version + 1,
    )
    steps = list(
        AssessmentTransition.objects.filter(assessment=assessment).values_list(
            "from_status", "to_status", "by", "reason"
        )
    )
    assert steps == [
        ("draft", "submitted", superuser.pk, ""),
        ("submitted", "approved", superuser.pk, ""),
        ("approved", "draft", superuser.pk, "Income figure corrected by the district"),
    ]
    save(
        reopened,
        entry(S1980, "3.1", 85),
        overrides=[CriterionOverride(criterion_id=by_hand(reopened, 3).criterion_id, status="")],
    )
    assert_recount(reopened)


def test_only_a_draft_can_be_submitted(criteria, superuser):
    assessment = all_by_hand(create(commune_in(), 2019))
    assessment = assessment_submit(assessment=assessment, by=superuser, expected_version=assessment.version)
    with pytest.raises(
        ValidationError, match="The assessment is submitted; only an assessment that is draft can be submitted."
    ):
        assessment_submit(assessment=assessment, by=superuser, expected_version=assessment.version)


def test_each_role_may_do_its_own_steps(
    criteria, area_tree, district_official, commune_staff, provincial_staff, viewer
):
    commune = area_tree.ngoc_phai  # in Chợ Đồn, in the former Bắc Kạn, within today's Thái Nguyên
    with pytest.raises(PermissionDenied, match="You may not enter assessments for"):
        create(commune, 2022, by=viewer)
    with pytest.raises(PermissionDenied):
        create(commune, 2022, by=district_official)
    assessment = create(commune, 2022, by=commune_staff)
    assessment = save(assessment, overrides=[by_hand(assessment, n) for n in range(1, 20)], by=commune_staff)
    with pytest.raises(PermissionDenied, match="You may not submit the assessment of"):
        assessment_submit(assessment=assessment, by=commune_staff, expected_version=assessment.version)
    assessment = assessment_submit(assessment=assessment, by=district_official, expected_version=assessment.version)
    with pytest.raises(PermissionDenied, match="You may not approve the assessment of"):
        assessment_approve(assessment=assessment, by=district_official, expected_version=assessment.version)
    assessment = assessment_approve(assessment=assessment, by=provincial_staff, expected_version=assessment.version)
    with pytest.raises(PermissionDenied, match="You may not reopen the assessment of"):
        assessment_reopen(assessment=assessment, by=district_official, reason="A typo")
    assessment = assessment_reopen(assessment=assessment, by=provincial_staff, reason="A typo")
    assert assessment.status == Assessment.Status.DRAFT


def test_staff_of_another_province_may_not_touch_the_assessment(
    criteria, area_tree, provincial_staff_other_province, superuser
):
    assessment = all_by_hand(create(area_tree.khang_ninh, 2022))
    before = snapshot(assessment)
    with pytest.raises(PermissionDenied):
        save(assessment, entry(S318, "3.1", 85), by=provincial_staff_other_province)
    with pytest.raises(PermissionDenied):
        assessment_submit(
            assessment=assessment, by=provincial_staff_other_province, expected_version=assessment.version
        )
    assert snapshot(assessment) == before


# History and the stored standing.


def test_history_keeps_who_changed_what(criteria, superuser):
    clerk = User.objects.create_superuser(username="clerk", email="clerk@example.com")
    assessment = create(commune_in(), 2019, by=superuser)
    save(assessment, entry(S1980, "3.1", 70), by=superuser)
    save(assessment, entry(S1980, "3.1", 85), by=clerk)
    value = stored(assessment, "3.1")
    changes = list(value.history.order_by("history_date", "history_id").values_list("value", "history_user_id"))
    assert changes == [(Decimal("70.000"), superuser.pk), (Decimal("85.000"), clerk.pk)]
    result_history = CriterionResult.history.filter(assessment_id=assessment.pk, criterion__number=3)
    assert list(result_history.order_by("history_id").values_list("status", "history_user_id")) == [
        ("", superuser.pk),
        (NOT_MET, superuser.pk),
        ("", clerk.pk),  # 85 % meets 3.1, but 3.2 is not entered yet
    ]
    versions = list(
        Assessment.history.filter(id=assessment.pk).order_by("history_id").values_list("version", "history_user_id")
    )
    assert versions[-2:] == [(2, superuser.pk), (3, clerk.pk)]


def test_the_stored_standing_equals_a_recount_after_every_service(criteria, superuser):
    commune = commune_in("TDMNPB")
    previous = save(create(commune, 2019), entry(S1980, "3.1", 85), entry(S1980, "1.1", passed=True))
    assert_recount(previous)
    assessment = create(commune, 2020, copy_from_previous=True, by=superuser)
    assert_recount(assessment)
    assessment = save(assessment, entry(S1980, "1.2", passed=True), entry(S1980, "10", 40), by=superuser)
    assert_recount(assessment)
    assert assessment.met_numbers() == [1, 10]
    assessment = save(
        assessment, overrides=[by_hand(assessment, n) for n in (2, 4, 5, 6)] + [by_hand(assessment, 7, SUBSTANTIALLY)]
    )
    assert_recount(assessment)
    assert (assessment.met_count, assessment.substantially_met_count) == (6, 1)
    # A corrected threshold: evaluating again follows it.
    Threshold.objects.filter(
        indicator__criteria_set__code=S1980, indicator__code="10", scope__code="TDMNPB", year=2020
    ).update(value=Decimal(45))
    assessment = assessment_evaluate(assessment=assessment)
    assert_recount(assessment)
    assert 10 not in assessment.met_numbers()
    rest = [by_hand(assessment, n) for n in range(8, 20) if n != 10]
    assessment = save(assessment, entry(S1980, "10", 45), entry(S1980, "3.2", passed=True), overrides=rest)
    assessment = assessment_submit(assessment=assessment, by=superuser, expected_version=assessment.version)
    assessment = assessment_approve(assessment=assessment, by=superuser, expected_version=assessment.version)
    assert_recount(assessment)
    assert (assessment.met_count, assessment.criteria_total) == (18, 19)
    assessment = assessment_reopen(assessment=assessment, by=superuser, reason="Recheck")
    assert_recount(assessment)


def test_evaluate_bumps_the_version_only_when_something_changed(criteria):
    assessment = save(create(commune_in(), 2019), entry(S1980, "3.1", 85))
    assert assessment_evaluate(assessment=assessment).version == assessment.version
    Threshold.objects.filter(indicator__criteria_set__code=S1980, indicator__code="3.1").update(value=Decimal(90))
    evaluated = assessment_evaluate(assessment=assessment)
    assert evaluated.version == assessment.version + 1
    assert stored(assessment, "3.1").met is False

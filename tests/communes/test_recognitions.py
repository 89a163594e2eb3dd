"""Recognition decisions, revocations and acknowledgements after a merger: every consistency rule,
the district conditions computed from commune recognitions, and the admin that records them."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communes.models import (
    Assessment,
    CriteriaSet,
    CriterionResult,
    CriterionStatus,
    Kind,
    Recognition,
    RecognitionLevel,
    ReorganisationEvent,
    Revocation,
    UnitChange,
)
from communes.selectors import district_conditions
from communes.services.recognitions import recognition_record, recognition_revoke
from tests.factories import (
    CommuneFactory,
    CriteriaSetFactory,
    CriterionFactory,
    DistrictFactory,
    ProvinceFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
RL = RecognitionLevel
PROVINCE_AUTHORITY = "UBND tỉnh Bắc Kạn"
DECIDED = D(2022, 6, 1)  # the default decision date of the helpers
REVOKED = D(2022, 12, 1)
REVOKED_FROM = D(2023, 1, 1)


# Helpers


@pytest.fixture
def commune_set():
    return CriteriaSetFactory(code="xa-2021", level=CriteriaSet.SetLevel.COMMUNE, period_start=2021, period_end=2025)


@pytest.fixture
def district_set():
    return CriteriaSetFactory(
        code="huyen-2021", level=CriteriaSet.SetLevel.DISTRICT, period_start=2021, period_end=2025
    )


@pytest.fixture
def district():
    return DistrictFactory(name="Huyện Chợ Đồn", parent=ProvinceFactory(name="Tỉnh Bắc Kạn"))


@pytest.fixture
def commune(district):
    return CommuneFactory(name="Xã Ngọc Phái", parent=district)


def approved_assessment(unit, year, criteria_set, *, met=None, total=19, status=Assessment.Status.APPROVED):
    """An assessment with its stored standing, built directly (the evaluation services are not needed)."""
    met = total if met is None else met
    return Assessment.objects.create(
        unit=unit,
        year=year,
        criteria_set=criteria_set,
        status=status,
        criteria_total=total,
        met_count=met,
        met_mask=(1 << met) - 1,
    )


def record(unit, level=RL.COMMUNE_STANDARD, *, number="100/QĐ-UBND", date=DECIDED, year=2022, **kwargs):
    kwargs.setdefault("by", None)
    return recognition_record(
        unit=unit,
        level=level,
        decision_number=number,
        decision_date=date,
        issued_by=PROVINCE_AUTHORITY,
        standard_year=year,
        **kwargs,
    )


def standard(unit, criteria_set, *, year=2022, date=DECIDED, number=None):
    approved_assessment(unit, year, criteria_set)
    return record(unit, number=number or f"S-{unit.code}", date=date, year=year)


def revoke(recognition, *, effective=REVOKED_FROM, decided=REVOKED, **kwargs):
    kwargs.setdefault("by", None)
    kwargs.setdefault("reason", "Không duy trì được tiêu chí môi trường")
    return recognition_revoke(
        recognition=recognition,
        decision_number="9/QĐ-UBND",
        decision_date=decided,
        effective_date=effective,
        issued_by=PROVINCE_AUTHORITY,
        **kwargs,
    )


def refused(field: str, **call) -> str:
    """The messages of ``field`` when recording with ``call`` is refused (and nothing is saved)."""
    before = Recognition.objects.count()
    with pytest.raises(ValidationError) as caught:
        record(**call)
    assert Recognition.objects.count() == before
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def merge(predecessors, successor, date):
    event = ReorganisationEvent.objects.create(kind="merge", effective_date=date, legal_basis="NQ 1/NQ-UBTVQH")
    for unit in predecessors:
        UnitChange.objects.create(event=event, unit=unit, role=UnitChange.Role.PREDECESSOR)
    UnitChange.objects.create(event=event, unit=successor, role=UnitChange.Role.SUCCESSOR)


# Commune standard: the assessment it rests on


def test_a_commune_standard_rests_on_its_approved_assessment_found_for_the_standard_year(
    commune, commune_set, admin_user
):
    assessment = approved_assessment(commune, 2022, commune_set)

    recognition = record(commune, signer="Nguyễn Văn A", by=admin_user)

    assert recognition.assessment == assessment
    assert recognition.criteria_set == commune_set  # defaults to the assessment's
    assert recognition.history.get().history_user == admin_user
    assert Recognition.objects.filter(unit=commune).in_force_on(D(2022, 6, 1)).get() == recognition
    assert not Recognition.objects.filter(unit=commune).in_force_on(D(2022, 5, 31)).exists()


def test_a_recognition_without_its_assessment_is_refused(commune):
    message = refused("assessment", unit=commune)
    assert "has no assessment for 2022" in message


def test_an_assessment_not_yet_approved_is_refused(commune, commune_set):
    approved_assessment(commune, 2022, commune_set, status=Assessment.Status.SUBMITTED)
    assert "is submitted, not approved" in refused("assessment", unit=commune)


def test_an_assessment_short_of_one_criterion_is_refused_naming_the_unmet_criteria(commune, commune_set):
    approved_assessment(commune, 2022, commune_set, met=17)
    message = refused("assessment", unit=commune)
    assert "meets 17 of 19 criteria (not met: 18, 19)" in message


def test_an_assessment_of_another_unit_or_year_is_refused(commune, district, commune_set):
    other = approved_assessment(CommuneFactory(parent=district), 2022, commune_set)
    earlier = approved_assessment(commune, 2021, commune_set)

    assert "is not of Xã Ngọc Phái" in refused("assessment", unit=commune, assessment=other)
    assert "is for 2021, not for the standard year 2022" in refused("assessment", unit=commune, assessment=earlier)


def test_a_criteria_set_other_than_the_assessments_or_outside_its_period_is_refused(commune, commune_set):
    approved_assessment(commune, 2022, commune_set)
    older = CriteriaSetFactory(code="xa-2016", period_start=2016, period_end=2020)

    message = refused("criteria_set", unit=commune, criteria_set=older)

    assert "was made under" in message
    assert "applies to 2016–2020, not to the standard year 2022" in message


def test_an_assessment_under_a_set_of_another_level_is_refused(commune, district_set):
    approved_assessment(commune, 2022, district_set, total=9)
    assert "a set for “District”" in refused("assessment", unit=commune)


# Which unit, which dates


def test_a_level_applies_only_to_its_unit_level_and_kind(district, commune_set):
    ward = CommuneFactory(parent=district, kind=Kind.WARD, name="Phường Sông Cầu")
    approved_assessment(district, 2022, commune_set)

    assert "applies to units of the level “Commune level”" in refused("unit", unit=district)
    assert "is a Ward (phường)" in refused("unit", unit=ward)
    assert "applies to a Rural district (huyện)" in refused(
        "unit", unit=DistrictFactory(kind=Kind.DISTRICT_TOWN), level=RL.DISTRICT_STANDARD
    )


def test_a_village_is_recognised_without_an_assessment_but_a_commune_cannot_take_a_village_level(commune):
    village = VillageFactory(parent=commune, name="Thôn Nà Pài")

    recognition = record(village, RL.VILLAGE_NTM)

    assert recognition.assessment is None
    assert "applies to units of the level “Village”" in refused("unit", unit=commune, level=RL.VILLAGE_NTM)


def test_the_unit_version_must_exist_in_the_standard_year(district, commune_set):
    merged = CommuneFactory(parent=district, valid_from=D(2020, 1, 1))
    approved_assessment(merged, 2019, commune_set)

    message = refused("unit", unit=merged, year=2019, date=D(2020, 3, 1))

    assert "existed 01/01/2020 – …, not in the standard year 2019" in message


def test_the_decision_may_lag_the_standard_year_but_not_precede_it(commune, commune_set):
    approved_assessment(commune, 2022, commune_set)

    message = refused("decision_date", unit=commune, date=D(2021, 12, 31))
    recognition = record(commune, date=D(2024, 3, 1))  # "đạt chuẩn năm 2022", decided in 2024

    assert "dated before the standard year 2022 began" in message
    assert recognition.standard_year == 2022


def test_the_same_decision_twice_is_refused(commune, commune_set):
    standard(commune, commune_set, number="5/QĐ-UBND")
    assert "already recorded for this unit and level" in refused("__all__", unit=commune, number="5/QĐ-UBND")


def test_a_user_outside_the_role_may_not_record(commune, commune_set):
    approved_assessment(commune, 2022, commune_set)
    clerk = User.objects.create_user("clerk")

    with pytest.raises(PermissionDenied):
        record(commune, by=clerk)
    assert not Recognition.objects.exists()


# The ladder: standard, advanced, model


def test_advanced_requires_standard_in_force_and_model_requires_advanced(commune, commune_set):
    message = refused("level", unit=commune, level=RL.COMMUNE_ADVANCED, number="A")
    assert "requires “Commune: standard NTM” first" in message

    standard(commune, commune_set, date=D(2022, 6, 1))
    assert "requires “Commune: advanced NTM” first" in refused(
        "level", unit=commune, level=RL.COMMUNE_MODEL, number="M", date=D(2023, 6, 1)
    )
    record(commune, RL.COMMUNE_ADVANCED, number="A", date=D(2023, 1, 1), year=2022)
    model = record(commune, RL.COMMUNE_MODEL, number="M", date=D(2023, 6, 1), year=2023)

    assert Recognition.objects.filter(unit=commune).highest_levels_on(D(2023, 6, 1)) == {commune.pk: RL.COMMUNE_MODEL}
    assert Recognition.objects.filter(unit=commune).highest_levels_on(D(2022, 12, 31)) == {
        commune.pk: RL.COMMUNE_STANDARD
    }
    assert model.assessment is None


def test_advanced_is_refused_once_the_standard_recognition_is_revoked(commune, commune_set):
    base = standard(commune, commune_set)
    revoke(base, decided=D(2022, 12, 1), effective=D(2023, 1, 1))

    before_revocation = record(commune, RL.COMMUNE_ADVANCED, number="A1", date=D(2022, 12, 31))
    message = refused("level", unit=commune, level=RL.COMMUNE_ADVANCED, number="A2", date=D(2023, 1, 1))

    assert before_revocation.pk
    assert "a revoked one no longer counts" in message


# Revocation


def test_a_revoked_recognition_no_longer_counts_from_its_effective_date(commune, commune_set, admin_user):
    recognition = standard(commune, commune_set)

    revocation = revoke(recognition, decided=D(2023, 2, 1), effective=D(2023, 3, 1), by=admin_user)

    in_force = Recognition.objects.filter(unit=commune).in_force_on
    assert list(in_force(D(2023, 2, 28))) == [recognition]
    assert not in_force(D(2023, 3, 1)).exists()
    assert Recognition.objects.filter(unit=commune).highest_levels_on(D(2023, 3, 1)) == {}
    assert revocation.history.get().history_user == admin_user


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [
        ("effective_date", {"decided": D(2023, 2, 1), "effective": D(2023, 1, 31)}, "before its decision"),
        ("decision_date", {"decided": D(2022, 5, 1), "effective": D(2022, 6, 1)}, "before the recognition it revokes"),
        ("reason", {"reason": "  "}, "Give the reason"),
    ],
)
def test_a_revocation_is_refused_when_its_dates_or_reason_do_not_hold(commune, commune_set, field, values, message):
    recognition = standard(commune, commune_set)

    with pytest.raises(ValidationError) as caught:
        revoke(recognition, **values)

    assert message in " ".join(caught.value.message_dict[field])
    assert not Revocation.objects.exists()


def test_a_recognition_is_revoked_only_once(commune, commune_set):
    recognition = standard(commune, commune_set)
    revoke(recognition)

    with pytest.raises(ValidationError) as caught:
        revoke(recognition, decided=D(2023, 5, 1), effective=D(2023, 5, 1))

    assert "was already revoked by decision 9/QĐ-UBND of 01/12/2022" in caught.value.message_dict["recognition"][0]


# Acknowledgement after a merger


@pytest.fixture
def merger(district, commune_set):
    """Two recognised communes merged on 1/1/2024 into a new commune."""
    end = D(2023, 12, 31)
    a = CommuneFactory(parent=district, name="Xã Đông Viên", valid_to=end)
    b = CommuneFactory(parent=district, name="Xã Ngọc Phái Cũ", valid_to=end)
    merged = CommuneFactory(parent=district, name="Xã Ngọc Phái Mới", valid_from=D(2024, 1, 1))
    merge([a, b], merged, D(2024, 1, 1))
    return {"a": standard(a, commune_set), "b": standard(b, commune_set), "merged": merged}


def test_a_merged_commune_has_no_recognition_until_one_is_recorded(merger, district):
    merged = merger["merged"]
    today = D(2024, 6, 1)

    assert not Recognition.objects.filter(unit=merged).exists()
    assert merged.pk not in Recognition.objects.highest_levels_on(today)
    conditions = district_conditions(district=district, date=today, standard_year=2020)
    assert conditions.missing == [merged]
    assert not conditions.all_at_standard


def test_an_acknowledgement_lists_the_predecessors_recognitions_and_needs_no_assessment(merger, admin_user):
    merged = merger["merged"]

    acknowledgement = record(
        merged,
        kind=Recognition.Kind.ACKNOWLEDGEMENT,
        acknowledges=[merger["a"], merger["b"]],
        number="77/QĐ-UBND",
        date=D(2024, 3, 1),
        year=2022,
        by=admin_user,
    )

    assert acknowledgement.assessment is None
    assert set(acknowledgement.acknowledges.all()) == {merger["a"], merger["b"]}
    assert Recognition.objects.highest_levels_on(D(2024, 3, 1))[merged.pk] == RL.COMMUNE_STANDARD


def test_an_acknowledgement_is_refused_for_a_unit_not_formed_by_a_reorganisation(commune, merger):
    message = refused(
        "unit", unit=commune, kind=Recognition.Kind.ACKNOWLEDGEMENT, acknowledges=[merger["a"]], date=D(2024, 3, 1)
    )
    assert "was not formed by a reorganisation" in message


def test_an_acknowledgement_is_refused_for_recognitions_of_other_units_or_below_its_level(merger, commune_set):
    stranger = standard(CommuneFactory(), commune_set)
    ack = {"unit": merger["merged"], "kind": Recognition.Kind.ACKNOWLEDGEMENT, "date": D(2024, 3, 1)}

    assert "is not a recognition of a unit that went into" in refused("acknowledges", **ack, acknowledges=[stranger])
    assert "List the recognitions" in refused("acknowledges", **ack, acknowledges=[])
    assert "below the level acknowledged" in refused(
        "acknowledges", **ack, level=RL.COMMUNE_ADVANCED, acknowledges=[merger["a"]]
    )


def test_an_acknowledgement_of_a_revoked_recognition_is_refused(merger):
    revoke(merger["a"], decided=D(2023, 6, 1), effective=D(2023, 6, 1))
    message = refused(
        "acknowledges",
        unit=merger["merged"],
        kind=Recognition.Kind.ACKNOWLEDGEMENT,
        acknowledges=[merger["a"]],
        date=D(2024, 3, 1),
    )
    assert "was revoked with effect from 01/06/2023" in message


def test_a_plain_recognition_cannot_list_acknowledged_recognitions(merger, commune_set):
    approved_assessment(merger["merged"], 2024, commune_set)
    message = refused("acknowledges", unit=merger["merged"], acknowledges=[merger["a"]], date=D(2024, 6, 1), year=2024)
    assert "Only an acknowledgement" in message


# Districts


def district_with_communes(n: int, *, standard_count: int, advanced_count: int, commune_set):
    district = DistrictFactory()
    communes = [CommuneFactory(parent=district) for _ in range(n)]
    for commune in communes[:standard_count]:
        standard(commune, commune_set, date=D(2022, 3, 1))
    for commune in communes[:advanced_count]:
        record(commune, RL.COMMUNE_ADVANCED, number=f"A-{commune.code}", date=D(2022, 9, 1))
    return district, communes


def test_district_conditions_count_rural_communes_at_standard_and_advanced(commune_set):
    district, communes = district_with_communes(10, standard_count=9, advanced_count=1, commune_set=commune_set)
    CommuneFactory(parent=district, kind=Kind.WARD)  # not in the NTM denominator
    CommuneFactory(parent=district, valid_to=D(2019, 12, 31))  # gone before the date
    revoke(Recognition.objects.get(unit=communes[8]), decided=D(2022, 10, 1), effective=D(2022, 10, 1))

    conditions = district_conditions(district=district, date=D(2022, 12, 1))

    assert (conditions.rural_communes, conditions.standard_count, conditions.advanced_count) == (10, 8, 1)
    assert conditions.standard_share == pytest.approx(0.8)
    assert conditions.advanced_share == pytest.approx(0.1)
    assert conditions.missing == [communes[8], communes[9]]
    assert not conditions.all_at_standard
    assert conditions.advanced_share_met  # exactly 10%
    assert conditions.advanced_required
    assert not conditions.holds


def test_district_conditions_are_computed_in_two_queries_whatever_the_number_of_communes(
    commune_set, django_assert_max_num_queries
):
    small, _ = district_with_communes(3, standard_count=2, advanced_count=1, commune_set=commune_set)
    large, _ = district_with_communes(30, standard_count=25, advanced_count=4, commune_set=commune_set)

    for district in (small, large):
        with django_assert_max_num_queries(2):
            conditions = district_conditions(district=district, date=D(2023, 1, 1))
            assert len(conditions.missing) == conditions.rural_communes - conditions.standard_count


def test_a_district_standard_needs_every_commune_at_standard_and_its_own_assessment(commune_set, district_set):
    district, communes = district_with_communes(4, standard_count=3, advanced_count=1, commune_set=commune_set)
    approved_assessment(district, 2022, district_set, total=9)
    call = {"unit": district, "level": RL.DISTRICT_STANDARD, "date": D(2023, 6, 1), "number": "668/QĐ-TTg"}

    message = refused("unit", **call)
    assert "every rural commune at standard. Only 3 of the 4" in message
    assert communes[3].name in message

    standard(communes[3], commune_set, date=D(2023, 1, 1))
    recognition = record(district, RL.DISTRICT_STANDARD, number="668/QĐ-TTg", date=D(2023, 6, 1))
    assert recognition.criteria_set == district_set


def test_a_district_standard_of_2021_2025_needs_ten_percent_advanced(commune_set, district_set):
    district, _ = district_with_communes(11, standard_count=11, advanced_count=1, commune_set=commune_set)
    approved_assessment(district, 2022, district_set, total=9)

    message = refused("unit", unit=district, level=RL.DISTRICT_STANDARD, date=D(2023, 6, 1))

    assert "at least 10% of communes advanced" in message
    assert "1 of the 11 rural communes" in message and "(9.1%)" in message


def test_a_district_standard_of_2020_needs_no_advanced_share(commune_set):
    district, _ = district_with_communes(3, standard_count=3, advanced_count=0, commune_set=commune_set)
    old_set = CriteriaSetFactory(level=CriteriaSet.SetLevel.DISTRICT, period_start=2016, period_end=2020)
    approved_assessment(district, 2020, old_set, total=9)

    recognition = record(district, RL.DISTRICT_STANDARD, year=2020, date=D(2022, 6, 2))

    assert recognition.standard_year == 2020


def test_a_district_standard_without_its_district_assessment_is_refused(commune_set):
    district, _ = district_with_communes(2, standard_count=2, advanced_count=1, commune_set=commune_set)
    assert "has no assessment for 2022" in refused("assessment", unit=district, level=RL.DISTRICT_STANDARD)


# Admin


@pytest.fixture
def admin_en(admin_client):
    admin_client.cookies["django_language"] = "en"
    return admin_client


def test_the_assessment_and_recognition_lists_use_a_bounded_number_of_queries(
    admin_en, commune_set, django_assert_max_num_queries
):
    counts = {}
    for size in (2, 12):
        district, communes = district_with_communes(
            size, standard_count=size, advanced_count=0, commune_set=commune_set
        )
        for model in ("assessment", "recognition"):
            url = reverse(f"admin:communes_{model}_changelist")
            with django_assert_max_num_queries(10) as captured:
                response = admin_en.get(url)
            assert response.status_code == 200
            counts.setdefault(model, []).append(len(captured.captured_queries))
    assert counts["assessment"][0] == counts["assessment"][1]
    assert counts["recognition"][0] == counts["recognition"][1]


def test_the_assessment_page_shows_results_read_only_links_to_the_entry_screen_and_has_history(
    admin_en, commune, commune_set, django_assert_max_num_queries
):
    assessment = approved_assessment(commune, 2022, commune_set, met=18)
    for n in range(1, 20):
        CriterionResult.objects.create(
            assessment=assessment,
            criterion=CriterionFactory(criteria_set=commune_set, number=n),
            status=CriterionStatus.MET if n < 19 else CriterionStatus.NOT_MET,
        )
    url = reverse("admin:communes_assessment_change", args=[assessment.pk])

    with django_assert_max_num_queries(12):
        response = admin_en.get(url)
    html = response.content.decode()

    assert response.status_code == 200
    assert f'href="/assessments/{assessment.pk}/"' in html
    assert "18/19" in html and "15–18 criteria" in html
    assert 'name="criterion_results-0-status"' not in html  # read-only
    assert admin_en.get(reverse("admin:communes_assessment_history", args=[assessment.pk])).status_code == 200


def test_the_assessment_list_filters_by_province_and_band(admin_en, commune, commune_set):
    approved_assessment(commune, 2022, commune_set)
    approved_assessment(CommuneFactory(), 2022, commune_set, met=12)
    url = reverse("admin:communes_assessment_changelist")

    assert admin_en.get(url, {"province": commune.province.code}).context["cl"].result_count == 1
    assert admin_en.get(url, {"band": "10-14"}).context["cl"].result_count == 1
    assert admin_en.get(url, {"q": commune.name}).context["cl"].result_count == 1


def recognition_post(**values) -> dict:
    data = {
        "level": RL.COMMUNE_STANDARD,
        "kind": Recognition.Kind.RECOGNITION,
        "standard_year": "2022",
        "decision_number": "2616/QĐ-UBND",
        "decision_date": "2022-06-01",
        "issued_by": PROVINCE_AUTHORITY,
        "signer": "",
        "criteria_set": "",
        "assessment": "",
        "note": "",
    }
    return {**data, **values}


def test_a_recognition_recorded_in_the_admin_goes_through_the_rules(admin_en, commune, commune_set):
    assessment = approved_assessment(commune, 2022, commune_set)
    url = reverse("admin:communes_recognition_add")

    response = admin_en.post(url, recognition_post(unit=commune.pk))

    assert response.status_code == 302
    recognition = Recognition.objects.get()
    assert recognition.assessment == assessment and recognition.criteria_set == commune_set
    assert recognition.history.get().history_user.username == "admin"


def test_a_rule_violation_in_the_admin_shows_beside_the_field_and_saves_nothing(admin_en, commune, commune_set):
    url = reverse("admin:communes_recognition_add")

    response = admin_en.post(url, recognition_post(unit=commune.pk, level=RL.COMMUNE_ADVANCED))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "requires “Commune: standard NTM” first" in errors["level"][0]
    assert not Recognition.objects.exists()
    response = admin_en.post(url, recognition_post(unit=commune.pk))
    assert "has no assessment for 2022" in response.context["adminform"].form.errors["assessment"][0]


def revocation_post(recognition, **values) -> dict:
    data = {
        "decision_number": recognition.decision_number,
        "issued_by": recognition.issued_by,
        "signer": "",
        "note": "",
        "revocation-TOTAL_FORMS": "1",
        "revocation-INITIAL_FORMS": "0",
        "revocation-MIN_NUM_FORMS": "0",
        "revocation-MAX_NUM_FORMS": "1",
        "revocation-0-id": "",
        "revocation-0-recognition": str(recognition.pk),
        "revocation-0-decision_number": "12/QĐ-UBND",
        "revocation-0-decision_date": "2023-02-01",
        "revocation-0-effective_date": "2023-03-01",
        "revocation-0-issued_by": PROVINCE_AUTHORITY,
        "revocation-0-signer": "",
        "revocation-0-reason": "Không duy trì tiêu chí",
    }
    return {**data, **{f"revocation-0-{key}": value for key, value in values.items()}}


def test_a_revocation_added_in_the_admin_is_checked_and_recorded(admin_en, commune, commune_set):
    recognition = standard(commune, commune_set)
    url = reverse("admin:communes_recognition_change", args=[recognition.pk])
    assert admin_en.get(url).status_code == 200

    response = admin_en.post(url, revocation_post(recognition, effective_date="2023-01-01"))
    assert response.status_code == 200
    inline_errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert "before its decision" in inline_errors["effective_date"][0]
    assert not Revocation.objects.exists()

    response = admin_en.post(url, revocation_post(recognition))
    assert response.status_code == 302
    assert recognition.revocation.effective_date == D(2023, 3, 1)
    assert recognition.revocation.history.get().history_user.username == "admin"


def test_the_recognition_list_filters_revoked_and_history_cannot_be_reverted(admin_en, commune, commune_set):
    recognition = standard(commune, commune_set)
    revoke(recognition)
    list_url = reverse("admin:communes_recognition_changelist")
    version = recognition.history.get()
    revert_url = reverse("admin:communes_recognition_simple_history", args=[recognition.pk, version.history_id])

    assert admin_en.get(list_url, {"revoked": "yes"}).context["cl"].result_count == 1
    assert admin_en.get(list_url, {"revoked": "no"}).context["cl"].result_count == 0
    assert admin_en.get(revert_url).status_code == 200
    assert admin_en.post(revert_url, {"decision_number": "X"}).status_code == 403
    assert Recognition.objects.get().decision_number == recognition.decision_number


def test_staff_of_another_province_neither_see_nor_record_recognitions_outside_their_area(
    client, area_tree, provincial_staff_other_province, commune_set
):
    from tests.conftest import PERSONA_PASSWORD

    commune = area_tree.ngoc_phai
    approved_assessment(commune, 2022, commune_set)
    record(commune)
    client.login(username=provincial_staff_other_province.username, password=PERSONA_PASSWORD)
    client.cookies["django_language"] = "en"

    listing = client.get(reverse("admin:communes_recognition_changelist"))
    response = client.post(reverse("admin:communes_recognition_add"), recognition_post(unit=commune.pk, number="X"))

    assert listing.context["cl"].result_count == 0
    assert (
        "You may not record recognition decisions for Xã Ngọc Phái"
        in response.context["adminform"].form.errors["unit"][0]
    )
    assert Recognition.objects.count() == 1


def test_the_rule_errors_are_vietnamese_by_default(admin_client, commune):
    response = admin_client.post(reverse("admin:communes_recognition_add"), recognition_post(unit=commune.pk))

    assert "chưa có kết quả đánh giá năm 2022" in response.context["adminform"].form.errors["assessment"][0]


def test_a_district_assessed_through_the_workflow_is_recognised_once_its_communes_qualify(
    admin_user, commune_set, district_set
):
    from communes.services.assessments import (
        CriterionOverride,
        assessment_approve,
        assessment_create,
        assessment_save_values,
        assessment_submit,
    )

    criteria = [CriterionFactory(criteria_set=district_set, number=n) for n in range(1, 10)]
    district, _ = district_with_communes(5, standard_count=5, advanced_count=1, commune_set=commune_set)
    assessment = assessment_create(unit=district, year=2022, criteria_set=district_set, by=admin_user)
    overrides = [
        CriterionOverride(criterion_id=c.pk, status=CriterionStatus.MET, reason="Biên bản thẩm định") for c in criteria
    ]
    assessment = assessment_save_values(
        assessment=assessment, expected_version=assessment.version, values=[], overrides=overrides, by=admin_user
    )
    draft_refusal = refused("assessment", unit=district, level=RL.DISTRICT_STANDARD, date=D(2023, 6, 1))
    assessment = assessment_submit(assessment=assessment, by=admin_user, expected_version=assessment.version)
    assessment = assessment_approve(assessment=assessment, by=admin_user, expected_version=assessment.version)

    recognition = record(district, RL.DISTRICT_STANDARD, number="668/QĐ-TTg", date=D(2023, 6, 1), by=admin_user)

    assert "is draft, not approved" in draft_refusal
    assert recognition.assessment == assessment and assessment.all_met

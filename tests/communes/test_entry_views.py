"""The data-entry screens through the Django test client: create, enter, workflow, history, matrix, scoping."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import (
    Assessment,
    AssessmentTransition,
    Confidence,
    CriterionResult,
    CriterionStatus,
    Indicator,
    IndicatorValue,
    Threshold,
)
from communes.services.assessments import (
    IndicatorInput,
    assessment_approve,
    assessment_create,
    assessment_save_values,
    assessment_submit,
)
from tests.factories import CommuneFactory, CriteriaSetFactory, CriterionFactory, IndicatorFactory

YEAR = 2024

# Query ceilings asserted below; the tests also check the count does not grow with the data.
ENTRY_MAX_QUERIES = 20
MATRIX_MAX_QUERIES = 20


@pytest.fixture
def english(client):
    """Pages in English (messages are English msgids), as the language switch would set."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def criteria(db):
    """A small 2021–2025 commune set: three criteria in two groups.

    1 (group I): 1.1 pass/fail. 2 (group II): 2.1 ≥ 80 % (0–100, verified), 2.2 ≤ with no threshold
    value yet (unverified). 3 (group II): no indicators (status set by hand).
    """
    cs = CriteriaSetFactory(period_start=2021, period_end=2025, official_criterion_count=3)
    c1 = CriterionFactory(criteria_set=cs, number=1, group="I", group_name="Quy hoạch", name_vi="Quy hoạch")
    c2 = CriterionFactory(criteria_set=cs, number=2, group="II", group_name="Hạ tầng", name_vi="Giao thông")
    c3 = CriterionFactory(criteria_set=cs, number=3, group="II", group_name="Hạ tầng", name_vi="Thủy lợi")
    i11 = IndicatorFactory(
        criterion=c1, code="1.1", sort_order=1, description_vi="Có quy hoạch chung", comparator="pass"
    )
    i21 = IndicatorFactory(
        criterion=c2,
        code="2.1",
        sort_order=2,
        description_vi="Tỷ lệ đường xã được nhựa hóa",
        unit="%",
        comparator="gte",
        min_value=Decimal(0),
        max_value=Decimal(100),
    )
    i22 = IndicatorFactory(
        criterion=c2, code="2.2", sort_order=3, description_vi="Tỷ lệ hộ nghèo", unit="%", comparator="lte"
    )
    Threshold.objects.create(indicator=i11, value=None, confidence=Confidence.VERIFIED)
    Threshold.objects.create(indicator=i21, value=Decimal("80"), confidence=Confidence.VERIFIED)
    Threshold.objects.create(indicator=i22, value=None, confidence=Confidence.UNSURE)
    return SimpleNamespace(set=cs, c1=c1, c2=c2, c3=c3, i11=i11, i21=i21, i22=i22)


@pytest.fixture
def assessment(area_tree, criteria, superuser):
    """A draft 2024 assessment of Xã Ngọc Phái (district Chợ Đồn, province Bắc Kạn)."""
    return assessment_create(unit=area_tree.ngoc_phai, year=YEAR, by=superuser)


@pytest.fixture
def complete_assessment(assessment, criteria, superuser):
    """The draft with a status for every criterion (needed to submit): 1.1 passed, criterion 2 set
    by hand to not met (its indicators are not entered), criterion 3 set by hand to met."""
    return assessment_save_values(
        assessment=assessment,
        expected_version=assessment.version,
        values=[IndicatorInput(indicator_id=criteria.i11.pk, passed=True)],
        overrides=[_override(criteria.c2, "not_met"), _override(criteria.c3, "met")],
        by=superuser,
    )


def entry_url(assessment: Assessment) -> str:
    return reverse("communes:assessment_entry", args=[assessment.pk])


def transition_url(assessment: Assessment) -> str:
    return reverse("communes:assessment_transition", args=[assessment.pk])


def row_html(html: str, indicator: Indicator) -> str:
    """The <tr> of one indicator row of the entry screen."""
    match = re.search(rf'<tr class="indicator-row[^"]*" id="row-i{indicator.pk}".*?</tr>', html, re.S)
    assert match, f"no row for indicator {indicator.code}"
    return match.group(0)


def row_state(html: str, indicator: Indicator) -> str:
    return re.search(r'js-indicator-status" data-state="([^"]+)"', row_html(html, indicator)).group(1)


def criterion_state(html: str, number: int) -> str:
    fieldset = re.search(rf'<fieldset class="criterion" id="criterion-{number}".*?</legend>', html, re.S).group(0)
    return re.search(r'js-criterion-status" data-state="([^"]+)"', fieldset).group(1)


def stored_form_data(assessment: Assessment) -> dict:
    """What the browser posts for the fields left untouched: the stored values and statuses set by hand."""
    data = {"version": assessment.version}
    for row in IndicatorValue.objects.filter(assessment=assessment, part=""):
        key = f"i{row.indicator_id}"
        if row.value is not None:
            data[f"{key}-value"] = str(row.value)
        if row.passed is not None:
            data[f"{key}-passed"] = "1" if row.passed else "0"
        data[f"{key}-evidence"] = row.evidence
    for result in CriterionResult.objects.filter(assessment=assessment, is_manual=True):
        data[f"c{result.criterion_id}-status"] = result.status
        data[f"c{result.criterion_id}-reason"] = result.manual_reason
    return data


def post_values(client, assessment: Assessment, criteria, **fields):
    """Post the entry form as a browser would: the stored state, with ``fields`` (i21__value=...) changed."""
    data = stored_form_data(assessment)
    for name, value in fields.items():
        indicator_code, field = name.rsplit("__", 1)
        indicator = getattr(criteria, indicator_code)
        data[f"i{indicator.pk}-{field}"] = value
    return client.post(entry_url(assessment), data)


# Login, scoping.


def test_it_sends_anonymous_users_to_the_login_page(client, assessment):
    response = client.get(entry_url(assessment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_hides_another_provinces_assessments_and_matrices(
    client, area_tree, assessment, provincial_staff_other_province
):
    client.force_login(provincial_staff_other_province)
    urls = [
        entry_url(assessment),
        reverse("communes:assessment_history", args=[assessment.pk]),
        reverse("communes:assessment_create", args=[area_tree.ngoc_phai.pk]) + f"?year={YEAR}",
        reverse("communes:district_matrix", args=[area_tree.cho_don.pk]) + f"?year={YEAR}",
        reverse("communes:province_matrix", args=[area_tree.bac_kan.pk]) + f"?year={YEAR}",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(transition_url(assessment), {"action": "submit", "version": 1}).status_code == 404
    assert client.post(entry_url(assessment), {"version": 1}).status_code == 404


# Creating and entering.


def test_staff_create_an_assessment_through_the_view(english, area_tree, criteria, provincial_staff):
    english.force_login(provincial_staff)
    url = reverse("communes:assessment_create", args=[area_tree.ngoc_phai.pk])

    page = english.get(url + f"?year={YEAR}")
    assert page.status_code == 200
    assert criteria.set.name_vi in page.text
    assert 'name="copy_from_previous"' in page.text

    response = english.post(url + f"?year={YEAR}", {"year": YEAR, "copy_from_previous": "on"})
    created = Assessment.objects.get(unit=area_tree.ngoc_phai, year=YEAR)
    assert response.status_code == 302
    assert response["Location"] == entry_url(created)
    assert created.status == Assessment.Status.DRAFT
    assert created.criteria_set == criteria.set
    assert CriterionResult.objects.filter(assessment=created).count() == 3

    again = english.post(url, {"year": YEAR})
    assert again.status_code == 200
    assert "already has an assessment" in again.text
    assert Assessment.objects.filter(unit=area_tree.ngoc_phai).count() == 1


def test_viewers_may_not_create_assessments(english, area_tree, criteria, viewer):
    english.force_login(viewer)
    url = reverse("communes:assessment_create", args=[area_tree.ngoc_phai.pk])
    assert english.get(url).status_code == 403
    assert english.post(url, {"year": YEAR}).status_code == 403
    assert not Assessment.objects.exists()


def test_the_entry_screen_shows_thresholds_and_the_grid(english, assessment, criteria, provincial_staff):
    english.force_login(provincial_staff)
    html = english.get(entry_url(assessment)).text

    assert "Xã Ngọc Phái" in html and "Huyện Chợ Đồn" in html and "Tỉnh Bắc Kạn" in html
    assert criteria.set.name_vi in html
    assert f'name="version" value="{assessment.version}"' in html
    row21 = row_html(html, criteria.i21)
    assert 'data-comparator="gte" data-threshold="80"' in row21
    assert "≥ 80" in row21
    assert f'name="i{criteria.i21.pk}-value"' in row21
    assert 'max="100"' in row21
    row22 = row_html(html, criteria.i22)
    assert "no threshold yet" in row22 and "unverified" in row22
    assert "data-threshold" not in row22
    row11 = row_html(html, criteria.i11)
    assert f'<select name="i{criteria.i11.pk}-passed"' in row11
    # Groups I and II, criterion 3 without indicators offers the status set by hand.
    assert "<h2>I. Quy hoạch</h2>" in html and "<h2>II. Hạ tầng</h2>" in html
    assert f'name="c{criteria.c3.pk}-status"' in html
    assert 'src="/static/js/assessment-entry.js"' in html
    assert "<script>" not in html  # no inline script: a future CSP needs none


def test_the_entry_screen_is_vietnamese_by_default(client, assessment, criteria, provincial_staff):
    client.force_login(provincial_staff)
    html = client.get(entry_url(assessment)).text
    assert "chưa có ngưỡng" in row_html(html, criteria.i22)


def test_entered_values_are_saved_and_evaluated(english, assessment, criteria, provincial_staff):
    english.force_login(provincial_staff)
    response = post_values(
        english, assessment, criteria, i11__passed="1", i21__value="85", i21__evidence="Báo cáo 12/BC-UBND"
    )
    assert response.status_code == 302

    assessment.refresh_from_db()
    assert assessment.version == 2
    value = IndicatorValue.objects.get(assessment=assessment, indicator=criteria.i21)
    assert value.value == Decimal("85") and value.met is True and value.evidence == "Báo cáo 12/BC-UBND"
    assert IndicatorValue.objects.get(assessment=assessment, indicator=criteria.i11).met is True

    html = english.get(entry_url(assessment)).text
    assert "The assessment was saved." in html
    assert row_state(html, criteria.i11) == "met"
    assert row_state(html, criteria.i21) == "met"
    assert row_state(html, criteria.i22) == "empty"
    assert criterion_state(html, 1) == CriterionStatus.MET
    assert f'id="criteria-met">{assessment.met_count}/3<' in html
    assert assessment.met_count >= 1

    # Below the threshold: not met, criterion 2 not met.
    post_values(english, assessment, criteria, i11__passed="1", i21__value="60")
    html = english.get(entry_url(assessment)).text
    assert row_state(html, criteria.i21) == "not-met"
    assert criterion_state(html, 2) == CriterionStatus.NOT_MET


def test_a_criterion_status_set_by_hand_keeps_its_reason(english, assessment, criteria, provincial_staff):
    english.force_login(provincial_staff)
    key = f"c{criteria.c3.pk}"
    response = english.post(
        entry_url(assessment),
        {"version": assessment.version, f"{key}-status": "met", f"{key}-reason": "Biên bản thẩm định 05/2024"},
    )
    assert response.status_code == 302
    result = CriterionResult.objects.get(assessment=assessment, criterion=criteria.c3)
    assert (result.status, result.is_manual, result.manual_reason) == ("met", True, "Biên bản thẩm định 05/2024")
    html = english.get(entry_url(assessment)).text
    assert criterion_state(html, 3) == CriterionStatus.MET


def test_a_status_set_by_hand_without_reason_is_refused_next_to_the_criterion(
    english, assessment, criteria, provincial_staff
):
    english.force_login(provincial_staff)
    response = english.post(entry_url(assessment), {"version": assessment.version, f"c{criteria.c3.pk}-status": "met"})
    assert response.status_code == 200
    fieldset = re.search(r'<fieldset class="criterion" id="criterion-3".*?</fieldset>', response.text, re.S).group(0)
    assert 'class="errorlist' in fieldset and "needs a reason" in fieldset
    assert not CriterionResult.objects.filter(assessment=assessment, is_manual=True).exists()


@pytest.fixture
def compound(area_tree, superuser):
    """A set whose only indicator, 17.1, is compound: ≥95 % clean water, of which ≥60 % centralised."""
    cs = CriteriaSetFactory(period_start=2021, period_end=2025, official_criterion_count=1)
    criterion = CriterionFactory(criteria_set=cs, number=17, group="IV", name_vi="Môi trường")
    indicator = IndicatorFactory(
        criterion=criterion,
        code="17.1",
        description_vi="Tỷ lệ hộ dùng nước sạch",
        unit="%",
        comparator="gte",
        min_value=Decimal(0),
        max_value=Decimal(100),
    )
    Threshold.objects.create(indicator=indicator, part="nước sạch", value=Decimal(95))
    Threshold.objects.create(indicator=indicator, part="trong đó tập trung", value=Decimal(60))
    assessment = assessment_create(unit=area_tree.phuong_vien, year=YEAR, by=superuser, criteria_set=cs)
    return SimpleNamespace(assessment=assessment, indicator=indicator)


def test_a_compound_indicator_is_entered_part_by_part(english, compound, provincial_staff):
    english.force_login(provincial_staff)
    assessment, indicator = compound.assessment, compound.indicator
    html = english.get(entry_url(assessment)).text
    assert 'data-part="nước sạch"' in html and 'data-part="trong đó tập trung"' in html
    first, second = f"i{indicator.pk}", f"i{indicator.pk}p1"

    refused = english.post(entry_url(assessment), {"version": 1, f"{first}-value": "96", f"{second}-value": "150"})
    assert refused.status_code == 200
    part_row = re.search(rf'<tr class="indicator-row[^"]*" id="row-{second}".*?</tr>', refused.text, re.S).group(0)
    assert 'class="errorlist' in part_row
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()

    saved = english.post(entry_url(assessment), {"version": 1, f"{first}-value": "96", f"{second}-value": "50"})
    assert saved.status_code == 302
    values = {v.part: v.met for v in IndicatorValue.objects.filter(assessment=assessment)}
    assert values == {"nước sạch": True, "trong đó tập trung": False}
    assert CriterionResult.objects.get(assessment=assessment).status == CriterionStatus.NOT_MET


def test_an_out_of_range_value_is_shown_next_to_its_field_and_nothing_is_saved(
    english, assessment, criteria, provincial_staff
):
    english.force_login(provincial_staff)
    response = post_values(english, assessment, criteria, i11__passed="1", i21__value="150")

    assert response.status_code == 200
    row = row_html(response.text, criteria.i21)
    assert 'class="errorlist' in row
    assert "has-error" in row
    assert 'value="150"' in row  # the user's input is kept
    assert "Nothing was saved" in response.text
    assessment.refresh_from_db()
    assert assessment.version == 1
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()


def test_a_value_that_is_not_a_number_is_refused_inline(english, assessment, criteria, provincial_staff):
    english.force_login(provincial_staff)
    response = post_values(english, assessment, criteria, i21__value="nhiều")
    assert response.status_code == 200
    assert 'class="errorlist' in row_html(response.text, criteria.i21)
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()


def test_a_stale_form_is_refused_and_nothing_is_overwritten(english, assessment, criteria, provincial_staff):
    english.force_login(provincial_staff)
    loaded = english.get(entry_url(assessment)).text
    old_version = int(re.search(r'name="version" value="(\d+)"', loaded).group(1))

    first = english.post(entry_url(assessment), {"version": old_version, f"i{criteria.i21.pk}-value": "85"})
    assert first.status_code == 302

    second = english.post(entry_url(assessment), {"version": old_version, f"i{criteria.i21.pk}-value": "40"})
    assert second.status_code == 409
    assert "Someone else saved this assessment since you opened it" in second.text
    assert f'href="{entry_url(assessment)}"' in second.text  # the reload link
    assert 'value="40"' in row_html(second.text, criteria.i21)  # the user's input, not saved
    assessment.refresh_from_db()
    assert assessment.version == old_version + 1
    assert IndicatorValue.objects.get(assessment=assessment, indicator=criteria.i21).value == Decimal("85")


# Workflow.


def test_district_officials_submit_but_do_not_approve(english, complete_assessment, district_official):
    assessment = complete_assessment
    english.force_login(district_official)
    html = english.get(entry_url(assessment)).text
    assert 'name="submit-button"' in html
    assert 'name="approve-button"' not in html
    assert 'id="save-button"' not in html  # district officials view and submit, they do not enter

    response = english.post(transition_url(assessment), {"action": "submit", "version": assessment.version})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED

    html = english.get(entry_url(assessment)).text
    assert 'name="approve-button"' not in html
    assert (
        english.post(transition_url(assessment), {"action": "approve", "version": assessment.version}).status_code
        == 403
    )
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED


def test_viewers_see_no_buttons_and_may_not_save(english, assessment, criteria, viewer):
    english.force_login(viewer)
    html = english.get(entry_url(assessment)).text
    assert 'name="submit-button"' not in html and 'id="save-button"' not in html
    assert "disabled" in row_html(html, criteria.i21)
    assert post_values(english, assessment, criteria, i21__value="85").status_code == 403
    assert english.post(transition_url(assessment), {"action": "submit", "version": 1}).status_code == 403
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()


def test_commune_staff_enter_values_but_do_not_submit(english, assessment, criteria, commune_staff):
    english.force_login(commune_staff)
    html = english.get(entry_url(assessment)).text
    assert 'id="save-button"' in html and 'name="submit-button"' not in html
    assert post_values(english, assessment, criteria, i21__value="85").status_code == 302
    assert english.post(transition_url(assessment), {"action": "submit", "version": 2}).status_code == 403


def test_provincial_staff_approve_and_an_approved_assessment_is_read_only(
    english, assessment, criteria, provincial_staff
):
    english.force_login(provincial_staff)
    # Criterion 2 has a threshold for 2.1 only: marking 2.2 met is impossible, so set 1 and 3 and enter 2.1
    # and 2.2 (whose missing threshold leaves criterion 2 without status), then set 2.2's threshold.
    Threshold.objects.filter(indicator=criteria.i22).update(value=Decimal(10))
    c3 = f"c{criteria.c3.pk}"
    response = english.post(
        entry_url(assessment),
        {
            "version": assessment.version,
            f"i{criteria.i11.pk}-passed": "1",
            f"i{criteria.i21.pk}-value": "85",
            f"i{criteria.i22.pk}-value": "4.5",
            f"{c3}-status": "met",
            f"{c3}-reason": "Biên bản",
        },
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.met_count == 3
    english.post(transition_url(assessment), {"action": "submit", "version": assessment.version})
    assessment.refresh_from_db()
    html = english.get(entry_url(assessment)).text
    assert 'name="approve-button"' in html

    english.post(transition_url(assessment), {"action": "approve", "version": assessment.version})
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.APPROVED

    html = english.get(entry_url(assessment)).text
    assert 'id="save-button"' not in html
    assert "disabled" in row_html(html, criteria.i21)
    assert 'name="reopen-button"' in html and 'name="reason"' in html

    response = post_values(english, assessment, criteria, i21__value="20")
    assert response.status_code == 302
    assert IndicatorValue.objects.get(assessment=assessment, indicator=criteria.i21).value == Decimal("85")


def test_reopening_needs_a_reason_which_is_recorded(english, complete_assessment, provincial_staff, superuser):
    assessment = assessment_submit(
        assessment=complete_assessment, by=superuser, expected_version=complete_assessment.version
    )
    assessment = assessment_approve(assessment=assessment, by=superuser, expected_version=assessment.version)
    english.force_login(provincial_staff)

    response = english.post(transition_url(assessment), {"action": "reopen", "version": assessment.version})
    assert response.status_code == 302
    assert "Give the reason for reopening." in english.get(response["Location"]).text
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.APPROVED

    english.post(
        transition_url(assessment),
        {"action": "reopen", "version": assessment.version, "reason": "Sai số liệu tiêu chí 2"},
    )
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    step = AssessmentTransition.objects.filter(assessment=assessment).latest("at", "id")
    assert (step.to_status, step.reason, step.by) == ("draft", "Sai số liệu tiêu chí 2", provincial_staff)


def test_district_officials_may_not_reopen(english, complete_assessment, district_official, superuser):
    assessment = complete_assessment
    assessment_submit(assessment=assessment, by=superuser, expected_version=assessment.version)
    assessment.refresh_from_db()
    english.force_login(district_official)
    response = english.post(
        transition_url(assessment), {"action": "reopen", "version": assessment.version, "reason": "x"}
    )
    assert response.status_code == 403


# History.


def test_the_history_lists_each_change_with_its_user_and_old_and_new_value(
    english, assessment, criteria, provincial_staff
):
    english.force_login(provincial_staff)
    Threshold.objects.filter(indicator=criteria.i22).update(value=Decimal(10))
    c3 = f"c{criteria.c3.pk}"
    english.post(entry_url(assessment), {"version": 1, f"{c3}-status": "met", f"{c3}-reason": "Biên bản"})
    assessment.refresh_from_db()
    post_values(english, assessment, criteria, i11__passed="1", i21__value="85", i22__value="3")
    assessment.refresh_from_db()
    post_values(english, assessment, criteria, i11__passed="1", i21__value="72.5", i22__value="3")
    assessment.refresh_from_db()
    english.post(transition_url(assessment), {"action": "submit", "version": assessment.version})

    response = english.get(reverse("communes:assessment_history", args=[assessment.pk]))
    assert response.status_code == 200
    rows = re.findall(r'<tr class="change change-(\w+)">(.*?)</tr>', response.text, re.S)
    changed_value = [
        body for kind, body in rows if kind == "changed" and "Indicator 2.1" in body and "<td>Value</td>" in body
    ]
    assert changed_value, response.text
    assert "provincial_staff" in changed_value[0]
    assert '<td class="old">85</td>' in changed_value[0]
    assert '<td class="new">72.5</td>' in changed_value[0]
    assert "Submitted" in response.text


def test_the_history_page_reads_a_fixed_number_of_queries(
    english, assessment, criteria, provincial_staff, django_assert_max_num_queries
):
    english.force_login(provincial_staff)
    for value in ("10", "20", "30", "40"):
        assessment.refresh_from_db()
        post_values(english, assessment, criteria, i21__value=value, i11__passed="1")
    with django_assert_max_num_queries(15):
        assert english.get(reverse("communes:assessment_history", args=[assessment.pk])).status_code == 200


# Matrix.


def matrix_cells(html: str, commune_code: str) -> dict[int, str]:
    row = re.search(rf'<tr data-commune="{commune_code}">.*?</tr>', html, re.S).group(0)
    return {int(n): status for n, status in re.findall(r'data-criterion="(\d+)" data-status="(\w+)"', row)}


def matrix_communes(html: str) -> list[str]:
    return re.findall(r'<tr data-commune="(\w+)">', html)


@pytest.fixture
def two_assessments(area_tree, criteria, assessment, superuser):
    """Ngọc Phái: criteria 1 and 3 met, 2 not met. Phương Viên: not assessed."""
    assessment_save_values(
        assessment=assessment,
        expected_version=assessment.version,
        values=[
            IndicatorInput(indicator_id=criteria.i11.pk, passed=True),
            IndicatorInput(indicator_id=criteria.i21.pk, value=Decimal("50")),
        ],
        overrides=[_override(criteria.c3, "met")],
        by=superuser,
    )
    assessment.refresh_from_db()
    return assessment


def _override(criterion, status):
    from communes.services.assessments import CriterionOverride

    return CriterionOverride(criterion_id=criterion.pk, status=status, reason="Biên bản kiểm tra")


def test_the_district_matrix_shows_each_communes_criteria(english, area_tree, two_assessments, provincial_staff):
    english.force_login(provincial_staff)
    url = reverse("communes:district_matrix", args=[area_tree.cho_don.pk])
    response = english.get(url + f"?year={YEAR}")
    assert response.status_code == 200
    html = response.text

    # Communes of Chợ Đồn that existed in 2024 (Đông Viên was merged away in 2020).
    assert matrix_communes(html) == ["01801", "01802"]
    assert matrix_cells(html, "01801") == {1: "met", 2: "not_met", 3: "met"}
    assert matrix_cells(html, "01802") == {1: "not_assessed", 2: "not_assessed", 3: "not_assessed"}
    assert f'href="{entry_url(two_assessments)}"' in html
    create_url = reverse("communes:assessment_create", args=[area_tree.phuong_vien.pk])
    assert f'href="{create_url}?year={YEAR}"' in html
    assert two_assessments.met_count == 2
    assert "2/3" in html
    # Totals per criterion: one commune meets 1 and 3, none meets 2.
    totals = dict(re.findall(r'<td class="num" data-criterion="(\d+)" title="[^"]*">(\d+)</td>', html))
    assert totals == {"1": "1", "2": "0", "3": "1"}


def test_the_matrix_filters_by_band_and_by_unmet_criterion(english, area_tree, two_assessments, provincial_staff):
    english.force_login(provincial_staff)
    url = reverse("communes:district_matrix", args=[area_tree.cho_don.pk]) + f"?year={YEAR}"

    assert matrix_communes(english.get(url + "&unmet_criterion=2").text) == ["01801"]
    assert matrix_communes(english.get(url + "&unmet_criterion=1").text) == []
    assert matrix_communes(english.get(url + "&band=under-5").text) == ["01801"]
    assert matrix_communes(english.get(url + "&band=all").text) == []
    assert "No commune matches these filters." in english.get(url + "&band=all").text


def test_the_province_matrix_groups_communes_by_district(english, area_tree, two_assessments, provincial_staff):
    english.force_login(provincial_staff)
    response = english.get(reverse("communes:province_matrix", args=[area_tree.bac_kan.pk]) + f"?year={YEAR}")
    html = response.text
    assert response.status_code == 200
    assert matrix_communes(html) == ["01700", "01701", "01801", "01802"]
    assert html.index("Huyện Ba Bể") < html.index("01700") < html.index("Huyện Chợ Đồn") < html.index("01801")
    district_link = reverse("communes:district_matrix", args=[area_tree.cho_don.pk])
    assert f'href="{district_link}?year={YEAR}"' in html


def test_after_2025_the_province_matrix_lists_communes_without_districts(
    english, area_tree, criteria, provincial_staff
):
    english.force_login(provincial_staff)
    html = english.get(reverse("communes:province_matrix", args=[area_tree.thai_nguyen.pk]) + "?year=2025").text
    assert matrix_communes(html) == ["01710", "01810", "05510"]
    assert "Communes directly under the province" in html


def test_the_assessments_page_links_to_the_users_matrices(english, area_tree, district_official, commune_staff):
    english.force_login(district_official)
    html = english.get(reverse("communes:matrix_index")).text
    assert reverse("communes:district_matrix", args=[area_tree.cho_don.pk]) in html
    assert reverse("communes:district_matrix", args=[area_tree.ba_be.pk]) not in html

    english.force_login(commune_staff)
    html = english.get(reverse("communes:matrix_index")).text
    assert "Xã Chợ Đồn" in html
    assert reverse("communes:district_matrix", args=[area_tree.cho_don.pk]) not in html


def test_the_assessment_filterset_selects_by_band_and_unmet_criterion(two_assessments):
    from communes.filters import AssessmentFilterSet

    everything = Assessment.objects.all()
    assert list(AssessmentFilterSet({"unmet_criterion": "2"}, queryset=everything).qs) == [two_assessments]
    assert list(AssessmentFilterSet({"unmet_criterion": "3"}, queryset=everything).qs) == []
    assert list(AssessmentFilterSet({"band": "under-5"}, queryset=everything).qs) == [two_assessments]
    assert not AssessmentFilterSet({"band": "nonsense"}, queryset=everything).is_valid()
    assert not AssessmentFilterSet({"unmet_criterion": "64"}, queryset=everything).is_valid()


# Query bounds.


def _indicator_set(n_indicators: int):
    cs = CriteriaSetFactory(period_start=2021, period_end=2025, official_criterion_count=n_indicators)
    for number in range(1, n_indicators + 1):
        criterion = CriterionFactory(criteria_set=cs, number=number, group="I" if number < 3 else "II")
        indicator = IndicatorFactory(criterion=criterion, code=f"{number}.1", sort_order=number, comparator="gte")
        Threshold.objects.create(indicator=indicator, value=Decimal(50), confidence=Confidence.VERIFIED)
    return cs


def _entry_queries(client, unit, n_indicators, user) -> int:
    cs = _indicator_set(n_indicators)
    assessment = assessment_create(unit=unit, year=YEAR, by=user, criteria_set=cs)
    indicators = Indicator.objects.filter(criteria_set=cs)
    assessment_save_values(
        assessment=assessment,
        expected_version=assessment.version,
        values=[IndicatorInput(indicator_id=i.pk, value=Decimal(60)) for i in indicators],
        by=user,
    )
    with CaptureQueriesContext(connection) as queries:
        assert client.get(entry_url(assessment)).status_code == 200
    return len(queries)


def test_the_entry_screen_reads_a_fixed_number_of_queries(
    english, area_tree, provincial_staff, superuser, django_assert_max_num_queries
):
    english.force_login(provincial_staff)
    small = _entry_queries(english, area_tree.ngoc_phai, 5, superuser)
    large = _entry_queries(english, area_tree.phuong_vien, 30, superuser)
    print(f"entry screen queries: 5 indicators {small}, 30 indicators {large}")
    assert small == large
    assert large <= ENTRY_MAX_QUERIES


def _matrix_queries(client, user, superuser, district, n_communes: int) -> int:
    communes = CommuneFactory.create_batch(n_communes, parent=district)
    for commune in communes[: n_communes - 1]:  # all but one assessed
        assessment_create(unit=commune, year=YEAR, by=superuser)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("communes:district_matrix", args=[district.pk]) + f"?year={YEAR}")
    assert response.status_code == 200
    assert len(matrix_communes(response.text)) == n_communes
    return len(queries)


def test_the_matrix_reads_a_fixed_number_of_queries(english, area_tree, criteria, provincial_staff, superuser):
    from tests.factories import DistrictFactory

    english.force_login(provincial_staff)
    small = _matrix_queries(english, provincial_staff, superuser, DistrictFactory(parent=area_tree.bac_kan), 5)
    large = _matrix_queries(english, provincial_staff, superuser, DistrictFactory(parent=area_tree.bac_kan), 30)
    print(f"district matrix queries: 5 communes {small}, 30 communes {large}")
    assert small == large
    assert large <= MATRIX_MAX_QUERIES

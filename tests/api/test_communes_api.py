"""The communes endpoints: units, commune standing for a year, assessments (with If-Match and the
bulk upsert of a province-year), recognitions, criteria sets; scoping, permissions, query counts."""

import csv
import datetime
import io
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from communes.models import (
    Assessment,
    CriteriaSet,
    Criterion,
    CriterionResult,
    IndicatorValue,
    Recognition,
    RecognitionLevel,
    Unit,
)
from communes.selectors import standing_rows, standing_summary
from communes.services.access import api_token_create
from communes.services.assessments import assessment_create
from tests.factories import CriteriaSetFactory

pytestmark = pytest.mark.django_db

S318 = "commune-2021-2025"
OLD_END = datetime.date(2025, 6, 30)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def criteria(db):
    call_command("load_criteria", stdout=StringIO())


def token_client(user, area, *, read_only=True) -> APIClient:
    _token, key = api_token_create(name="Test system", user=user, area=area, read_only=read_only, by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages in English (msgids)
    return client


def stored_assessment(unit, year, criteria_set, *, met=0, total=19, status=Assessment.Status.DRAFT):
    """An assessment with its stored standing, written directly (the evaluation services are not needed)."""
    return Assessment.objects.create(
        unit=unit,
        year=year,
        criteria_set=criteria_set,
        status=status,
        criteria_total=total,
        met_count=met,
        met_mask=(1 << met) - 1,
    )


@pytest.fixture
def commune_set(db):
    set_ = CriteriaSetFactory(code="xa-test", level=CriteriaSet.SetLevel.COMMUNE, period_start=2021, period_end=2025)
    for number in range(1, 20):
        Criterion.objects.create(criteria_set=set_, number=number, name_vi=f"Tiêu chí {number}")
    return set_


def count_queries(client, url, params) -> tuple[int, dict]:
    """Queries of a request after a first one (which also records the token's last use)."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


# Units


def test_units_carry_validity_ancestors_and_reorganisation_events(provincial_staff, area_tree):
    client = token_client(provincial_staff, area_tree.thai_nguyen)
    unit = client.get(f"/api/v1/units/{area_tree.ngoc_phai.pk}/").json()
    assert unit["valid_from"] == "2020-01-01" and unit["valid_to"] == "2025-06-30"
    assert unit["district"]["code"] == "063" and unit["province"]["code"] == "06"
    assert [(e["kind"], e["role"], e["effective_date"]) for e in unit["events"]] == [
        ("merge", "successor", "2020-01-01"),
        ("merge", "predecessor", "2025-07-01"),
    ]


def test_units_filter_by_date_level_province_and_search(provincial_staff, area_tree):
    client = token_client(provincial_staff, area_tree.thai_nguyen)

    def codes(**params):
        return sorted(row["code"] for row in client.get("/api/v1/units/", params).json()["results"])

    assert codes(level="commune", as_of="2024-12-31", province="06") == ["01700", "01701", "01801", "01802"]
    assert codes(level="commune", as_of="2025-12-31") == ["01710", "01810", "05510"]
    assert codes(level="commune", as_of="2019-06-01", district="063") == ["01802", "01809"]
    assert codes(search="Chợ Đồn") == ["01810", "063"]
    assert client.get("/api/v1/units/", {"as_of": "not-a-date"}).status_code == 400


def test_reorganisation_events_list_those_touching_the_area(district_official, area_tree):
    client = token_client(district_official, area_tree.cho_don)
    events = client.get("/api/v1/reorganisation-events/").json()["results"]
    # The 2020 merger into Ngọc Phái, the 2025 merger into Xã Chợ Đồn, the abolition of Chợ Đồn.
    assert len(events) == 3
    assert {event["kind"] for event in events} == {"merge", "abolish"}


# Commune standing


def test_a_district_read_only_token_pages_its_communes_status_for_a_year(district_official, area_tree, commune_set):
    stored_assessment(area_tree.ngoc_phai, 2024, commune_set, met=17, status=Assessment.Status.APPROVED)
    stored_assessment(area_tree.khang_ninh, 2024, commune_set, met=19)  # Ba Bể: another district
    Recognition.objects.create(
        unit=area_tree.ngoc_phai,
        level=RecognitionLevel.COMMUNE_STANDARD,
        decision_number="1/QĐ-UBND",
        decision_date=datetime.date(2021, 5, 1),
        issued_by="UBND tỉnh Bắc Kạn",
        standard_year=2020,
    )
    client = token_client(district_official, area_tree.cho_don)
    page = client.get("/api/v1/communes/", {"year": 2024, "page_size": 1}).json()
    assert page["count"] == 2  # Ngọc Phái and Phương Viên were in force on 31/12/2024
    rows = page["results"] + client.get(page["next"]).json()["results"]
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {"01801", "01802"}
    ngoc_phai = by_code["01801"]
    assert ngoc_phai["year"] == 2024
    assert (ngoc_phai["met_count"], ngoc_phai["criteria_total"], ngoc_phai["band"]) == (17, 19, "15-18")
    assert ngoc_phai["unmet_criteria"] == [18, 19]
    assert ngoc_phai["assessment"]["status"] == "approved"
    assert ngoc_phai["recognition"] == {
        "level": "commune_standard",
        "decision_number": "1/QĐ-UBND",
        "decision_date": "2021-05-01",
    }
    assert by_code["01802"]["assessment"] is None and by_code["01802"]["band"] is None
    assert client.get(f"/api/v1/communes/{area_tree.khang_ninh.pk}/", {"year": 2024}).status_code == 404
    assert client.get(f"/api/v1/communes/{area_tree.ngoc_phai.pk}/", {"year": 2024}).status_code == 200


def test_commune_status_filters(provincial_staff, area_tree, commune_set):
    stored_assessment(area_tree.ngoc_phai, 2024, commune_set, met=19, status=Assessment.Status.APPROVED)
    stored_assessment(area_tree.phuong_vien, 2024, commune_set, met=12)
    stored_assessment(area_tree.khang_ninh, 2024, commune_set, met=4)
    client = token_client(provincial_staff, area_tree.thai_nguyen)

    def codes(**params):
        response = client.get("/api/v1/communes/", {"year": 2024, **params})
        assert response.status_code == 200, response.content
        return sorted(row["code"] for row in response.json()["results"])

    assert codes() == ["01700", "01701", "01801", "01802", "05500"]
    assert codes(province="06") == ["01700", "01701", "01801", "01802"]
    assert codes(district="063") == ["01801", "01802"]
    assert codes(band="all") == ["01801"]
    assert codes(band="10-14") == ["01802"]
    assert codes(met_min=5, met_max=15) == ["01802"]
    assert codes(unmet_criterion=13) == ["01700", "01802"]
    assert codes(status="approved") == ["01801"]
    assert codes(assessed="false") == ["01701", "05500"]
    assert codes(search="Phương") == ["01802"]
    ordered = client.get("/api/v1/communes/", {"year": 2024, "assessed": "true", "ordering": "-met_count"}).json()
    assert [row["code"] for row in ordered["results"]] == ["01801", "01802", "01700"]
    assert client.get("/api/v1/communes/", {"year": "abc"}).status_code == 400
    assert client.get("/api/v1/communes/", {"band": "nonsense"}).status_code == 400


def test_commune_status_renders_as_csv(provincial_staff, area_tree, commune_set):
    stored_assessment(area_tree.ngoc_phai, 2024, commune_set, met=17)
    client = token_client(provincial_staff, area_tree.thai_nguyen)
    response = client.get("/api/v1/communes/", {"year": 2024, "format": "csv", "district": "063", "ordering": "-code"})
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    rows = list(reader)
    assert [row["code"] for row in rows] == ["01802", "01801"]
    header = reader.fieldnames
    # Phương Viên, first, has no assessment: the assessment's columns still come together, and no
    # bare "assessment" column is left.
    assert "assessment" not in header
    start = header.index("assessment.id")
    assert header[start : start + 4] == [
        "assessment.id",
        "assessment.status",
        "assessment.criteria_set",
        "assessment.version",
    ]
    assert rows[0]["assessment.id"] == ""
    ngoc_phai = rows[1]
    assert (ngoc_phai["met_count"], ngoc_phai["band"], ngoc_phai["unmet_criteria"]) == ("17", "15-18", "18; 19")
    assert ngoc_phai["district.code"] == "063"


def make_communes(area_tree, commune_set, n, year=2024):
    # Built without CommuneFactory: its code sequence would move on towards the area_tree's codes.
    first = Unit.objects.filter(code__startswith="9").count()
    for number in range(first, first + n):
        commune = Unit.objects.create(
            code=f"9{number:04d}",
            name=f"Xã Thử {number}",
            level="commune",
            kind="xa",
            parent=area_tree.cho_don,
            valid_to=OLD_END,
        )
        assessment = stored_assessment(commune, year, commune_set, met=10)
        CriterionResult.objects.create(
            assessment=assessment, criterion=commune_set.criteria.get(number=1), status="met"
        )
        Recognition.objects.create(
            unit=commune,
            level=RecognitionLevel.COMMUNE_STANDARD,
            decision_number=f"R-{commune.code}",
            decision_date=datetime.date(2022, 1, 1),
            issued_by="UBND",
            standard_year=2021,
        )


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/communes/", {"year": 2024, "page_size": 100}),
        ("/api/v1/units/", {"page_size": 100}),
        ("/api/v1/assessments/", {"year": 2024, "page_size": 100}),
        ("/api/v1/recognitions/", {"page_size": 100}),
        ("/api/v1/reorganisation-events/", {}),
        ("/api/v1/criteria-sets/", {}),
    ],
)
def test_list_queries_do_not_grow_with_the_rows(provincial_staff, area_tree, commune_set, url, params):
    client = token_client(provincial_staff, area_tree.thai_nguyen)
    make_communes(area_tree, commune_set, 5)
    few, first = count_queries(client, url, params)
    make_communes(area_tree, commune_set, 25)
    CriteriaSetFactory(code="xa-test-2")
    many, second = count_queries(client, url, params)
    assert many == few, (few, many)
    if url != "/api/v1/reorganisation-events/":
        assert second["count"] > first["count"]


def test_the_commune_status_page_of_100_takes_few_queries(provincial_staff, area_tree, commune_set):
    make_communes(area_tree, commune_set, 30)
    client = token_client(provincial_staff, area_tree.thai_nguyen)
    queries, page = count_queries(client, "/api/v1/communes/", {"year": 2024, "page_size": 100})
    assert len(page["results"]) == 35
    # Token lookup and its last use, the officer and the area (one query per reorganisation step
    # walked back: the Bắc Thái split and the 2025 merger), the count and the page.
    assert queries <= 9, queries


# Assessments


def test_assessments_nest_criterion_results_and_indicator_values(provincial_staff, area_tree, criteria):
    assessment = assessment_create(unit=area_tree.ngoc_phai, year=2024, by=None)
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    response = client.patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"values": {"3.1": 85, "1.1": True}},
        format="json",
        HTTP_IF_MATCH=f'"{assessment.version}"',
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert response["ETag"] == f'"{assessment.version + 1}"' == f'"{body["version"]}"'
    assert {v["code"]: v["value"] or v["passed"] for v in body["indicator_values"]} == {"3.1": "85.000", "1.1": True}
    assert len(body["criterion_results"]) == 19
    detail = client.get(f"/api/v1/assessments/{assessment.pk}/")
    assert detail["ETag"] == response["ETag"]


def test_a_stale_if_match_is_412_and_changes_nothing(provincial_staff, area_tree, criteria):
    assessment = assessment_create(unit=area_tree.ngoc_phai, year=2024, by=None)
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    url = f"/api/v1/assessments/{assessment.pk}/"
    assert client.patch(url, {"values": {"3.1": 85}}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    before = Assessment.objects.values().get(pk=assessment.pk)
    response = client.patch(url, {"values": {"3.1": 50}}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert Assessment.objects.values().get(pk=assessment.pk) == before
    assert IndicatorValue.objects.get(assessment=assessment, indicator__code="3.1").value == 85


def test_an_update_without_if_match_is_428(provincial_staff, area_tree, criteria):
    assessment = assessment_create(unit=area_tree.ngoc_phai, year=2024, by=None)
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    response = client.patch(f"/api/v1/assessments/{assessment.pk}/", {"values": {"3.1": 85}}, format="json")
    assert response.status_code == 428
    assert not IndicatorValue.objects.filter(assessment=assessment).exists()


def test_invalid_values_name_the_indicator(provincial_staff, area_tree, criteria):
    assessment = assessment_create(unit=area_tree.ngoc_phai, year=2024, by=None)
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    response = client.patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"values": {"3.1": 150, "99.9": 1, "1.1": 5}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    problems = {row["field"]: row["error"] for row in response.json()["results"]}
    assert set(problems) == {"indicator 99.9"}  # unknown codes are refused before the service runs
    response = client.patch(
        f"/api/v1/assessments/{assessment.pk}/", {"values": {"3.1": 150, "1.1": 5}}, format="json", HTTP_IF_MATCH='"1"'
    )
    problems = {row["field"]: row["error"] for row in response.json()["results"]}
    assert "outside the possible range" in problems["indicator 3.1"]
    assert "pass/fail" in problems["indicator 1.1"]
    assert Assessment.objects.get(pk=assessment.pk).version == 1


def test_assessments_outside_the_area_are_404(provincial_staff_other_province, area_tree, commune_set):
    assessment = stored_assessment(area_tree.ngoc_phai, 2024, commune_set)
    client = token_client(provincial_staff_other_province, area_tree.cao_bang, read_only=False)
    assert client.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 404
    response = client.patch(f"/api/v1/assessments/{assessment.pk}/", {}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 404
    assert client.get("/api/v1/assessments/").json()["count"] == 0


def test_a_role_that_may_not_enter_values_gets_403(district_official, area_tree, commune_set):
    assessment = stored_assessment(area_tree.ngoc_phai, 2024, commune_set)
    client = APIClient()
    client.force_login(district_official)  # the browser's session works as well as a token
    response = client.patch(f"/api/v1/assessments/{assessment.pk}/", {}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 403


def test_creating_an_assessment_outside_the_area_is_refused(commune_staff, area_tree, criteria):
    client = token_client(commune_staff, area_tree.xa_cho_don, read_only=False)
    response = client.post("/api/v1/assessments/", {"unit": area_tree.khang_ninh.pk, "year": 2024}, format="json")
    assert response.status_code == 403
    assert not Assessment.objects.exists()
    response = client.post("/api/v1/assessments/", {"unit": area_tree.ngoc_phai.pk, "year": 2024}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft" and response["ETag"] == '"1"'
    again = client.post("/api/v1/assessments/", {"unit": area_tree.ngoc_phai.pk, "year": 2024}, format="json")
    assert again.status_code == 400 and "year" in again.json()


def test_workflow_steps_refused_by_state_are_409(provincial_staff, area_tree, criteria):
    assessment = assessment_create(unit=area_tree.ngoc_phai, year=2024, by=None)
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    url = f"/api/v1/assessments/{assessment.pk}/"
    assert client.post(f"{url}submit/").status_code == 428
    response = client.post(f"{url}approve/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    assert "only an assessment that is submitted" in response.json()["detail"]
    response = client.post(f"{url}submit/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409 and "no status yet" in response.json()["detail"]
    assert client.post(f"{url}reopen/", {}, format="json").status_code == 400  # the reason is required


def test_a_commune_staff_token_may_not_approve(commune_staff, area_tree, commune_set):
    assessment = stored_assessment(area_tree.ngoc_phai, 2024, commune_set, status=Assessment.Status.SUBMITTED)
    client = token_client(commune_staff, area_tree.xa_cho_don, read_only=False)
    response = client.post(f"/api/v1/assessments/{assessment.pk}/approve/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED


def test_a_read_write_token_bulk_upserts_a_province_year_and_the_standing_shows_it(
    provincial_staff, area_tree, criteria
):
    existing = assessment_create(unit=area_tree.khang_ninh, year=2024, by=None)
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    rows = [
        {"commune_code": "01801", "values": {"3.1": 85, "1.1": True}},
        {"commune_code": "01802", "values": {"3.1": 60}, "note": "Báo cáo xã"},
        {
            "commune_code": "01700",
            "values": {"3.1": {"value": 90, "evidence": "Báo cáo 2024"}},
            "statuses": {"5": {"status": "met", "reason": "Theo báo cáo của huyện"}},
            "version": existing.version,
        },
    ]
    response = client.post(
        "/api/v1/assessments/bulk-upsert/", {"province": "06", "year": 2024, "rows": rows}, format="json"
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["row"], r["commune_code"], r["created"]) for r in results] == [
        (1, "01801", True),
        (2, "01802", True),
        (3, "01700", False),
    ]
    standing = {row.unit.code: row for row in standing_rows(year=2024, area=area_tree.bac_kan)}
    assert set(standing) == {"01700", "01801", "01802"}
    assert 5 not in standing["01700"].unmet and 5 in standing["01801"].unmet  # set by hand, with its reason
    met = dict(IndicatorValue.objects.filter(indicator__code="3.1").values_list("assessment__unit__code", "met"))
    assert met == {"01801": True, "01802": False, "01700": True}
    assert standing_summary(year=2024, area=area_tree.bac_kan).assessed == 3
    assert IndicatorValue.objects.get(assessment__unit=area_tree.khang_ninh, indicator__code="3.1").evidence == (
        "Báo cáo 2024"
    )


def test_a_bulk_upsert_with_a_bad_row_saves_nothing_and_names_row_and_field(provincial_staff, area_tree, criteria):
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    rows = [
        {"commune_code": "01801", "values": {"3.1": 85}},
        {"commune_code": "01802", "values": {"3.1": 150}},
        {"commune_code": "99999", "values": {}},
        {"commune_code": "01700", "values": {"77.7": 1}},
    ]
    response = client.post(
        "/api/v1/assessments/bulk-upsert/", {"province": "06", "year": 2024, "rows": rows}, format="json"
    )
    assert response.status_code == 400
    problems = response.json()["results"]
    assert [(p["row"], p["field"]) for p in problems] == [
        (2, "indicator 3.1"),
        (3, "commune_code"),
        (4, "indicator 77.7"),
    ]
    assert "outside the possible range" in problems[0]["error"]
    assert not Assessment.objects.exists()


def test_a_bulk_upsert_with_a_stale_row_is_409_and_saves_nothing(provincial_staff, area_tree, criteria):
    existing = assessment_create(unit=area_tree.khang_ninh, year=2024, by=None)
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    rows = [
        {"commune_code": "01801", "values": {"3.1": 85}},
        {"commune_code": "01700", "values": {"3.1": 85}, "version": existing.version + 1},
    ]
    response = client.post(
        "/api/v1/assessments/bulk-upsert/", {"province": "06", "year": 2024, "rows": rows}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["results"][0]["row"] == 2
    assert list(Assessment.objects.all()) == [existing]


def test_a_bulk_upsert_outside_the_tokens_area_is_refused(provincial_staff, area_tree, criteria):
    client = token_client(provincial_staff, area_tree.cho_don, read_only=False)
    rows = [{"commune_code": "01801", "values": {"3.1": 85}}, {"commune_code": "01700", "values": {"3.1": 85}}]
    response = client.post(
        "/api/v1/assessments/bulk-upsert/", {"province": "06", "year": 2024, "rows": rows}, format="json"
    )
    assert response.status_code == 403
    assert [p["row"] for p in response.json()["results"]] == [2]
    assert not Assessment.objects.exists()


# Recognitions and criteria sets


def test_recognitions_are_recorded_through_the_rules_and_revoked(provincial_staff, area_tree, commune_set):
    stored_assessment(area_tree.ngoc_phai, 2022, commune_set, met=19, status=Assessment.Status.APPROVED)
    stored_assessment(area_tree.phuong_vien, 2022, commune_set, met=18, status=Assessment.Status.APPROVED)
    client = token_client(provincial_staff, area_tree.thai_nguyen, read_only=False)
    decision = {
        "level": "commune_standard",
        "decision_number": "12/QĐ-UBND",
        "decision_date": "2023-03-01",
        "issued_by": "UBND tỉnh Bắc Kạn",
        "standard_year": 2022,
    }
    refused = client.post("/api/v1/recognitions/", {**decision, "unit": area_tree.phuong_vien.pk}, format="json")
    assert refused.status_code == 400
    assert "assessment" in refused.json()
    response = client.post("/api/v1/recognitions/", {**decision, "unit": area_tree.ngoc_phai.pk}, format="json")
    assert response.status_code == 201, response.content
    recognition = response.json()
    assert recognition["unit"]["code"] == "01801" and recognition["revocation"] is None
    revoked = client.post(
        f"/api/v1/recognitions/{recognition['id']}/revoke/",
        {
            "decision_number": "20/QĐ-UBND",
            "decision_date": "2024-01-10",
            "effective_date": "2024-02-01",
            "issued_by": "UBND tỉnh Bắc Kạn",
            "reason": "Không duy trì được tiêu chí môi trường",
        },
        format="json",
    )
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["revocation"]["effective_date"] == "2024-02-01"
    listed = client.get("/api/v1/recognitions/", {"in_force_on": "2024-03-01"}).json()
    assert listed["count"] == 0
    assert client.get("/api/v1/recognitions/", {"revoked": "true"}).json()["count"] == 1


def test_recognitions_outside_the_area_are_404(provincial_staff_other_province, area_tree):
    recognition = Recognition.objects.create(
        unit=area_tree.ngoc_phai,
        level=RecognitionLevel.COMMUNE_STANDARD,
        decision_number="1/QĐ",
        decision_date=datetime.date(2021, 5, 1),
        issued_by="UBND",
        standard_year=2020,
    )
    client = token_client(provincial_staff_other_province, area_tree.cao_bang, read_only=False)
    assert client.get(f"/api/v1/recognitions/{recognition.pk}/").status_code == 404
    assert client.post(f"/api/v1/recognitions/{recognition.pk}/revoke/", {}, format="json").status_code == 404


def test_criteria_sets_nest_criteria_indicators_and_thresholds(viewer, area_tree, criteria):
    client = token_client(viewer, area_tree.thai_nguyen)
    sets = client.get("/api/v1/criteria-sets/", {"level": "commune", "period_start": 2021}).json()["results"]
    assert [s["code"] for s in sets] == [S318]
    criterion_3 = next(c for c in sets[0]["criteria"] if c["number"] == 3)
    indicator = next(i for i in criterion_3["indicators"] if i["code"] == "3.1")
    assert [t["value"] for t in indicator["thresholds"]] == ["80.000"]


def test_anonymous_callers_get_nothing_of_the_communes_endpoints(area_tree):
    client = APIClient()
    for url in ("/api/v1/units/", "/api/v1/communes/", "/api/v1/assessments/", "/api/v1/criteria-sets/"):
        assert client.get(url).status_code == 401, url


# Id and number filters: typed, bounded and documented so


def test_unknown_ids_in_filters_give_an_empty_list_not_an_error(provincial_staff, area_tree, commune_set):
    assessment = stored_assessment(area_tree.ngoc_phai, 2024, commune_set, met=19)
    Recognition.objects.create(
        unit=area_tree.ngoc_phai,
        level=RecognitionLevel.COMMUNE_STANDARD,
        decision_number="1/QĐ",
        decision_date=datetime.date(2021, 5, 1),
        issued_by="UBND",
        standard_year=2020,
    )
    client = token_client(provincial_staff, area_tree.thai_nguyen)
    unknown = Unit.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    for url, name, known in (
        ("/api/v1/units/", "parent", area_tree.ngoc_phai.parent_id),
        ("/api/v1/assessments/", "unit", area_tree.ngoc_phai.pk),
        ("/api/v1/assessments/", "criteria_set", commune_set.pk),
        ("/api/v1/recognitions/", "unit", area_tree.ngoc_phai.pk),
    ):
        response = client.get(url, {name: unknown})
        assert response.status_code == 200, (url, name, response.content)
        assert response.json()["count"] == 0, (url, name)
        assert client.get(url, {name: known}).json()["count"] >= 1, (url, name)
        assert client.get(url, {name: "abc"}).status_code == 400, (url, name)
        assert client.get(url, {name: 0}).status_code == 400, (url, name)
    assert client.get("/api/v1/assessments/", {"unit": area_tree.ngoc_phai.pk}).json()["results"][0]["id"] == (
        assessment.pk
    )


@pytest.mark.parametrize(
    ("url", "name", "value"),
    [
        ("/api/v1/criteria-sets/", "period_start", "abc"),
        ("/api/v1/criteria-sets/", "period_start", "2021.5"),
        ("/api/v1/criteria-sets/", "period_end", "null"),
        ("/api/v1/assessments/", "year", "2024.5"),
        ("/api/v1/assessments/", "unmet_criterion", "0"),
        ("/api/v1/assessments/", "met_min", "1.5"),
        ("/api/v1/communes/", "unmet_criterion", "64"),
        ("/api/v1/communes/", "year", "1989"),
        ("/api/v1/communes/", "year", "2101"),
        ("/api/v1/recognitions/", "standard_year", "x"),
    ],
)
def test_number_filters_refuse_what_their_schema_excludes(provincial_staff, area_tree, criteria, url, name, value):
    client = token_client(provincial_staff, area_tree.thai_nguyen)
    response = client.get(url, {name: value})
    assert response.status_code == 400
    assert name in response.json()
    # The schema says so: an integer, with the bounds the filter applies.
    schema_client = APIClient()
    parameters = schema_client.get("/api/v1/schema/", {"format": "json"}).json()["paths"][url]["get"]["parameters"]
    schema = next(p["schema"] for p in parameters if p["name"] == name)
    assert schema["type"] == "integer" and "minimum" in schema and "maximum" in schema
    if value.isdigit():
        assert not schema["minimum"] <= int(value) <= schema["maximum"]


def test_criteria_sets_filter_by_period_years(viewer, area_tree, criteria):
    client = token_client(viewer, area_tree.thai_nguyen)
    assert client.get("/api/v1/criteria-sets/", {"period_start": 1900}).json()["count"] == 0
    codes = {row["code"] for row in client.get("/api/v1/criteria-sets/", {"period_end": 2025}).json()["results"]}
    assert S318 in codes

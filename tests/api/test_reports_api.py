"""Reports API: targets, figures, funding and disbursements within the area (validated by the admin's
forms), and /api/v1/progress/ giving exactly the dashboards' numbers (reports.selectors)."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from communes.selectors import standing_summary
from reports.models import Basis, Disbursement, Funding, FundingSource, Metric, Target
from reports.selectors import criteria_pass_rates, disbursement_summary, funding_summary, target_progress
from tests.reports.test_selectors import _money, _targets
from tests.reports.test_selectors import province as _province_fixture  # noqa: F401 (a fixture)

TARGETS = "/api/v1/targets/"
PROGRESS = "/api/v1/progress/"
FUNDING = "/api/v1/funding/"
DISBURSEMENTS = "/api/v1/disbursements/"
FIGURES = "/api/v1/figures/"

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # English msgids in the messages
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def small(request):
    """The ``province`` fixture of tests/reports/test_selectors.py: a province of two districts with
    assessments of 2023 and 2024 and recognitions whose numbers that file computes by hand."""
    return request.getfixturevalue("_province_fixture")


def decimal_or_none(value) -> Decimal | None:
    return None if value is None else Decimal(value)


# Progress: the dashboards' numbers


def test_progress_gives_exactly_the_target_progress_rows(small, superuser):
    _targets(small)
    _money(small)
    area = small.province

    response = client_for(superuser).get(PROGRESS, {"area": area.pk, "year": 2024})

    assert response.status_code == 200, response.content
    body = response.json()
    expected = target_progress(area=area, year=2024)
    assert len(body["targets"]) == len(expected) == 7
    for got, row in zip(body["targets"], expected, strict=True):
        assert got["target"] == row.target.pk
        assert (got["metric"], got["basis"], got["label"]) == (row.metric, row.basis, row.label)
        assert decimal_or_none(got["target_value"]) == row.target_value
        assert decimal_or_none(got["actual"]) == row.actual
        assert decimal_or_none(got["percent_of_plan"]) == row.percent_of_plan
        assert decimal_or_none(got["previous_actual"]) == row.previous_actual
        assert decimal_or_none(got["change"]) == row.change
    # The hand-computed figures of tests/reports/test_selectors.py, for one row.
    cumulative = next(
        t
        for t in body["targets"]
        if t["metric"] == Metric.COMMUNES_STANDARD and t["scope"] == "year" and t["basis"] == Basis.CUMULATIVE
    )
    assert (cumulative["actual"], cumulative["percent_of_plan"]) == ("3.00", "75.0")


def test_progress_includes_the_dashboards_standing_pass_rates_and_money(small, superuser):
    _money(small)
    area = small.province

    body = client_for(superuser).get(PROGRESS, {"area": area.pk, "year": 2024}).json()

    standing = standing_summary(year=2024, area=area)
    assert body["standing"]["assessed"] == standing.assessed == 5
    assert body["standing"]["bands"] == standing.bands
    assert body["standing"]["communes_that_year"] == standing.communes_that_year
    rates = criteria_pass_rates(area=area, year=2024)
    assert [(r["number"], r["met"], r["assessed"]) for r in body["criteria_pass_rates"]] == [
        (r.number, r.met, r.assessed) for r in rates
    ]
    funding = funding_summary(area=area, year=2024)
    assert Decimal(body["funding"]["total_vnd"]) == funding.total_vnd
    assert Decimal(body["funding"]["credit_vnd"]) == funding.credit_vnd
    assert [(r["source"], Decimal(r["amount_vnd"])) for r in body["funding"]["rows"]] == [
        (r.source, r.amount_vnd) for r in funding.rows
    ]
    disbursement = disbursement_summary(area=area, year=2024)
    assert [Decimal(r["rate"]) for r in body["disbursement"]["latest"]] == [r.rate for r in disbursement.latest]


def test_progress_by_code_picks_the_version_of_the_year(area_tree, provincial_staff):
    Target.objects.create(
        unit=area_tree.thai_nguyen_old, year=2024, metric=Metric.COMMUNES_STANDARD, basis=Basis.CUMULATIVE, value=1
    )
    Target.objects.create(
        unit=area_tree.thai_nguyen, year=2026, metric=Metric.COMMUNES_STANDARD, basis=Basis.CUMULATIVE, value=5
    )
    client = client_for(provincial_staff)

    old = client.get(PROGRESS, {"area_code": "19", "year": 2024}).json()
    new = client.get(PROGRESS, {"area_code": "19", "year": 2026}).json()

    assert (old["area"]["id"], [t["target_value"] for t in old["targets"]]) == (area_tree.thai_nguyen_old.pk, ["1.00"])
    assert (new["area"]["id"], [t["target_value"] for t in new["targets"]]) == (area_tree.thai_nguyen.pk, ["5.00"])


def test_todays_province_asked_about_2024_gives_the_targets_of_the_provinces_it_came_from(area_tree, provincial_staff):
    Target.objects.create(
        unit=area_tree.bac_kan, year=2024, metric=Metric.COMMUNES_STANDARD, basis=Basis.CUMULATIVE, value=3
    )

    body = client_for(provincial_staff).get(PROGRESS, {"area": area_tree.thai_nguyen.pk, "year": 2024}).json()

    assert [(t["unit"], t["label"]) for t in body["targets"]] == [
        (area_tree.bac_kan.pk, "Communes at NTM standard (Tỉnh Bắc Kạn)")
    ]


def test_progress_of_an_area_outside_yours_is_404(area_tree, provincial_staff):
    client = client_for(provincial_staff)

    assert client.get(PROGRESS, {"area": area_tree.cao_bang.pk, "year": 2024}).status_code == 404
    assert client.get(PROGRESS, {"area_code": "04", "year": 2024}).status_code == 404


def test_a_district_official_gets_the_district_not_the_province(area_tree, district_official):
    client = client_for(district_official)

    assert client.get(PROGRESS, {"area": area_tree.cho_don.pk, "year": 2024}).status_code == 200
    assert client.get(PROGRESS, {"area": area_tree.bac_kan.pk, "year": 2024}).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"area": 1}, "year"),
        ({"area": 1, "year": 1900}, "year"),
        ({"area": "x", "year": 2024}, "area"),
    ],
)
def test_progress_parameters_are_checked(area_tree, provincial_staff, params, field):
    response = client_for(provincial_staff).get(PROGRESS, params)

    assert response.status_code == 400
    assert field in response.json()


def test_progress_without_an_area_is_the_callers_own_and_both_must_agree(area_tree, provincial_staff, superuser):
    client = client_for(provincial_staff)

    assert client.get(PROGRESS, {"year": 2026}).json()["area"]["id"] == area_tree.thai_nguyen.pk
    assert client.get(PROGRESS, {"year": 2026, "area_code": ""}).json()["area"]["id"] == area_tree.thai_nguyen.pk
    both = {"area": area_tree.thai_nguyen.pk, "area_code": "19", "year": 2026}
    assert client.get(PROGRESS, both).json()["area"]["id"] == area_tree.thai_nguyen.pk
    assert client.get(PROGRESS, {**both, "area_code": "06"}).status_code == 404
    # A superuser has no area of their own.
    assert client_for(superuser).get(PROGRESS, {"year": 2026}).status_code == 404


def test_progress_of_a_token_defaults_to_the_tokens_area(area_tree, provincial_staff):
    from communes.services.access import api_token_create

    _token, key = api_token_create(name="Sở", user=provincial_staff, area=area_tree.cho_don, read_only=True, by=None)
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get(PROGRESS, {"year": 2024}).json()["area"]["id"] == area_tree.cho_don.pk
    assert client.get(PROGRESS, {"area": area_tree.ba_be.pk, "year": 2024}).status_code == 404


def test_progress_needs_a_signed_in_caller(area_tree):
    assert client_for().get(PROGRESS, {"area": area_tree.thai_nguyen.pk, "year": 2024}).status_code == 401


def test_progress_query_count_does_not_grow_with_the_targets(small, superuser):
    def count() -> int:
        client = client_for(User.objects.get(pk=superuser.pk))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PROGRESS, {"area": small.province.pk, "year": 2024}).status_code == 200
        return len(queries)

    _targets(small)
    few = count()
    for n in range(11, 21):
        Target.objects.create(
            unit=small.province, year=2024, metric=Metric.COMMUNES_UNDER, parameter=n, basis=Basis.CUMULATIVE, value=1
        )

    # One batch of actuals per family of metrics and year, whatever the number of targets.
    assert count() == few


# Targets: CRUD within the area, the admin's rules


def target_data(unit, **changes) -> dict:
    return {
        "unit": unit.pk,
        "year": 2026,
        "metric": Metric.COMMUNES_STANDARD,
        "basis": Basis.CUMULATIVE,
        "value": "12",
        "decision": "Nghị quyết 05/NQ-HĐND",
        **changes,
    }


def test_provincial_staff_create_change_and_list_targets_of_their_province(area_tree, provincial_staff):
    client = client_for(provincial_staff)

    created = client.post(TARGETS, target_data(area_tree.thai_nguyen))
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["unit_code"], body["metric_label"], body["value"]) == ("19", "Communes at NTM standard", "12.00")

    changed = client.patch(f"{TARGETS}{body['id']}/", {"value": "14"})
    assert changed.status_code == 200, changed.content
    assert Target.objects.get(pk=body["id"]).value == 14
    assert [row["id"] for row in client.get(TARGETS).json()["results"]] == [body["id"]]


def test_a_target_outside_the_area_is_refused_and_not_visible(area_tree, provincial_staff):
    other = Target.objects.create(
        unit=area_tree.cao_bang, year=2026, metric=Metric.COMMUNES_STANDARD, basis=Basis.CUMULATIVE, value=1
    )
    client = client_for(provincial_staff)

    response = client.post(TARGETS, target_data(area_tree.cao_bang))

    assert response.status_code == 400
    assert set(response.json()) == {"unit"}
    assert client.get(f"{TARGETS}{other.pk}/").status_code == 404
    assert client.patch(f"{TARGETS}{other.pk}/", {"value": "9"}).status_code == 404
    mine = Target.objects.create(
        unit=area_tree.thai_nguyen, year=2026, metric=Metric.OCOP_NEW, basis=Basis.NEW_IN_YEAR, value=1
    )
    moved = client.patch(f"{TARGETS}{mine.pk}/", {"unit": area_tree.cao_bang.pk})
    assert moved.status_code == 400
    assert Target.objects.get(pk=mine.pk).unit == area_tree.thai_nguyen


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"scope": "period"}, "period_start", "needs the period's first year"),
        ({"scope": "period", "period_start": 2027}, "period_start", "starts after its last year"),
        ({"period_start": 2021}, "period_start", "Only a programme-period target"),
        ({"metric": Metric.COMMUNES_UNDER}, "parameter", "Give N"),
        ({"parameter": 10}, "parameter", "Only “communes under N criteria”"),
    ],
)
def test_target_rules_are_the_admins_and_name_the_field(area_tree, provincial_staff, changes, field, message):
    response = client_for(provincial_staff).post(TARGETS, target_data(area_tree.thai_nguyen, **changes))

    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert message in response.json()[field][0]
    assert not Target.objects.exists()


def test_a_target_for_a_commune_is_refused_naming_the_level(area_tree, provincial_staff):
    response = client_for(provincial_staff).post(TARGETS, target_data(area_tree.dan_tien))

    assert response.status_code == 400
    assert "is a Commune level unit" in response.json()["unit"][0]


def test_a_second_target_for_the_same_metric_year_and_basis_is_refused(area_tree, provincial_staff):
    client = client_for(provincial_staff)
    client.post(TARGETS, target_data(area_tree.thai_nguyen))

    response = client.post(TARGETS, target_data(area_tree.thai_nguyen, value="20"))

    assert response.status_code == 400
    assert "already has a target for that metric, year and basis" in str(response.json())
    assert Target.objects.count() == 1


@pytest.mark.parametrize("persona", ["viewer", "district_official", "commune_staff"])
def test_roles_without_the_permission_may_not_write_targets(area_tree, request, persona):
    user = request.getfixturevalue(persona)

    response = client_for(user).post(TARGETS, target_data(area_tree.thai_nguyen))

    assert response.status_code == 403
    assert not Target.objects.exists()


def test_provincial_staff_may_not_delete_a_target_but_a_superuser_may(area_tree, provincial_staff, superuser):
    target = Target.objects.create(
        unit=area_tree.thai_nguyen, year=2026, metric=Metric.OCOP_NEW, basis=Basis.NEW_IN_YEAR, value=1
    )

    assert client_for(provincial_staff).delete(f"{TARGETS}{target.pk}/").status_code == 403
    assert client_for(superuser).delete(f"{TARGETS}{target.pk}/").status_code == 204
    assert not Target.objects.exists()


def test_target_filters(small, superuser):
    _targets(small)
    client = client_for(superuser)

    def ids(**params) -> set[int]:
        return {row["id"] for row in client.get(TARGETS, params).json()["results"]}

    assert ids(unit=small.d1.code) == set(Target.objects.filter(unit=small.d1).values_list("pk", flat=True))
    assert len(ids(year=2023)) == 1
    assert len(ids(metric=Metric.COMMUNES_STANDARD)) == 3
    assert len(ids(metric=Metric.COMMUNES_STANDARD, basis=Basis.NEW_IN_YEAR)) == 2
    assert len(ids(scope="period")) == 1
    assert ids(area=small.province.code) == set(Target.objects.values_list("pk", flat=True))
    assert client.get(TARGETS, {"metric": "bogus"}).status_code == 400


# Money rows


def test_funding_and_disbursements_in_the_area(area_tree, provincial_staff):
    client = client_for(provincial_staff)

    funding = client.post(
        FUNDING,
        {"unit": area_tree.dan_tien.pk, "year": 2025, "source": FundingSource.COMMUNITY, "amount_vnd": "250000000"},
    )
    assert funding.status_code == 201, funding.content
    wrong_year = client.post(
        DISBURSEMENTS,
        {
            "unit": area_tree.thai_nguyen.pk,
            "year": 2025,
            "cutoff_date": "2023-12-31",
            "capital_type": Disbursement.CapitalType.INVESTMENT,
            "allocated_vnd": "100",
            "disbursed_vnd": "50",
        },
    )
    assert wrong_year.status_code == 400
    assert set(wrong_year.json()) == {"cutoff_date"}
    negative = client.post(
        FUNDING, {"unit": area_tree.dan_tien.pk, "year": 2025, "source": FundingSource.CREDIT, "amount_vnd": "-1"}
    )
    assert negative.status_code == 400
    assert Funding.objects.count() == 1
    assert client.get(FUNDING, {"area": "19"}).json()["count"] == 1
    assert client_for(provincial_staff).post(FIGURES, {}).status_code == 400


def test_money_rows_outside_the_area_are_404(area_tree, provincial_staff):
    row = Funding.objects.create(
        unit=area_tree.hoa_an, year=2025, source=FundingSource.COMMUNITY, amount_vnd=Decimal(1000)
    )

    assert client_for(provincial_staff).get(f"{FUNDING}{row.pk}/").status_code == 404
    assert client_for(provincial_staff).get(FUNDING).json()["count"] == 0


# Query counts


@pytest.mark.parametrize("url", [TARGETS, FUNDING])
def test_list_query_count_is_the_same_for_5_and_30_rows(area_tree, provincial_staff, url):
    counts = []
    for first, last in ((0, 5), (5, 30)):
        for n in range(first, last):
            if url == TARGETS:
                Target.objects.create(
                    unit=area_tree.thai_nguyen,
                    year=2026,
                    metric=Metric.COMMUNES_UNDER,
                    parameter=n + 1,
                    basis=Basis.CUMULATIVE,
                    value=n,
                )
            else:
                Funding.objects.create(
                    unit=area_tree.dan_tien, year=2000 + n, source=FundingSource.COMMUNITY, amount_vnd=Decimal(n)
                )
        client = client_for(User.objects.get(pk=provincial_staff.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.json()["count"] == last
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 7

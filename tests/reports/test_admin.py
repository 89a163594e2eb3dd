"""Admin of the reports models: lists scoped to the user's area, saves outside it refused, money in
million VND, and a fixed number of queries per list page."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from communes.access import user_area_forget
from reports.models import Basis, Disbursement, Funding, FundingSource, Metric, Target

pytestmark = pytest.mark.django_db

BILLION = 10**9


def _grant(user, *models: str) -> None:
    """The reports permissions (the role groups hold only the communes ones)."""
    codenames = [f"{verb}_{model}" for model in models for verb in ("view", "add", "change")]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="reports", codename__in=codenames))
    user_area_forget(user)


@pytest.fixture
def funding_rows(area_tree):
    t = area_tree
    rows = {
        "old_commune": Funding.objects.create(
            unit=t.ngoc_phai, year=2024, source=FundingSource.COMMUNITY, amount_vnd=Decimal("1274790500000")
        ),
        "today_commune": Funding.objects.create(
            unit=t.xa_cho_don, year=2025, source=FundingSource.COMMUNITY, amount_vnd=BILLION
        ),
        "other_district": Funding.objects.create(
            unit=t.khang_ninh, year=2024, source=FundingSource.COMMUNITY, amount_vnd=BILLION
        ),
        "other_province": Funding.objects.create(
            unit=t.hoa_an, year=2025, source=FundingSource.COMMUNITY, amount_vnd=BILLION
        ),
    }
    return rows


def test_funding_list_shows_only_the_users_area_in_million_vnd(client, provincial_staff, funding_rows):
    _grant(provincial_staff, "funding")
    client.force_login(provincial_staff)
    response = client.get(reverse("admin:reports_funding_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    shown = set(response.context["cl"].result_list)
    assert shown == {funding_rows["old_commune"], funding_rows["today_commune"], funding_rows["other_district"]}
    assert "1.274.790,5" in response.content.decode()  # million VND, Vietnamese separators


def test_a_district_official_sees_only_their_district_and_what_it_became(client, district_official, funding_rows):
    _grant(district_official, "funding")
    district_official.is_staff = True
    district_official.save()
    client.force_login(district_official)
    response = client.get(reverse("admin:reports_funding_changelist"))
    assert set(response.context["cl"].result_list) == {funding_rows["old_commune"], funding_rows["today_commune"]}
    other = funding_rows["other_district"]
    assert client.get(reverse("admin:reports_funding_change", args=[other.pk])).status_code == 302  # not found


def test_a_target_outside_the_area_is_refused(client, provincial_staff, area_tree):
    _grant(provincial_staff, "target")
    client.force_login(provincial_staff)
    data = {
        "unit": area_tree.cao_bang.pk,
        "scope": Target.Scope.YEAR,
        "year": 2026,
        "metric": Metric.COMMUNES_STANDARD,
        "basis": Basis.CUMULATIVE,
        "value": "10",
    }
    response = client.post(reverse("admin:reports_target_add"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not Target.objects.exists()
    data["unit"] = area_tree.thai_nguyen.pk
    assert client.post(reverse("admin:reports_target_add"), data).status_code == 302
    assert Target.objects.get().unit == area_tree.thai_nguyen


def test_target_form_checks_parameter_and_period(client, superuser, area_tree):
    client.force_login(superuser)
    data = {
        "unit": area_tree.thai_nguyen.pk,
        "scope": Target.Scope.PERIOD,
        "year": 2030,
        "metric": Metric.COMMUNES_UNDER,
        "basis": Basis.CUMULATIVE,
        "value": "0",
    }
    response = client.post(reverse("admin:reports_target_add"), data, HTTP_ACCEPT_LANGUAGE="en")
    errors = response.context["adminform"].form.errors
    assert "period_start" in errors and "parameter" in errors
    data |= {"period_start": 2026, "parameter": 10}
    assert client.post(reverse("admin:reports_target_add"), data).status_code == 302


def test_a_commune_cannot_hold_a_target(client, superuser, area_tree):
    client.force_login(superuser)
    data = {
        "unit": area_tree.xa_cho_don.pk,
        "scope": Target.Scope.YEAR,
        "year": 2026,
        "metric": Metric.COMMUNES_STANDARD,
        "basis": Basis.CUMULATIVE,
        "value": "1",
    }
    response = client.post(reverse("admin:reports_target_add"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert "unit" in response.context["adminform"].form.errors


@pytest.mark.parametrize("rows", [3, 25])
def test_disbursement_list_query_count_is_fixed(client, superuser, area_tree, django_assert_max_num_queries, rows):
    from tests.factories import CommuneFactory

    for n in range(rows):
        Disbursement.objects.create(
            unit=CommuneFactory(parent=area_tree.thai_nguyen),
            year=2025,
            cutoff_date=datetime.date(2025, 12, 31),
            capital_type=Disbursement.CapitalType.INVESTMENT,
            allocated_vnd=4 * BILLION,
            disbursed_vnd=3 * BILLION + n,
        )
    client.force_login(superuser)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:reports_disbursement_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows

"""The assessment entry screen in a real browser: live met / not-met feedback as the user types, then the
server's evaluation after saving."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from communes.models import Confidence, Threshold
from communes.services.assessments import assessment_create
from tests.factories import CriteriaSetFactory, CriterionFactory, IndicatorFactory


@pytest.fixture
def entry(transactional_db, area_tree, provincial_staff):
    """A draft 2024 assessment of Xã Ngọc Phái against a one-criterion set: 2.1 road share ≥ 80 %."""
    criteria_set = CriteriaSetFactory(period_start=2021, period_end=2025, official_criterion_count=1)
    criterion = CriterionFactory(criteria_set=criteria_set, number=1, group="II", name_vi="Giao thông")
    indicator = IndicatorFactory(
        criterion=criterion,
        code="2.1",
        description_vi="Tỷ lệ đường xã được nhựa hóa",
        unit="%",
        comparator="gte",
        min_value=Decimal(0),
        max_value=Decimal(100),
    )
    Threshold.objects.create(indicator=indicator, value=Decimal(80), confidence=Confidence.VERIFIED)
    assessment = assessment_create(unit=area_tree.ngoc_phai, year=2024, by=provincial_staff)
    return assessment, indicator


def log_in(page: Page, live_server, user) -> None:
    """Reuse a session made by the test client instead of typing a password into the admin."""
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": session.value, "url": live_server.url}])


def test_the_entry_screen_shows_met_and_not_met_as_you_type(page: Page, live_server, entry, provincial_staff):
    assessment, indicator = entry
    log_in(page, live_server, provincial_staff)
    page.goto(live_server.url + reverse("communes:assessment_entry", args=[assessment.pk]))

    row = page.locator(f"#row-i{indicator.pk}")
    status = row.locator(".js-indicator-status")
    criterion_status = page.locator("#criterion-1 .js-criterion-status")
    expect(row.locator(".threshold")).to_contain_text("≥ 80")
    expect(status).to_have_attribute("data-state", "empty")

    row.locator("input.js-value").fill("60")
    expect(status).to_have_attribute("data-state", "not-met")
    expect(status).to_have_text("Chưa đạt")
    expect(criterion_status).to_have_attribute("data-state", "not_met")

    row.locator("input.js-value").fill("85.5")
    expect(status).to_have_attribute("data-state", "met")
    expect(status).to_have_text("Đạt")
    expect(criterion_status).to_have_attribute("data-state", "met")

    page.locator("#save-button").click()

    expect(page.locator(".message-success")).to_be_visible()
    saved_row = page.locator(f"#row-i{indicator.pk}")
    expect(saved_row.locator(".js-indicator-status")).to_have_attribute("data-state", "met")
    expect(saved_row.locator("input.js-value")).to_have_value("85.5")
    expect(page.locator("#criteria-met")).to_have_text("1/1")
    expect(page.locator("#criterion-1 .js-criterion-status")).to_have_attribute("data-state", "met")
    page.wait_for_load_state("networkidle")  # no request left in flight when the database is flushed

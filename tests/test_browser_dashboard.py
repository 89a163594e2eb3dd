"""The province dashboard in a real browser: Chart.js, served from our own static files, draws the charts."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from communes.models import Assessment
from reports.models import Funding, FundingSource
from tests.factories import CriteriaSetFactory, CriterionFactory


@pytest.fixture
def dashboard(transactional_db, area_tree):
    """2024 assessments of four communes of the old Bắc Kạn (inside today's Thái Nguyên) and some funding."""
    criteria_set = CriteriaSetFactory(period_start=2021, period_end=2025)
    for number in range(1, 20):
        CriterionFactory(criteria_set=criteria_set, number=number, name_vi=f"Tiêu chí {number}")
    for unit, met in ((area_tree.ngoc_phai, 19), (area_tree.phuong_vien, 17), (area_tree.khang_ninh, 12)):
        Assessment.objects.create(
            unit=unit,
            year=2024,
            criteria_set=criteria_set,
            criteria_total=19,
            met_count=met,
            met_mask=(1 << met) - 1,
        )
    Funding.objects.create(
        unit=area_tree.bac_kan, year=2024, source=FundingSource.CENTRAL_INVESTMENT, amount_vnd=Decimal(10**12)
    )
    return area_tree


def log_in(page: Page, live_server, user) -> None:
    """Reuse a session made by the test client instead of typing a password into the admin."""
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": session.value, "url": live_server.url}])


def test_the_province_dashboard_draws_its_charts(page: Page, live_server, dashboard, provincial_staff):
    external = []
    page.on(
        "request", lambda request: None if request.url.startswith(live_server.url) else external.append(request.url)
    )
    log_in(page, live_server, provincial_staff)
    page.goto(live_server.url + reverse("reports:province_dashboard", args=[dashboard.thai_nguyen.pk]) + "?year=2024")

    expect(page.locator("h1")).to_contain_text("Tỉnh Thái Nguyên")
    expect(page.locator("canvas[data-chart='chart-bands']")).to_be_visible()
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length > 0")
    drawn = page.evaluate("Object.keys(Chart.instances).length")
    canvases = page.locator("canvas[data-chart]").count()
    assert drawn == canvases >= 5
    width = page.evaluate("document.querySelector(\"canvas[data-chart='chart-bands']\").width")
    assert width > 0
    # The band chart holds the page's counts, and the pass-rate chart reads 0–100 %.
    bands = page.evaluate(
        "Object.values(Chart.instances).find(c => c.canvas.dataset.chart === 'chart-bands').data.datasets[0].data"
    )
    assert bands == [1, 1, 1, 0, 0]
    assert external == []  # no CDN: everything comes from the portal
    page.wait_for_load_state("networkidle")


def test_the_year_selector_reloads_the_page_for_the_chosen_year(page: Page, live_server, dashboard, provincial_staff):
    log_in(page, live_server, provincial_staff)
    page.goto(live_server.url + reverse("reports:province_dashboard", args=[dashboard.thai_nguyen.pk]) + "?year=2024")
    with page.expect_navigation():
        page.select_option("#year-select", str(datetime.date.today().year))
    assert f"year={datetime.date.today().year}" in page.url
    page.wait_for_load_state("networkidle")

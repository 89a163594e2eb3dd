"""The home page in a real browser: Vietnamese first, then English through the header's language switch."""

import pytest
from playwright.sync_api import Page, expect

from communes.models import Kind, Level, Unit
from tests.factories import CommuneFactory, ProvinceFactory


@pytest.fixture
def units(transactional_db) -> None:
    """Two provinces and 1,234 villages in force today, committed so the live server sees them."""
    ProvinceFactory()
    commune = CommuneFactory()
    Unit.objects.bulk_create(
        Unit(code=f"V{n:05d}", name=f"Thôn {n}", level=Level.VILLAGE, kind=Kind.VILLAGE, parent=commune)
        for n in range(1234)
    )


def tile(page: Page, label: str):
    return page.locator(".tile", has=page.locator("dt", has_text=label)).locator("dd")


def test_home_page_switches_from_vietnamese_to_english(page: Page, live_server, units):
    page.goto(live_server.url + "/")

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text("Cổng thông tin điều phối xây dựng nông thôn mới")
    expect(tile(page, "Tỉnh, thành phố")).to_have_text("2")
    expect(tile(page, "Thôn, tổ dân phố")).to_have_text("1.234")

    page.select_option("#language-select", "en")
    page.locator(".language-switch button").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("New Rural Development coordination portal")
    expect(tile(page, "Villages")).to_have_text("1,234")
    expect(page).to_have_url(live_server.url + "/")

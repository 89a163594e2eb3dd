"""The OCOP scoring form in a real browser: total and stars follow the part scores as staff type."""

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.ocop.factories import ProductFactory, rules


@pytest.fixture
def product(transactional_db):
    """A product, with both rules versions present (a flushed transactional database loses the migration's rows)."""
    rules("1048")
    rules("148")
    return ProductFactory()


def log_in(page: Page, live_server, user) -> None:
    """Reuse a session made by the test client instead of typing a password into the admin."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_total_and_stars_update_as_part_scores_are_typed(page: Page, live_server, product, superuser):
    log_in(page, live_server, superuser)
    page.goto(live_server.url + reverse("admin:ocop_ratingevent_add") + f"?product={product.pk}")
    total, stars = page.locator("#ocop-total"), page.locator("#ocop-stars")
    expect(total).to_have_text("–")
    expect(page.locator("#ocop-rules-note")).to_contain_text("148/QĐ-TTg")

    page.select_option("#id_level", "central")
    page.fill("#id_score_a", "30")
    expect(total).to_have_text("30")
    expect(stars).to_have_text("–")  # stars once every part is scored
    page.fill("#id_score_b", "20")
    page.fill("#id_score_c", "25.5")
    expect(total).to_have_text("75,5")  # Vietnamese decimal comma
    expect(stars).to_have_text("★★★★")

    page.fill("#id_score_a", "38")
    page.fill("#id_score_b", "24")
    page.fill("#id_score_c", "28")
    expect(total).to_have_text("90")
    expect(stars).to_have_text("★★★★★")
    page.select_option("#id_level", "province")
    expect(stars).to_contain_text("★★★★ (")  # held as 4 stars, potential 5

    page.fill("#id_score_a", "41")
    expect(page.locator("#id_score_a")).to_have_class("ocop-over")
    expect(page.locator("#id_score_a + .ocop-part-max")).to_contain_text("40")
    page.fill("#id_decision_date", "01/06/2021")  # 1048: part A out of 35
    expect(page.locator("#ocop-rules-note")).to_contain_text("1048/QĐ-TTg")
    expect(page.locator("#id_score_a")).to_have_attribute("max", "35")

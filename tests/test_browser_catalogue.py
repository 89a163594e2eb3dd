"""The public OCOP catalogue in a real browser: filter by stars, open a product, see its QR code."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ocop.models import ProductGroup
from tests.ocop.factories import ProducerFactory, ProductFactory, RatingEventFactory, food_group, rules


@pytest.fixture
def products(transactional_db) -> None:
    """A 3★ food and a 5★ drink with certificates in force, committed so the live server sees them.

    Groups are fetched or created: a transactional test database may have been flushed of the
    migration's data by an earlier test.
    """
    today = timezone.localdate()
    drinks, _ = ProductGroup.objects.get_or_create(
        rules=rules("148"), code="DU", defaults={"name_vi": "Đồ uống", "name_en": "Drinks"}
    )
    producer = ProducerFactory(name="HTX Chè Tân Cương")
    food = ProductFactory(producer=producer, name="Miến dong", group=food_group())
    drink = ProductFactory(producer=producer, name="Trà xanh đóng chai", group=drinks)
    RatingEventFactory(
        product=food,
        score_a=Decimal(25),
        score_b=Decimal(15),
        score_c=Decimal(20),
        decision_date=today - datetime.timedelta(days=30),
    )
    RatingEventFactory(
        product=drink,
        level="central",
        score_a=Decimal(38),
        score_b=Decimal(24),
        score_c=Decimal(30),
        decision_date=today - datetime.timedelta(days=20),
    )


def test_catalogue_filters_by_stars_and_shows_the_products_qr_code(page: Page, live_server, products):
    page.goto(live_server.url + "/ocop/catalogue/")

    rows = page.locator("#catalogue tbody tr")
    expect(rows).to_have_count(2)

    page.select_option("#catalogue-filters select[name=stars]", "5")
    page.locator("#catalogue-filters button[type=submit]").click()

    expect(rows).to_have_count(1)
    expect(rows.first.locator(".stars")).to_have_attribute("data-stars", "5")
    page.get_by_role("link", name="Trà xanh đóng chai").click()

    expect(page.locator("h1")).to_have_text("Trà xanh đóng chai")
    expect(page.locator(".ocop-status")).to_have_attribute("data-state", "valid")
    qr = page.locator(".ocop-qr img")
    expect(qr).to_be_visible()
    page.wait_for_function("() => document.querySelector('.ocop-qr img').complete")
    assert qr.evaluate("img => img.naturalWidth") > 0
    box = qr.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    expect(page.locator(".qr-url")).to_have_text(page.url)

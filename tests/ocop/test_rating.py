"""Rating a product: bands, every rule with its message, authority by period, expiry, kind, current status."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ocop.models import Product, RatingEvent
from ocop.querysets import STATUS_EXPIRED, STATUS_NEVER, STATUS_VALID
from ocop.services import add_months, authority_for, rating_record, rules_in_force, stars_for_total
from tests.ocop.factories import ProductFactory, RatingEventFactory, rules

D = datetime.date
pytestmark = pytest.mark.django_db


def record(product, **kwargs) -> RatingEvent:
    """A province recognition under 148 unless told otherwise (75 points: 4★)."""
    values = {
        "level": "province",
        "score_a": Decimal(30),
        "score_b": Decimal(20),
        "score_c": Decimal(25),
        "decision_number": "1/QĐ-UBND",
        "decision_date": D(2024, 3, 1),
        "certificate_number": "GCN-1",
        "certificate_issued_on": D(2024, 3, 5),
        "by": None,
        **kwargs,
    }
    return rating_record(product=product, **values)


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# Bands


@pytest.mark.parametrize(
    ("total", "stars"),
    [
        (Decimal(100), 5),
        (Decimal(90), 5),
        (Decimal("89.99"), 4),
        (Decimal(70), 4),
        (Decimal("69.99"), 3),
        (Decimal(50), 3),
        (Decimal("49.99"), 2),
        (Decimal(30), 2),
        (Decimal("29.99"), 1),
        (Decimal(0), 1),
        (90, 5),
        (89.99, 4),
    ],
)
def test_stars_follow_the_bands_at_their_edges(total, stars):
    assert stars_for_total(total) == stars


def test_rules_in_force_by_date():
    assert rules_in_force(on=D(2023, 2, 23)).code == "1048"
    assert rules_in_force(on=D(2023, 2, 24)).code == "148"
    assert rules_in_force(on=D(2026, 1, 1)).code == "148"
    with pytest.raises(ValidationError, match="No OCOP rating rules were in force on"):
        rules_in_force(on=D(2019, 8, 20))


# Authority by period: 1048 (to 23/02/2023), 148 (24/02/2023–05/07/2025), 1489 (from 06/07/2025)


@pytest.mark.parametrize(
    ("level", "stars", "on", "basis"),
    [
        ("province", 3, D(2021, 5, 1), "1048/QĐ-TTg"),
        ("province", 4, D(2023, 2, 23), "1048/QĐ-TTg"),
        ("central", 5, D(2021, 5, 1), "1048/QĐ-TTg"),
        ("district", 3, D(2023, 2, 24), "148/QĐ-TTg"),
        ("district", 3, D(2025, 7, 5), "148/QĐ-TTg"),
        ("province", 4, D(2024, 6, 1), "148/QĐ-TTg"),
        ("central", 5, D(2024, 6, 1), "148/QĐ-TTg"),
        ("province", 3, D(2025, 7, 6), "1489/QĐ-TTg (sửa đổi 148/QĐ-TTg)"),
        ("province", 4, D(2026, 1, 1), "1489/QĐ-TTg (sửa đổi 148/QĐ-TTg)"),
        ("central", 5, D(2026, 1, 1), "1489/QĐ-TTg (sửa đổi 148/QĐ-TTg)"),
    ],
)
def test_authority_for_finds_the_rule_of_the_period(level, stars, on, basis):
    assert authority_for(level=level, stars=stars, on=on).legal_basis == basis


@pytest.mark.parametrize(
    ("level", "stars", "on"),
    [
        ("district", 3, D(2023, 2, 23)),  # before 148 districts recognised nothing
        ("district", 3, D(2025, 7, 6)),  # 1489 took it back
        ("province", 3, D(2024, 6, 1)),  # under 148 the province recognised 4★ only
        ("province", 5, D(2024, 6, 1)),
        ("district", 4, D(2024, 6, 1)),
        ("commune", 3, D(2026, 1, 1)),
        ("central", 4, D(2026, 1, 1)),
    ],
)
def test_authority_for_is_none_when_the_level_could_not(level, stars, on):
    assert authority_for(level=level, stars=stars, on=on) is None


# Recording: the happy paths


def test_a_province_recognition_is_recorded_with_computed_total_stars_and_validity(superuser):
    product = ProductFactory()

    event = record(product, by=superuser)

    event.refresh_from_db()
    assert (event.total, event.stars, event.kind, event.rules.code) == (Decimal(75), 4, "new", "148")
    assert event.potential_five_stars is False
    assert event.valid_until == D(2027, 3, 5)
    assert event.history.get().history_user == superuser


def test_valid_until_is_36_calendar_months_after_issue_and_29_february_becomes_28():
    assert add_months(D(2024, 2, 29), 36) == D(2027, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2023, 11, 15), 36) == D(2026, 11, 15)
    event = record(ProductFactory(), decision_date=D(2024, 2, 29), certificate_issued_on=D(2024, 2, 29))
    assert event.valid_until == D(2027, 2, 28)


def test_a_province_score_of_90_is_held_as_4_stars_with_potential_5():
    event = record(ProductFactory(), score_a=Decimal(38), score_b=Decimal(24), score_c=Decimal(28), stars=4)

    assert (event.total, event.stars, event.potential_five_stars) == (Decimal(90), 4, True)


def test_a_central_score_of_90_gives_5_stars_without_potential():
    event = record(ProductFactory(), level="central", score_a=Decimal(38), score_b=Decimal(24), score_c=Decimal(28))

    assert (event.stars, event.potential_five_stars) == (5, False)


def test_a_district_recognised_3_stars_under_148():
    event = record(ProductFactory(), level="district", score_a=Decimal(25), score_b=Decimal(15), score_c=Decimal(20))

    assert (event.stars, event.level) == (3, "district")


def test_the_province_recognised_3_stars_under_1048_and_again_under_1489():
    product = ProductFactory()
    first = record(
        product,
        score_a=Decimal(25),
        score_b=Decimal(15),
        score_c=Decimal(20),
        decision_date=D(2021, 5, 4),
        certificate_issued_on=D(2021, 5, 4),
    )
    second = record(
        product,
        score_a=Decimal(25),
        score_b=Decimal(15),
        score_c=Decimal(20),
        decision_number="9/QĐ-UBND",
        decision_date=D(2025, 8, 1),
        certificate_issued_on=D(2025, 8, 1),
    )

    assert (first.rules.code, first.stars, second.rules.code, second.stars) == ("1048", 3, "148", 3)


def test_a_commune_pre_assessment_is_recorded_without_decision_under_todays_rules():
    event = record(
        ProductFactory(),
        level="commune",
        decision_number="",
        decision_date=None,
        certificate_number="",
        certificate_issued_on=None,
    )

    assert (event.stars, event.rules.code, event.decision_date, event.valid_until) == (4, "148", None, None)
    assert not event.is_recognition


def test_an_evaluation_below_50_without_decision_is_recorded_as_2_stars():
    event = record(
        ProductFactory(),
        level="district",
        score_a=Decimal(20),
        score_b=Decimal(10),
        score_c=Decimal(15),
        decision_number="",
        decision_date=None,
        certificate_number="",
        certificate_issued_on=None,
    )

    assert (event.total, event.stars, event.is_recognition) == (Decimal(45), 2, False)


def test_explicit_rules_are_used_even_outside_their_period():
    event = record(ProductFactory(), rules=rules("1048"), score_a=Decimal(35), score_c=Decimal(20))

    assert event.rules.code == "1048"


# Recording: each rule refused with its message, nothing saved


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"score_a": Decimal(41)}, "score_a", "Part A score 41 exceeds the maximum 40 of 148/QĐ-TTg"),
        ({"score_b": Decimal("25.5")}, "score_b", "Part B score 25.5 exceeds the maximum 25 of 148/QĐ-TTg"),
        ({"score_c": Decimal(36)}, "score_c", "Part C score 36 exceeds the maximum 35 of 148/QĐ-TTg"),
        ({"score_a": Decimal(-1)}, "score_a", "Part A score -1 is negative."),
        ({"score_c": None}, "score_c", "Give the part C score."),
        (
            {"score_a": Decimal(36), "decision_date": D(2022, 5, 1), "certificate_issued_on": D(2022, 5, 1)},
            "score_a",
            "Part A score 36 exceeds the maximum 35 of 1048/QĐ-TTg",
        ),
        ({"total": Decimal(80)}, "total", "The total 80 does not equal parts A + B + C = 75."),
        ({"stars": 3}, "stars", "3 stars do not match the total 75, which gives 4 stars."),
        (
            {"score_a": Decimal(38), "score_b": Decimal(24), "score_c": Decimal(28), "stars": 5},
            "stars",
            "5 stars do not match: a province-level total of 90 is held as 4 stars (potential 5 stars)",
        ),
        (
            {"score_a": Decimal(25), "score_b": Decimal(15), "score_c": Decimal(20)},
            "level",
            "The evaluating level Province could not recognise 3 stars on 01/03/2024; only District (148/QĐ-TTg) "
            "could.",
        ),
        (
            {"level": "district"},
            "level",
            "The evaluating level District could not recognise 4 stars on 01/03/2024; only Province (148/QĐ-TTg) "
            "could.",
        ),
        (
            {"level": "central"},
            "level",
            "The evaluating level Central (ministry) could not recognise 4 stars",
        ),
        (
            {
                "level": "district",
                "score_a": Decimal(25),
                "score_b": Decimal(15),
                "score_c": Decimal(20),
                "decision_date": D(2025, 7, 6),
                "certificate_issued_on": D(2025, 7, 6),
            },
            "level",
            "only Province (1489/QĐ-TTg (sửa đổi 148/QĐ-TTg)) could.",
        ),
        (
            {
                "level": "district",
                "score_a": Decimal(25),
                "score_b": Decimal(15),
                "score_c": Decimal(20),
                "decision_date": D(2022, 7, 6),
                "certificate_issued_on": D(2022, 7, 6),
            },
            "level",
            "only Province (1048/QĐ-TTg) could.",
        ),
        ({"level": "commune"}, "decision_number", "A commune pre-assessment recognises nothing"),
        ({"level": "commune"}, "certificate_issued_on", "A commune pre-assessment recognises nothing"),
        (
            {"level": "district", "score_a": Decimal(20), "score_b": Decimal(10), "score_c": Decimal(15)},
            "decision_number",
            "A total of 45 gives 2 stars, which OCOP does not recognise (3 stars at least)",
        ),
        (
            {"certificate_issued_on": D(2024, 2, 28)},
            "certificate_issued_on",
            "The certificate cannot be dated before its decision: issued on 28/02/2024, decision of 01/03/2024.",
        ),
        (
            {"decision_number": "", "decision_date": None},
            "certificate_issued_on",
            "A certificate is issued on a decision",
        ),
        ({"decision_number": ""}, "decision_number", "Give the number of the decision dated 01/03/2024."),
        ({"decision_date": None}, "decision_date", "Give the date of decision 1/QĐ-UBND."),
        ({"certificate_issued_on": None}, "certificate_issued_on", "Give the issue date of certificate GCN-1."),
        (
            {"decision_date": D(2099, 1, 1), "certificate_issued_on": D(2099, 1, 1)},
            "decision_date",
            "is in the future.",
        ),
        (
            {"decision_date": D(2019, 1, 1), "certificate_issued_on": D(2019, 1, 1)},
            "decision_date",
            "No OCOP rating rules were in force on 01/01/2019.",
        ),
        ({"level": "ward"}, "level", "Choose the evaluating level"),
    ],
)
def test_each_rule_is_refused_with_a_message_naming_the_field(kwargs, field, message):
    product = ProductFactory()

    with pytest.raises(ValidationError) as excinfo:
        record(product, **kwargs)

    assert any(message in text for text in errors_of(excinfo)[field]), errors_of(excinfo)
    assert not RatingEvent.objects.exists()


def test_a_decision_before_the_products_latest_recognition_is_refused():
    product = ProductFactory()
    record(product)

    with pytest.raises(ValidationError) as excinfo:
        record(
            product,
            decision_number="2/QĐ-UBND",
            decision_date=D(2024, 1, 10),
            certificate_issued_on=None,
            certificate_number="",
        )

    assert "before the product's latest recognition (1/QĐ-UBND of 01/03/2024)" in errors_of(excinfo)["decision_date"][0]
    assert RatingEvent.objects.count() == 1


def test_rating_outside_the_users_area_is_refused(area_tree, provincial_staff_other_province):
    product = ProductFactory(producer__commune=area_tree.xa_cho_don)

    with pytest.raises(PermissionDenied):
        record(product, by=provincial_staff_other_province)
    assert not RatingEvent.objects.exists()


def test_provincial_staff_rate_products_of_their_province(area_tree, provincial_staff):
    product = ProductFactory(producer__commune=area_tree.ngoc_phai)  # a commune of the former Bắc Kạn

    assert record(product, by=provincial_staff).history.get().history_user == provincial_staff


# Kind: new, re-recognition, upgrade


def test_kind_is_derived_new_then_re_recognition_then_upgrade():
    product = ProductFactory()
    first = record(
        product,
        decision_date=D(2021, 3, 1),
        certificate_issued_on=D(2021, 3, 1),
        score_a=Decimal(25),
        score_b=Decimal(15),
        score_c=Decimal(20),
    )
    again = record(
        product,
        decision_number="2/QĐ-UBND",
        decision_date=D(2024, 2, 20),
        certificate_issued_on=D(2024, 2, 25),
        score_a=Decimal(25),
        score_b=Decimal(15),
        score_c=Decimal(20),
        level="district",  # under 148 the district recognised 3 stars
    )
    upgrade = record(
        product, decision_number="3/QĐ-UBND", decision_date=D(2025, 1, 10), certificate_issued_on=D(2025, 1, 10)
    )

    assert [(e.kind, e.stars) for e in (first, again, upgrade)] == [("new", 3), ("re_recognition", 3), ("upgrade", 4)]


def test_a_kind_that_contradicts_the_history_is_refused():
    product = ProductFactory()
    record(product)

    with pytest.raises(ValidationError) as excinfo:
        record(
            product,
            kind="upgrade",
            decision_number="2/QĐ-UBND",
            decision_date=D(2024, 6, 1),
            certificate_issued_on=D(2024, 6, 1),
        )
    assert "4 stars are not more than the 4 stars of 1/QĐ-UBND" in errors_of(excinfo)["kind"][0]
    with pytest.raises(ValidationError) as excinfo:
        record(
            product,
            kind="new",
            decision_number="2/QĐ-UBND",
            decision_date=D(2024, 6, 1),
            certificate_issued_on=D(2024, 6, 1),
        )
    assert "the product was recognised 4 stars by 1/QĐ-UBND" in errors_of(excinfo)["kind"][0]


def test_re_recognition_without_a_recorded_earlier_decision_is_accepted():
    event = record(ProductFactory(), kind="re_recognition")

    assert event.kind == "re_recognition"


# Current status


def status_of(product, on):
    return Product.objects.with_current_status(on=on).get(pk=product.pk)


def test_current_status_is_valid_until_the_last_day_then_expired():
    product = ProductFactory()
    event = RatingEventFactory(product=product, decision_date=D(2021, 6, 1))

    on_last_day = status_of(product, event.valid_until)
    day_after = status_of(product, event.valid_until + datetime.timedelta(days=1))

    assert (on_last_day.status, on_last_day.current_stars, on_last_day.current_valid_until) == (
        STATUS_VALID,
        4,
        D(2024, 6, 1),
    )
    assert (day_after.status, day_after.current_stars, day_after.current_valid_until) == (STATUS_EXPIRED, None, None)
    assert day_after.last_valid_until == D(2024, 6, 1)


def test_an_expired_certificate_is_never_shown_as_valid_even_after_a_later_pre_assessment():
    product = ProductFactory()
    RatingEventFactory(product=product, decision_date=D(2020, 1, 10), score_c=Decimal(35))
    RatingEventFactory(
        product=product,
        level="commune",
        decision_number="",
        decision_date=None,
        certificate_number="",
        certificate_issued_on=None,
    )

    row = status_of(product, D(2026, 1, 1))

    assert (row.status, row.current_stars, row.current_rating_id) == (STATUS_EXPIRED, None, None)


def test_current_status_takes_the_latest_unexpired_recognition():
    product = ProductFactory()
    RatingEventFactory(
        product=product, decision_date=D(2022, 1, 10), score_a=Decimal(25), score_b=Decimal(15), score_c=Decimal(20)
    )
    upgrade = RatingEventFactory(
        product=product,
        decision_date=D(2023, 6, 1),
        kind="upgrade",
        score_a=Decimal(38),
        score_b=Decimal(24),
        score_c=Decimal(30),
    )

    row = status_of(product, D(2024, 1, 1))

    assert (row.status, row.current_stars, row.current_potential_five_stars) == (STATUS_VALID, 4, True)
    assert (row.current_rating_id, row.current_decision_number) == (upgrade.pk, upgrade.decision_number)


def test_a_product_never_recognised_or_only_pre_assessed_is_never():
    never = ProductFactory()
    pre_assessed = ProductFactory()
    RatingEventFactory(
        product=pre_assessed,
        level="commune",
        decision_number="",
        decision_date=None,
        certificate_number="",
        certificate_issued_on=None,
    )
    future = ProductFactory()
    RatingEventFactory(product=future, decision_date=D(2025, 1, 1))

    rows = {p.pk: p.status for p in Product.objects.with_current_status(on=D(2024, 6, 1))}

    assert rows == {never.pk: STATUS_NEVER, pre_assessed.pk: STATUS_NEVER, future.pk: STATUS_NEVER}


def test_current_status_of_a_page_of_products_is_one_query(django_assert_num_queries):
    for n in range(12):
        RatingEventFactory(decision_date=D(2020 + n % 5, 3, 1))

    with django_assert_num_queries(1):
        rows = list(Product.objects.with_current_status(on=D(2024, 6, 1)).select_related("producer", "group")[:10])

    assert len(rows) == 10
    assert {row.status for row in rows} == {STATUS_VALID, STATUS_EXPIRED}

"""Writes to OCOP data: rating a product, with every rule checked.

Every rating event goes through ``rating_record`` (the admin's scoring form checks the same rules
first with ``rating_check``), so the admin, the demo loader and any import apply the same rules:

* each part score lies between 0 and the maximum of the rules version (1048: A 35, B 25, C 40;
  148: A 40, B 25, C 35); the total is A + B + C; the stars follow the bands 90/70/50/30;
* the rules version is the one in force on the decision date (today, for an event without a
  decision such as a commune pre-assessment) unless the caller names one;
* a province-level total of 90 or more is held as 4 stars with "potential 5 stars", awaiting the
  central rating;
* a decision recognises stars only when the evaluating level could recognise that star level on
  the decision date (AuthorityRule rows: 1048 province 3–4★, ministry 5★; 148 district 3★,
  province 4★, ministry 5★; 1489 province 3–4★, ministry 5★). A commune pre-assessment never
  recognises: it carries no decision or certificate;
* below 3 stars (a total under 50) OCOP recognises nothing. Such an evaluation is recorded as an
  event without decision or certificate; one that comes with a decision is refused;
* a decision has a number and a date, not in the future and not before the product's latest
  recognition (ratings are recorded in order, so that the kind can be derived); a certificate
  needs a decision and is not dated before it; valid until = issue date + the rules' validity
  (36 calendar months; 29 February goes to 28 February);
* the kind, when not given, is derived from the product's latest earlier recognition: none → new;
  more stars → upgrade; the same or fewer stars (an expired or expiring certificate re-rated) →
  re-recognition. A kind given that contradicts the recorded history is refused; re-recognition or
  upgrade without a recorded earlier recognition is accepted (older decisions may predate the data).

A problem is a ValidationError keyed by the argument at fault, so that forms show it beside the
field; nothing is saved then.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from communes.access import user_area
from ocop.models import AuthorityRule, EvaluatingLevel, Product, RatingEvent, RatingRules

FIVE_STARS_TOTAL = Decimal(90)
# (lowest total, stars), best first: the bands of 1048 and 148 alike.
BANDS: tuple[tuple[Decimal, int], ...] = ((FIVE_STARS_TOTAL, 5), (Decimal(70), 4), (Decimal(50), 3), (Decimal(30), 2))
MIN_RECOGNISED_STARS = 3
HELD_STARS = 4  # a province-level "potential 5 stars" is recognised as 4 stars meanwhile

PART_LABELS = {"score_a": "A", "score_b": "B", "score_c": "C"}


def stars_for_total(total: Decimal) -> int:
    """Stars from a total out of 100: 90–100 → 5, 70–<90 → 4, 50–<70 → 3, 30–<50 → 2, below 30 → 1."""
    value = total if isinstance(total, Decimal) else Decimal(str(total))
    for lowest, stars in BANDS:
        if value >= lowest:
            return stars
    return 1


def rules_in_force(*, on: datetime.date) -> RatingRules:
    """The rating rules version in force on a date (ValidationError if none)."""
    rules = (
        RatingRules.objects.filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )
    if rules is None:
        raise ValidationError(gettext("No OCOP rating rules were in force on %(date)s.") % {"date": _date(on)})
    return rules


def authority_for(*, level: str, stars: int, on: datetime.date) -> AuthorityRule | None:
    """The rule that let ``level`` recognise ``stars`` on ``on``, or None if that level could not."""
    return _authority_rules(on=on, stars=stars).filter(level=level).first()


def add_months(date: datetime.date, months: int) -> datetime.date:
    """``date`` plus calendar months; a day the target month lacks becomes its last day (29/02 → 28/02)."""
    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    return date.replace(year=year, month=month, day=min(date.day, calendar.monthrange(year, month)[1]))


def rating_check(
    *,
    product: Product,
    level: str,
    score_a: Decimal | None,
    score_b: Decimal | None,
    score_c: Decimal | None,
    total: Decimal | None = None,
    stars: int | None = None,
    kind: str | None = None,
    decision_number: str = "",
    decision_date: datetime.date | None = None,
    issued_by: str = "",
    council: str = "",
    certificate_number: str = "",
    certificate_issued_on: datetime.date | None = None,
    rules: RatingRules | None = None,
    is_demo: bool = False,
) -> RatingEvent:
    """Check every rule of the module docstring and return the rating event, computed but not saved.

    Raises ValidationError keyed by argument name, with every problem found.
    """
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    decision_number, certificate_number = decision_number.strip(), certificate_number.strip()
    today = timezone.localdate()
    if level not in EvaluatingLevel.values:
        fail("level", gettext("Choose the evaluating level (commune, district, province or central)."))
    if kind not in (None, "") and kind not in RatingEvent.Kind.values:
        fail("kind", gettext("Unknown kind %(kind)s: choose new, re-recognition or upgrade.") % {"kind": kind})

    # The decision and certificate, on their own.
    has_decision = bool(decision_number or decision_date)
    if level == EvaluatingLevel.COMMUNE:
        message = gettext(
            "A commune pre-assessment recognises nothing: it has no decision or certificate. "
            "Leave this field empty, or choose the level that recognised the product."
        )
        given = {
            "decision_number": decision_number,
            "decision_date": decision_date,
            "certificate_number": certificate_number,
            "certificate_issued_on": certificate_issued_on,
        }
        for field, value in given.items():
            if value:
                fail(field, message)
        has_decision = False
    elif has_decision:
        if not decision_number:
            fail("decision_number", gettext("Give the number of the decision dated %(date)s.") % _dated(decision_date))
        if decision_date is None:
            fail("decision_date", gettext("Give the date of decision %(number)s.") % {"number": decision_number})
        elif decision_date > today:
            fail("decision_date", gettext("The decision date %(date)s is in the future.") % _dated(decision_date))
    if level != EvaluatingLevel.COMMUNE and (certificate_number or certificate_issued_on):
        if not has_decision:
            fail(
                "certificate_issued_on" if certificate_issued_on else "certificate_number",
                gettext("A certificate is issued on a decision: give the decision number and date first."),
            )
        if certificate_number and certificate_issued_on is None:
            fail(
                "certificate_issued_on",
                gettext("Give the issue date of certificate %(number)s.") % {"number": certificate_number},
            )
        if certificate_issued_on is not None:
            if decision_date is not None and certificate_issued_on < decision_date:
                fail(
                    "certificate_issued_on",
                    gettext(
                        "The certificate cannot be dated before its decision: issued on %(issued)s, "
                        "decision of %(decision)s."
                    )
                    % {"issued": _date(certificate_issued_on), "decision": _date(decision_date)},
                )
            elif certificate_issued_on > today:
                fail(
                    "certificate_issued_on",
                    gettext("The certificate issue date %(date)s is in the future.") % _dated(certificate_issued_on),
                )

    # The rules version: the one in force on the decision date, or today for an event without one.
    on = decision_date if has_decision and decision_date is not None else today
    if rules is None:
        try:
            rules = rules_in_force(on=on)
        except ValidationError as error:
            fail("decision_date" if has_decision else "rules", error.messages[0])
    if rules is None or errors:
        raise ValidationError(errors)

    # Scores, total and stars.
    scores: dict[str, Decimal] = {}
    maxima = {"score_a": rules.max_part_a, "score_b": rules.max_part_b, "score_c": rules.max_part_c}
    for field, value in (("score_a", score_a), ("score_b", score_b), ("score_c", score_c)):
        part = {"part": PART_LABELS[field]}
        score = _decimal(value)
        if score is None:
            fail(field, gettext("Give the part %(part)s score.") % part)
        elif score < 0:
            fail(field, gettext("Part %(part)s score %(score)s is negative.") % {**part, "score": _number(score)})
        elif score > maxima[field]:
            fail(
                field,
                gettext("Part %(part)s score %(score)s exceeds the maximum %(maximum)s of %(rules)s.")
                % {**part, "score": _number(score), "maximum": maxima[field], "rules": rules},
            )
        else:
            scores[field] = score
    if len(scores) < 3:
        raise ValidationError(errors)
    computed_total = scores["score_a"] + scores["score_b"] + scores["score_c"]
    given_total = _decimal(total)
    if total not in (None, "") and (given_total is None or given_total != computed_total):
        fail(
            "total",
            gettext("The total %(total)s does not equal parts A + B + C = %(sum)s.")
            % {"total": _number(given_total) if given_total is not None else total, "sum": _number(computed_total)},
        )
    band_stars = stars_for_total(computed_total)
    potential_five = level == EvaluatingLevel.PROVINCE and band_stars == 5
    expected_stars = HELD_STARS if potential_five else band_stars
    if stars is not None and stars != expected_stars:
        if potential_five:
            message = gettext(
                "%(stars)s stars do not match: a province-level total of %(total)s is held as 4 stars "
                "(potential 5 stars) until the central rating."
            )
        else:
            message = gettext("%(stars)s stars do not match the total %(total)s, which gives %(expected)s stars.")
        fail("stars", message % {"stars": stars, "total": _number(computed_total), "expected": expected_stars})
    if errors:
        raise ValidationError(errors)

    # What a decision may recognise, and in which order.
    previous = None
    if has_decision:
        if expected_stars < MIN_RECOGNISED_STARS:
            fail(
                "decision_number",
                gettext(
                    "A total of %(total)s gives %(stars)s stars, which OCOP does not recognise (3 stars at least): "
                    "record this evaluation without a decision or certificate."
                )
                % {"total": _number(computed_total), "stars": expected_stars},
            )
        elif authority_for(level=level, stars=expected_stars, on=decision_date) is None:
            fail("level", _authority_message(level=level, stars=expected_stars, on=decision_date))
        previous = _latest_recognition(product)
        if previous is not None and decision_date < previous.decision_date:
            fail(
                "decision_date",
                gettext(
                    "The decision date %(date)s is before the product's latest recognition (%(number)s of "
                    "%(previous)s): record ratings in order."
                )
                % {
                    "date": _date(decision_date),
                    "number": previous.decision_number,
                    "previous": _date(previous.decision_date),
                },
            )
    else:
        previous = _latest_recognition(product)

    derived_kind = _kind_for(previous, expected_stars)
    if kind and previous is not None and kind != derived_kind:
        fail("kind", _kind_message(kind=kind, previous=previous, stars=expected_stars))
    if errors:
        raise ValidationError(errors)

    valid_until = None
    if certificate_issued_on is not None:
        valid_until = add_months(certificate_issued_on, rules.certificate_months)
    return RatingEvent(
        product=product,
        rules=rules,
        level=level,
        kind=kind or derived_kind,
        score_a=scores["score_a"],
        score_b=scores["score_b"],
        score_c=scores["score_c"],
        total=computed_total,
        stars=expected_stars,
        potential_five_stars=potential_five,
        council=council.strip(),
        decision_number=decision_number,
        decision_date=decision_date if has_decision else None,
        issued_by=issued_by.strip(),
        certificate_number=certificate_number,
        certificate_issued_on=certificate_issued_on,
        valid_until=valid_until,
        is_demo=is_demo,
    )


@transaction.atomic
def rating_record(
    *,
    product,
    level: str,
    score_a: Decimal,
    score_b: Decimal,
    score_c: Decimal,
    total: Decimal | None = None,
    stars: int | None = None,
    kind: str | None = None,
    decision_number: str = "",
    decision_date: datetime.date | None = None,
    issued_by: str = "",
    council: str = "",
    certificate_number: str = "",
    certificate_issued_on: datetime.date | None = None,
    rules: RatingRules | None = None,
    is_demo: bool = False,
    by: AbstractBaseUser | None,
) -> RatingEvent:
    """Check every rule and record a rating event.

    total and stars are computed when not given and must match when given; kind (new /
    re-recognition / upgrade) is derived from the product's earlier recognitions when not given;
    valid_until = certificate issue date + the rules' validity; potential 5 stars for a province
    score of 90+. Raises ValidationError keyed by field name (score_a, total, stars, level,
    certificate_issued_on, ...) with a message naming the field and the reason; nothing is saved then.
    ``by`` (None for loaders) must have the producer's commune in their area (PermissionDenied).
    """
    # Lock the product so that two ratings of it cannot derive their kind from the same history.
    product = Product.objects.select_for_update().select_related("producer__commune").get(pk=product.pk)
    if by is not None and not user_area(by).contains(product.producer.commune):
        raise PermissionDenied(
            gettext("You may not rate products of %(commune)s.") % {"commune": product.producer.commune}
        )
    event = rating_check(
        product=product,
        level=level,
        score_a=score_a,
        score_b=score_b,
        score_c=score_c,
        total=total,
        stars=stars,
        kind=kind,
        decision_number=decision_number,
        decision_date=decision_date,
        issued_by=issued_by,
        council=council,
        certificate_number=certificate_number,
        certificate_issued_on=certificate_issued_on,
        rules=rules,
        is_demo=is_demo,
    )
    event.full_clean(validate_unique=False)
    event._history_user = by
    event.save()
    return event


def _authority_rules(*, on: datetime.date, stars: int):
    return (
        AuthorityRule.objects.filter(min_stars__lte=stars, max_stars__gte=stars, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from", "level")
    )


def _authority_message(*, level: str, stars: int, on: datetime.date) -> str:
    allowed = [
        f"{EvaluatingLevel(rule.level).label} ({rule.legal_basis})" for rule in _authority_rules(on=on, stars=stars)
    ]
    values = {"level": EvaluatingLevel(level).label, "stars": stars, "date": _date(on)}
    if not allowed:
        return gettext("No level could recognise %(stars)s stars on %(date)s.") % values
    return gettext(
        "The evaluating level %(level)s could not recognise %(stars)s stars on %(date)s; only %(allowed)s could."
    ) % {**values, "allowed": ", ".join(allowed)}


def _latest_recognition(product: Product) -> RatingEvent | None:
    return (
        RatingEvent.objects.recognitions()
        .filter(product=product, decision_date__isnull=False)
        .order_by("-decision_date", "-id")
        .first()
    )


def _kind_for(previous: RatingEvent | None, stars: int) -> str:
    if previous is None:
        return RatingEvent.Kind.NEW
    if stars > previous.stars:
        return RatingEvent.Kind.UPGRADE
    return RatingEvent.Kind.RE_RECOGNITION


def _kind_message(*, kind: str, previous: RatingEvent, stars: int) -> str:
    values = {
        "kind": RatingEvent.Kind(kind).label,
        "stars": stars,
        "previous_stars": previous.stars,
        "number": previous.decision_number,
        "date": _date(previous.decision_date),
    }
    if kind == RatingEvent.Kind.NEW:
        return (
            gettext(
                "The kind cannot be “%(kind)s”: the product was recognised %(previous_stars)s stars by %(number)s of "
                "%(date)s."
            )
            % values
        )
    if kind == RatingEvent.Kind.UPGRADE:
        return (
            gettext(
                "The kind cannot be “%(kind)s”: %(stars)s stars are not more than the %(previous_stars)s stars of "
                "%(number)s of %(date)s."
            )
            % values
        )
    return (
        gettext(
            "The kind cannot be “%(kind)s”: %(stars)s stars are more than the %(previous_stars)s stars of %(number)s "
            "of %(date)s, an upgrade."
        )
        % values
    )


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def _number(value: Decimal) -> str:
    """41.50 → "41.5" ("41,5" in Vietnamese), 40.00 → "40"."""
    return number_format(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())


def _date(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _dated(value: datetime.date | None) -> dict[str, str]:
    return {"date": _date(value) if value else "?"}

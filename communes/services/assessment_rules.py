"""The rules behind an assessment's figures: which threshold applies to a unit, whether an entered value
meets it, what a criterion's status is, and which entered values are acceptable.

Used by communes.services.assessments, which does the reading and writing. Apart from
``applicable_scopes`` and ``threshold_rows`` (two queries together), nothing here touches the database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.translation import gettext as _

from communes.models import (
    Classification,
    CriteriaSet,
    Criterion,
    CriterionResult,
    CriterionStatus,
    Indicator,
    IndicatorValue,
    Threshold,
    Unit,
    UnitClassification,
)
from communes.querysets import valid_on_q

# IndicatorValue.value is DecimalField(max_digits=14, decimal_places=3).
VALUE_DECIMAL_PLACES = 3
VALUE_LIMIT = Decimal(10) ** (14 - VALUE_DECIMAL_PLACES)
PERCENT_BOUNDS = (Decimal(0), Decimal(100))


# Which threshold applies.


def applicable_scopes(*, unit: Unit, criteria_set: CriteriaSet, on: datetime.date) -> list[int]:
    """Classification ids whose thresholds may apply to ``unit`` on ``on``, most specific first.

    1. the unit's own commune classes (e.g. ĐBKK, ATK), each followed by the class whose thresholds
       it uses (``uses_thresholds_of``: ĐBKK → TDMNPB under 318/QĐ-TTg);
    2. the unit's own commune group (2026–2030);
    3. the unit's region: its own region row if it has one, else its province version's region.
    The national value (scope empty) comes after all of these. Classifications defined by another
    criteria set (``Classification.criteria_set``) are ignored. Several classes of one rank are taken
    in code order. One query.
    """
    units = Q(unit=unit)
    if unit.province_id:
        units |= Q(unit_id=unit.province_id)
    rows = (
        UnitClassification.objects.filter(units, valid_on_q(on))
        .filter(Q(classification__criteria_set__isnull=True) | Q(classification__criteria_set=criteria_set))
        .select_related("classification")
        .order_by("classification__code", "pk")
    )
    classes: list[int] = []
    groups: list[int] = []
    own_regions: list[int] = []
    province_regions: list[int] = []
    for row in rows:
        classification = row.classification
        own = row.unit_id == unit.pk
        if classification.scheme == Classification.Scheme.REGION:
            (own_regions if own else province_regions).append(classification.pk)
        elif not own:
            continue  # a province's class or group says nothing about its communes
        elif classification.scheme == Classification.Scheme.COMMUNE_CLASS:
            classes.append(classification.pk)
            if classification.uses_thresholds_of_id:
                classes.append(classification.uses_thresholds_of_id)
        elif classification.scheme == Classification.Scheme.COMMUNE_GROUP:
            groups.append(classification.pk)
    ordered = classes + groups + (own_regions or province_regions)
    return list(dict.fromkeys(ordered))


def pick_thresholds(rows: Iterable[Threshold], scopes: list[int]) -> dict[tuple[int, str], Threshold]:
    """For each (indicator id, part), the row of the most specific scope, a year-specific row before an
    any-year row of the same scope. ``rows`` are already limited to the scopes, the national value and
    the year (or no year)."""
    national = len(scopes)
    rank = {scope_id: n for n, scope_id in enumerate(scopes)}
    best: dict[tuple[int, str], tuple[tuple[int, int], Threshold]] = {}
    for row in rows:
        order = (rank.get(row.scope_id, national), 0 if row.year is not None else 1)
        key = (row.indicator_id, row.part)
        if key not in best or order < best[key][0]:
            best[key] = (order, row)
    return {key: row for key, (_order, row) in best.items()}


def threshold_rows(*, criteria_set: CriteriaSet, scopes: list[int], year: int):
    """The threshold rows of the set that may apply for ``scopes`` and ``year`` (one query when evaluated)."""
    return (
        Threshold.objects.filter(indicator__criteria_set=criteria_set)
        .filter(Q(scope__isnull=True) | Q(scope_id__in=scopes))
        .filter(Q(year__isnull=True) | Q(year=year))
        .select_related("scope")
    )


# Evaluation (no queries).


def value_met(value: IndicatorValue, indicator: Indicator, threshold: Threshold | None) -> bool | None:
    """Whether one entered value (or part) meets its threshold; None when that cannot be told."""
    if value.not_applicable:
        return True if indicator.not_applicable_allowed else None
    if indicator.comparator == Indicator.Comparator.PASS_FAIL:
        return value.passed
    if threshold is None or threshold.value is None or value.value is None:
        return None
    if indicator.comparator == Indicator.Comparator.AT_MOST:
        return value.value <= threshold.value
    return value.value >= threshold.value


def is_entered(value: IndicatorValue) -> bool:
    return value.value is not None or value.passed is not None or value.not_applicable


def applicable_parts(thresholds: dict[tuple[int, str], Threshold]) -> dict[int, list[str]]:
    """The parts of each indicator that have a threshold applying to this unit."""
    parts: dict[int, list[str]] = defaultdict(list)
    for indicator_id, part in sorted(thresholds):
        parts[indicator_id].append(part)
    return parts


def required_parts(indicator: Indicator, parts: dict[int, list[str]]) -> list[str]:
    """The parts that must be met for this unit: the parts of the thresholds that apply to it ("" for
    a plain indicator, a pass/fail one, or one without any applicable threshold)."""
    if indicator.comparator == Indicator.Comparator.PASS_FAIL:
        return [""]
    return parts.get(indicator.pk) or [""]


def indicator_met(indicator: Indicator, values: dict[str, IndicatorValue], parts: dict[int, list[str]]) -> bool | None:
    """An indicator is met when all its required parts are met (or it is marked not applicable where
    allowed); not met when one part is not met; unknown otherwise."""
    whole = values.get("")
    if whole is not None and whole.not_applicable and indicator.not_applicable_allowed:
        return True
    flags = [values[part].met if part in values else None for part in required_parts(indicator, parts)]
    if any(flag is False for flag in flags):
        return False
    if all(flag is True for flag in flags):
        return True
    return None


def computed_status(flags: list[bool | None]) -> str:
    """A criterion's status from its indicators' flags: met only when all are met, not met when one is
    not, "" (not assessed) when some are unknown or the criterion has no indicators loaded."""
    if not flags:
        return ""
    if any(flag is False for flag in flags):
        return CriterionStatus.NOT_MET
    if all(flag is True for flag in flags):
        return CriterionStatus.MET
    return ""


@dataclass
class Evaluation:
    """What evaluating changed in memory (the caller writes it) and the standing it implies."""

    changed_values: list[IndicatorValue] = field(default_factory=list)
    changed_results: list[CriterionResult] = field(default_factory=list)
    criteria_total: int = 0
    met_count: int = 0
    substantially_met_count: int = 0
    met_mask: int = 0


def evaluate(
    *,
    criteria: list[Criterion],
    indicators: list[Indicator],
    thresholds: dict[tuple[int, str], Threshold],
    values: list[IndicatorValue],
    results: list[CriterionResult],
) -> Evaluation:
    """Set each value's ``met`` and ``threshold``, each result's ``status``, and count the standing.

    A status set by hand (``is_manual``) stands only while none of the criterion's indicators is
    entered; the save service refuses the other case, so this is a backstop.
    """
    outcome = Evaluation(criteria_total=len(criteria))
    by_indicator: dict[int, dict[str, IndicatorValue]] = defaultdict(dict)
    indicators_by_id = {indicator.pk: indicator for indicator in indicators}
    for value in values:
        indicator = indicators_by_id.get(value.indicator_id)
        if indicator is None:
            continue
        threshold = thresholds.get((value.indicator_id, value.part))
        met = value_met(value, indicator, threshold)
        threshold_id = threshold.pk if threshold is not None and not value.not_applicable else None
        if indicator.comparator == Indicator.Comparator.PASS_FAIL:
            threshold_id = None
        if (value.met, value.threshold_id) != (met, threshold_id):
            value.met, value.threshold_id = met, threshold_id
            outcome.changed_values.append(value)
        by_indicator[value.indicator_id][value.part] = value

    parts = applicable_parts(thresholds)
    flags_by_criterion: dict[int, list[bool | None]] = defaultdict(list)
    entered_criteria: set[int] = set()
    for indicator in indicators:
        indicator_values = by_indicator.get(indicator.pk, {})
        flags_by_criterion[indicator.criterion_id].append(indicator_met(indicator, indicator_values, parts))
        if any(is_entered(v) for v in indicator_values.values()):
            entered_criteria.add(indicator.criterion_id)

    numbers = {criterion.pk: criterion.number for criterion in criteria}
    for result in results:
        status = computed_status(flags_by_criterion.get(result.criterion_id, []))
        if result.is_manual and result.criterion_id not in entered_criteria:
            status = result.status
        if result.status != status:
            result.status = status
            outcome.changed_results.append(result)
        if status == CriterionStatus.MET:
            outcome.met_count += 1
            outcome.met_mask |= 1 << (numbers[result.criterion_id] - 1)
        elif status == CriterionStatus.SUBSTANTIALLY_MET:
            outcome.substantially_met_count += 1
    return outcome


# Checking entered values (no queries).


def value_key(indicator: Indicator, part: str) -> str:
    """The key of an input in the ValidationError dict (the data-entry form maps it to its field)."""
    return f"indicator:{indicator.code}:{part}" if part else f"indicator:{indicator.code}"


def number(value: object) -> Decimal | None:
    """A Decimal from what the caller passed (Decimal, int, float or str); ValueError if it is none."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(value) from exc


def value_bounds(indicator: Indicator) -> tuple[Decimal | None, Decimal | None]:
    """The possible range of an indicator's values; a rate in % without bounds of its own is 0–100."""
    low, high = indicator.min_value, indicator.max_value
    if low is None and high is None and indicator.unit.strip().startswith("%"):
        return PERCENT_BOUNDS
    return low, high


def _plain(value: Decimal) -> str:
    """95.000 -> "95", 16.300 -> "16.3" (never 1E+2)."""
    return format(value.normalize(), "f")


def input_problems(
    *,
    indicator: Indicator,
    part: str,
    value: Decimal | None,
    passed: bool | None,
    not_applicable: bool,
    parts: set[str],
) -> list[str]:
    """Everything wrong with one input for ``indicator`` (whose thresholds have ``parts``)."""
    problems = []
    code = indicator.code
    pass_fail = indicator.comparator == Indicator.Comparator.PASS_FAIL
    compound = bool(parts) and "" not in parts
    if part and part not in parts:
        if compound:
            problems.append(
                _("Indicator %(code)s has no part “%(part)s”; its parts are: %(parts)s.")
                % {"code": code, "part": part, "parts": "; ".join(f"“{p}”" for p in sorted(parts))}
            )
        else:
            problems.append(
                _("Indicator %(code)s is not divided into parts (“%(part)s” given).") % {"code": code, "part": part}
            )
    elif not part and compound and not not_applicable and (value is not None or passed is not None):
        problems.append(
            _("Indicator %(code)s is entered part by part: %(parts)s.")
            % {"code": code, "parts": "; ".join(f"“{p}”" for p in sorted(parts))}
        )
    if not_applicable:
        if not indicator.not_applicable_allowed:
            problems.append(_("Indicator %(code)s cannot be marked not applicable.") % {"code": code})
        elif value is not None or passed is not None:
            problems.append(_("Indicator %(code)s is marked not applicable: leave its value empty.") % {"code": code})
        return problems
    if pass_fail and value is not None:
        problems.append(
            _("Indicator %(code)s is pass/fail: say whether it is met instead of entering a number.") % {"code": code}
        )
    if not pass_fail and passed is not None:
        problems.append(_("Indicator %(code)s takes a number, not pass/fail.") % {"code": code})
    if value is not None and not pass_fail:
        problems.extend(_number_problems(indicator, value))
    return problems


def _number_problems(indicator: Indicator, value: Decimal) -> list[str]:
    code = indicator.code
    if not value.is_finite() or abs(value) >= VALUE_LIMIT:
        return [_("%(value)s is not a number indicator %(code)s can hold.") % {"value": value, "code": code}]
    if -value.as_tuple().exponent > VALUE_DECIMAL_PLACES:
        return [
            _("%(value)s has more than %(places)d decimal places (indicator %(code)s).")
            % {"value": value, "places": VALUE_DECIMAL_PLACES, "code": code}
        ]
    low, high = value_bounds(indicator)
    if (low is not None and value < low) or (high is not None and value > high):
        unit = indicator.unit.strip()
        unit = unit if unit.startswith("%") or not unit else f" {unit}"  # 95%, but 45 triệu đồng
        if low is not None and high is not None:
            allowed = _("from %(low)s to %(high)s") % {"low": _plain(low), "high": _plain(high)}
        elif low is not None:
            allowed = _("at least %(low)s") % {"low": _plain(low)}
        else:
            allowed = _("at most %(high)s") % {"high": _plain(high)}
        return [
            _("%(value)s%(unit)s is outside the possible range of indicator %(code)s (%(allowed)s%(unit)s).")
            % {"value": _plain(value), "unit": unit, "code": code, "allowed": allowed}
        ]
    return []

"""Writes to assessments: creating, saving values, evaluating against thresholds, the workflow.

INTERFACE AGREED BETWEEN HELPERS (the evaluation helper implements the bodies; the data-entry and
recognition helpers call these signatures). Every write goes through these functions, which keep the
stored standing (met_count, met_mask, ...) equal to a recount and bump ``version``.

- Every write locks the assessment row (select_for_update) inside one transaction; a problem raises
  before anything is written, so nothing is ever half-saved.
- ``by`` is the user acting. Writes with a user are checked with communes.access.user_can ("enter",
  "submit", "approve", "reopen") and raise PermissionDenied; ``by=None`` is a system write (loaders,
  the demo) and is not checked. History rows (django-simple-history) record ``by``, or the request's
  user through the middleware when ``by`` is None.
- The rules (which threshold applies, when a value or criterion is met, what input is acceptable) are
  in communes.services.assessment_rules.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from communes.access import user_can
from communes.models import (
    Assessment,
    AssessmentTransition,
    CriteriaSet,
    Criterion,
    CriterionResult,
    CriterionStatus,
    Indicator,
    IndicatorValue,
    Kind,
    Level,
    Threshold,
    Unit,
    periods_overlap,
)
from communes.services import assessment_rules as rules

# The unit level each national set level is assessed on.
SET_UNIT_LEVEL: dict[str, str] = {
    CriteriaSet.SetLevel.COMMUNE: Level.COMMUNE,
    CriteriaSet.SetLevel.COMMUNE_ADVANCED: Level.COMMUNE,
    CriteriaSet.SetLevel.COMMUNE_MODEL: Level.COMMUNE,
    CriteriaSet.SetLevel.COMMUNE_MODERN: Level.COMMUNE,
    CriteriaSet.SetLevel.DISTRICT: Level.DISTRICT,
    CriteriaSet.SetLevel.VILLAGE: Level.VILLAGE,
    CriteriaSet.SetLevel.MODEL_VILLAGE: Level.VILLAGE,
}
# The set level whose set is "in force" for a unit of each level (criteria_set_in_force).
STANDARD_SET_LEVEL: dict[str, str] = {
    Level.COMMUNE: CriteriaSet.SetLevel.COMMUNE,
    Level.DISTRICT: CriteriaSet.SetLevel.DISTRICT,
    Level.VILLAGE: CriteriaSet.SetLevel.VILLAGE,
}
VALUE_FIELDS = ["value", "passed", "not_applicable", "evidence", "met", "threshold"]
RESULT_FIELDS = ["status", "is_manual", "manual_reason"]
STANDING_FIELDS = ["criteria_total", "met_count", "substantially_met_count", "met_mask"]


class StaleAssessmentError(Exception):
    """The assessment changed since the form was loaded (its version moved on); nothing was saved."""

    def __init__(self, *, assessment: Assessment, expected_version: int) -> None:
        self.assessment = assessment
        self.expected_version = expected_version
        super().__init__(f"Assessment {assessment.pk} is at version {assessment.version}, not {expected_version}.")


@dataclass(frozen=True)
class IndicatorInput:
    """One entered indicator value (or one part of a compound indicator)."""

    indicator_id: int
    part: str = ""
    value: Decimal | None = None
    passed: bool | None = None
    not_applicable: bool = False
    evidence: str = ""


@dataclass(frozen=True)
class CriterionOverride:
    """A criterion status set by hand (only where indicators are not entered), with its reason."""

    criterion_id: int
    status: str  # a CriterionStatus value, or "" to go back to the computed status
    reason: str = ""


@dataclass
class CopySummary:
    """What "copy from last year" took, set on the new assessment as ``assessment.copy_summary``."""

    source: Assessment | None
    copied: list[str] = field(default_factory=list)  # indicator codes (with the part, if any)
    skipped: list[str] = field(default_factory=list)  # "code: reason"
    message: str = ""


def criteria_set_in_force(*, unit: Unit, year: int) -> CriteriaSet:
    """The national criteria set for the unit's level in force in ``year`` (ValidationError if none).

    Commune-level units get the standard commune set ("commune"), districts the district set. Where
    periods overlap, the set that started last wins.
    """
    set_level = STANDARD_SET_LEVEL.get(unit.level)
    criteria_set = None
    if set_level is not None:
        criteria_set = (
            CriteriaSet.objects.filter(
                province__isnull=True, level=set_level, period_start__lte=year, period_end__gte=year
            )
            .order_by("-period_start", "-effective_from", "-pk")
            .first()
        )
    if criteria_set is None:
        raise ValidationError(
            {
                "criteria_set": _("No national criteria set for a %(level)s covers %(year)s.")
                % {"level": Level(unit.level).label, "year": year}
            }
        )
    return criteria_set


def thresholds_for(
    *, unit: Unit, criteria_set: CriteriaSet, year: int, on: datetime.date | None = None
) -> dict[tuple[int, str], Threshold]:
    """The threshold that applies to ``unit`` in ``year`` for each (indicator id, part) of the set.

    The unit's classifications are those valid on ``on`` (the assessment's review date; 31/12 of
    ``year`` by default). For each (indicator, part) the most specific scope that has a threshold row
    wins, in this order:

    1. a commune class of the unit itself, then the class whose thresholds it uses (``uses_thresholds_of``:
       an ĐBKK or ATK commune under 318/QĐ-TTg takes the TDMNPB value whatever its region);
    2. the unit's commune group (2026–2030 sets);
    3. the unit's region: its own region row, else its province version's region;
    4. the national value (no scope).
    Within a scope, a row for ``year`` beats a row for every year; rows for other years never apply.
    A chosen row may have no value yet (not found in the legal text): the indicator then cannot be
    checked, rather than falling back to a value meant for other units. An (indicator, part) without
    any applicable row is absent. Two queries.
    """
    on = on or datetime.date(year, 12, 31)
    scopes = rules.applicable_scopes(unit=unit, criteria_set=criteria_set, on=on)
    return rules.pick_thresholds(rules.threshold_rows(criteria_set=criteria_set, scopes=scopes, year=year), scopes)


# Creating an assessment.


def assessment_create(
    *,
    unit: Unit,
    year: int,
    by: AbstractBaseUser | None,
    criteria_set: CriteriaSet | None = None,
    review_date: datetime.date | None = None,
    copy_from_previous: bool = False,
    is_demo: bool = False,
) -> Assessment:
    """Create a draft assessment (one criterion result per criterion), optionally copying last year's values.

    ``criteria_set`` defaults to the national set in force (criteria_set_in_force). Refused, with every
    problem in one ValidationError keyed "unit", "year", "review_date" or "criteria_set": a year outside
    the set's period, a unit of another level than the set's (or, for commune sets, not a rural
    commune), a unit version not in force that year, a second assessment of the unit for the year.

    With ``copy_from_previous``, the values of the latest earlier assessment of the unit (or, for a unit
    without one, of its predecessor, when exactly one predecessor has one) are copied: all of them
    under the same set, those of indicators with the same code under another set. What was copied is
    in ``assessment.copy_summary`` (CopySummary).
    """
    if by is not None and not user_can(by, "enter", unit):
        raise PermissionDenied(_("You may not enter assessments for %(unit)s.") % {"unit": unit})
    errors: dict[str, list[str]] = defaultdict(list)
    if criteria_set is None:
        try:
            criteria_set = criteria_set_in_force(unit=unit, year=year)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
    _check_new_assessment(errors, unit=unit, year=year, criteria_set=criteria_set, review_date=review_date)
    if errors:
        raise ValidationError(dict(errors))
    duplicate = _("%(unit)s already has an assessment for %(year)s.") % {"unit": unit, "year": year}
    with transaction.atomic():
        if Assessment.objects.filter(unit=unit, year=year).exists():
            raise ValidationError({"year": duplicate})
        assessment = Assessment(
            unit=unit, year=year, criteria_set=criteria_set, review_date=review_date, is_demo=is_demo
        )
        _set_history_user(assessment, by)
        try:
            with transaction.atomic():
                assessment.save()
        except IntegrityError as exc:  # created meanwhile by someone else
            raise ValidationError({"year": duplicate}) from exc
        criteria = list(Criterion.objects.filter(criteria_set=criteria_set).order_by("number"))
        results = bulk_create_with_history(
            [CriterionResult(assessment=assessment, criterion=criterion) for criterion in criteria],
            CriterionResult,
            default_user=by,
        )
        context = _SetContext.load(assessment)
        values: list[IndicatorValue] = []
        if copy_from_previous:
            assessment.copy_summary, values = _copy_previous(assessment, context)
        evaluation = rules.evaluate(
            criteria=context.criteria,
            indicators=context.indicators,
            thresholds=context.thresholds,
            values=values,
            results=results,
        )
        if values:
            bulk_create_with_history(values, IndicatorValue, default_user=by)
        _write_results(evaluation.changed_results, by)
        _store_standing(assessment, evaluation)
        assessment.save(update_fields=STANDING_FIELDS)
    return assessment


def _check_new_assessment(
    errors: dict[str, list[str]],
    *,
    unit: Unit,
    year: int,
    criteria_set: CriteriaSet,
    review_date: datetime.date | None,
) -> None:
    if not criteria_set.period_start <= year <= criteria_set.period_end:
        errors["year"].append(
            _("%(year)s is outside the period of %(set)s (%(start)s–%(end)s).")
            % {"year": year, "set": criteria_set, "start": criteria_set.period_start, "end": criteria_set.period_end}
        )
    if SET_UNIT_LEVEL.get(criteria_set.level) != unit.level:
        errors["criteria_set"].append(
            _("%(set)s is a set for the %(set_level)s; %(unit)s is a unit of the %(unit_level)s.")
            % {
                "set": criteria_set,
                "set_level": CriteriaSet.SetLevel(criteria_set.level).label,
                "unit": unit,
                "unit_level": Level(unit.level).label,
            }
        )
    elif SET_UNIT_LEVEL[criteria_set.level] == Level.COMMUNE and unit.kind != Kind.COMMUNE:
        errors["unit"].append(
            _("%(unit)s is a %(kind)s: the NTM commune criteria apply to rural communes (xã).")
            % {"unit": unit, "kind": unit.get_kind_display()}
        )
    if criteria_set.province_id and unit.province_id != criteria_set.province_id:
        errors["criteria_set"].append(
            _("%(set)s is a provincial set of another province than %(unit)s's.") % {"set": criteria_set, "unit": unit}
        )
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if not periods_overlap(unit.valid_from, unit.valid_to, first, last):
        errors["unit"].append(
            _("%(unit)s existed only %(period)s, not in %(year)s: assess the version of the unit in force that year.")
            % {"unit": unit, "period": unit.period_label, "year": year}
        )
    if review_date is not None:
        if review_date.year != year:
            errors["review_date"].append(
                _("The review date %(date)s is not in %(year)s.") % {"date": f"{review_date:%d/%m/%Y}", "year": year}
            )
        elif not unit.is_valid_on(review_date):
            errors["review_date"].append(
                _("%(unit)s did not exist on the review date %(date)s (it existed %(period)s).")
                % {"unit": unit, "date": f"{review_date:%d/%m/%Y}", "period": unit.period_label}
            )


def _copy_previous(assessment: Assessment, context: _SetContext) -> tuple[CopySummary, list[IndicatorValue]]:
    """Unsaved copies of the values of the latest earlier assessment of the unit or its predecessor."""
    unit, year = assessment.unit, assessment.year
    earlier = Assessment.objects.filter(year__lt=year).select_related("unit", "criteria_set").order_by("-year", "pk")
    source = earlier.filter(unit=unit).first()
    if source is None:
        candidates = list(earlier.filter(unit__in=unit.predecessors()))
        latest = [a for a in candidates if a.year == candidates[0].year] if candidates else []
        if len(latest) > 1:
            names = ", ".join(str(a.unit) for a in latest)
            message = _(
                "Nothing copied: several predecessors of %(unit)s have assessments for %(year)s (%(names)s), and "
                "values of merged communes cannot be combined."
            ) % {"unit": unit, "year": latest[0].year, "names": names}
            return CopySummary(source=None, message=message), []
        source = latest[0] if latest else None
    if source is None:
        message = _("Nothing copied: there is no earlier assessment of %(unit)s or of a unit it was formed from.") % {
            "unit": unit
        }
        return CopySummary(source=None, message=message), []

    same_set = source.criteria_set_id == assessment.criteria_set_id
    by_id = {indicator.pk: indicator for indicator in context.indicators}
    by_code = {indicator.code: indicator for indicator in context.indicators}
    summary = CopySummary(source=source)
    copies = []
    for old in IndicatorValue.objects.filter(assessment=source).select_related("indicator").order_by("pk"):
        if not rules.is_entered(old) and not old.evidence:
            continue
        label = f"{old.indicator.code} ({old.part})" if old.part else old.indicator.code
        target = by_id.get(old.indicator_id) if same_set else by_code.get(old.indicator.code)
        if target is None:
            summary.skipped.append(
                _("%(code)s: no indicator with this code in %(set)s") % {"code": label, "set": assessment.criteria_set}
            )
            continue
        problems = rules.input_problems(
            indicator=target,
            part=old.part,
            value=old.value,
            passed=old.passed,
            not_applicable=old.not_applicable,
            parts=context.parts.get(target.pk, set()),
        )
        if problems:
            summary.skipped.append(f"{label}: {' '.join(problems)}")
            continue
        copies.append(
            IndicatorValue(
                assessment=assessment,
                indicator=target,
                part=old.part,
                value=old.value,
                passed=old.passed,
                not_applicable=old.not_applicable,
                evidence=old.evidence,
            )
        )
        summary.copied.append(label)
    params = {"count": len(copies), "year": source.year, "unit": source.unit, "set": source.criteria_set}
    if same_set:
        summary.message = _("Copied %(count)d values from the %(year)s assessment of %(unit)s.") % params
    else:
        summary.message = _(
            "Copied %(count)d values of indicators with the same code from the %(year)s assessment of %(unit)s "
            "(%(set)s): %(codes)s."
        ) % {**params, "codes": ", ".join(summary.copied) or "–"}
    if summary.skipped:
        summary.message += " " + _("Not copied: %(skipped)s.") % {"skipped": "; ".join(summary.skipped)}
    return summary, copies


# Saving values and evaluating.


@dataclass
class _SetContext:
    """What evaluating an assessment needs to know about its set and unit (five queries)."""

    criteria: list[Criterion]
    indicators: list[Indicator]
    thresholds: dict[tuple[int, str], Threshold]
    parts: dict[int, set[str]]  # every threshold part of each indicator, whatever its scope or year

    @classmethod
    def load(cls, assessment: Assessment) -> _SetContext:
        criteria_set = assessment.criteria_set
        parts: dict[int, set[str]] = defaultdict(set)
        rows = Threshold.objects.filter(indicator__criteria_set=criteria_set).values_list("indicator_id", "part")
        for indicator_id, part in rows.distinct().order_by():
            parts[indicator_id].add(part)
        return cls(
            criteria=list(Criterion.objects.filter(criteria_set=criteria_set).order_by("number")),
            indicators=list(Indicator.objects.filter(criteria_set=criteria_set).order_by("sort_order", "code")),
            thresholds=thresholds_for(
                unit=assessment.unit, criteria_set=criteria_set, year=assessment.year, on=assessment.review_date
            ),
            parts=parts,
        )


def assessment_save_values(
    *,
    assessment: Assessment,
    expected_version: int,
    values: list[IndicatorInput],
    overrides: list[CriterionOverride] = (),
    note: str | None = None,
    by: AbstractBaseUser | None,
) -> Assessment:
    """Validate and save values and overrides, evaluate, store the standing, bump the version.

    Raises StaleAssessmentError when ``expected_version`` is not the stored version, and
    django.core.exceptions.ValidationError with a dict keyed "indicator:<code>" (or
    "indicator:<code>:<part>") and "criterion:<number>" naming each bad input; nothing is saved then.
    An approved (locked) assessment is refused.

    Inputs replace the stored value of the same (indicator, part). A status set by hand is accepted
    only for a criterion none of whose indicators is entered (after this save), with a reason; an
    override with status "" goes back to the computed status. Returns the saved assessment (a fresh
    instance; the one passed in is not updated).
    """
    with transaction.atomic():
        locked = _lock(assessment)
        if by is not None and not user_can(by, "enter", locked.unit):
            raise PermissionDenied(_("You may not enter assessments for %(unit)s.") % {"unit": locked.unit})
        if locked.version != expected_version:
            raise StaleAssessmentError(assessment=locked, expected_version=expected_version)
        _refuse_locked(locked)
        context = _SetContext.load(locked)
        stored = {(v.indicator_id, v.part): v for v in IndicatorValue.objects.filter(assessment=locked)}
        results = _results(locked, context, by)
        errors: dict[str, list[str]] = defaultdict(list)
        new_rows, edited_rows = _apply_inputs(errors, locked, context, stored, values)
        for row in new_rows:
            stored[(row.indicator_id, row.part)] = row
        edited_results = _apply_overrides(errors, locked, context, stored, results, overrides)
        if errors:
            raise ValidationError(dict(errors))

        evaluation = rules.evaluate(
            criteria=context.criteria,
            indicators=context.indicators,
            thresholds=context.thresholds,
            values=list(stored.values()),
            results=list(results.values()),
        )
        if new_rows:
            bulk_create_with_history(new_rows, IndicatorValue, default_user=by)
        new_ids = {id(row) for row in new_rows}
        changed_values = [row for row in _unique(edited_rows + evaluation.changed_values) if id(row) not in new_ids]
        if changed_values:
            bulk_update_with_history(changed_values, IndicatorValue, VALUE_FIELDS, default_user=by)
        _write_results(_unique(edited_results + evaluation.changed_results), by)
        _store_standing(locked, evaluation)
        if note is not None:
            locked.note = note
        locked.version += 1
        _set_history_user(locked, by)
        locked.save()
    return locked


def _apply_inputs(
    errors: dict[str, list[str]],
    assessment: Assessment,
    context: _SetContext,
    stored: dict[tuple[int, str], IndicatorValue],
    values: list[IndicatorInput],
) -> tuple[list[IndicatorValue], list[IndicatorValue]]:
    """Check each input and apply it in memory: (new rows, edited stored rows). Problems go to ``errors``."""
    indicators = {indicator.pk: indicator for indicator in context.indicators}
    unknown_ids = {item.indicator_id for item in values} - set(indicators)
    foreign = Indicator.objects.select_related("criteria_set").in_bulk(unknown_ids) if unknown_ids else {}
    seen: set[tuple[int, str]] = set()
    new_rows: list[IndicatorValue] = []
    edited_rows: list[IndicatorValue] = []
    for item in values:
        indicator = indicators.get(item.indicator_id)
        if indicator is None:
            other = foreign.get(item.indicator_id)
            if other is None:
                errors[f"indicator:id={item.indicator_id}"].append(
                    _("There is no indicator with id %(id)s.") % {"id": item.indicator_id}
                )
            else:
                errors[f"indicator:{other.code}"].append(
                    _("Indicator %(code)s belongs to %(other)s, not to %(set)s, the set of this assessment.")
                    % {"code": other.code, "other": other.criteria_set, "set": assessment.criteria_set}
                )
            continue
        part = (item.part or "").strip()
        key = rules.value_key(indicator, part)
        if (indicator.pk, part) in seen:
            errors[key].append(_("Indicator %(code)s is entered twice.") % {"code": key.removeprefix("indicator:")})
            continue
        seen.add((indicator.pk, part))
        try:
            value = rules.number(item.value)
        except ValueError:
            errors[key].append(
                _("“%(value)s” is not a number (indicator %(code)s).") % {"value": item.value, "code": indicator.code}
            )
            continue
        problems = rules.input_problems(
            indicator=indicator,
            part=part,
            value=value,
            passed=item.passed,
            not_applicable=item.not_applicable,
            parts=context.parts.get(indicator.pk, set()),
        )
        if problems:
            errors[key].extend(problems)
            continue
        evidence = (item.evidence or "").strip()
        row = stored.get((indicator.pk, part))
        entered = (value, item.passed, bool(item.not_applicable), evidence)
        if row is None:
            if value is not None or item.passed is not None or item.not_applicable or evidence:
                row = IndicatorValue(assessment=assessment, indicator=indicator, part=part)
                row.value, row.passed, row.not_applicable, row.evidence = entered
                new_rows.append(row)
        elif (row.value, row.passed, row.not_applicable, row.evidence) != entered:
            row.value, row.passed, row.not_applicable, row.evidence = entered
            edited_rows.append(row)
    return new_rows, edited_rows


def _apply_overrides(
    errors: dict[str, list[str]],
    assessment: Assessment,
    context: _SetContext,
    stored: dict[tuple[int, str], IndicatorValue],
    results: dict[int, CriterionResult],
    overrides: list[CriterionOverride],
) -> list[CriterionResult]:
    """Check each override and apply it in memory; returns the edited results."""
    criteria = {criterion.pk: criterion for criterion in context.criteria}
    criterion_of = {indicator.pk: indicator.criterion_id for indicator in context.indicators}
    entered = {criterion_of[i] for (i, _part), row in stored.items() if i in criterion_of and rules.is_entered(row)}
    edited: list[CriterionResult] = []
    seen: set[int] = set()
    for override in overrides:
        criterion = criteria.get(override.criterion_id)
        if criterion is None:
            errors[f"criterion:id={override.criterion_id}"].append(
                _("Criterion id %(id)s is not a criterion of %(set)s.")
                % {"id": override.criterion_id, "set": assessment.criteria_set}
            )
            continue
        key = f"criterion:{criterion.number}"
        number = criterion.number
        if criterion.pk in seen:
            errors[key].append(_("Criterion %(number)s is set by hand twice.") % {"number": number})
            continue
        seen.add(criterion.pk)
        status = override.status or ""
        reason = (override.reason or "").strip()
        if status and status not in CriterionStatus.values:
            errors[key].append(_("“%(status)s” is not a criterion status.") % {"status": status})
            continue
        if status and not reason:
            errors[key].append(_("Criterion %(number)s: a status set by hand needs a reason.") % {"number": number})
            continue
        if status and criterion.pk in entered:
            errors[key].append(
                _(
                    "Criterion %(number)s is computed from its indicators, which are entered: clear them to set "
                    "its status by hand."
                )
                % {"number": number}
            )
            continue
        result = results[criterion.pk]
        wanted = (True, reason, status) if status else (False, "", result.status if not result.is_manual else "")
        if (result.is_manual, result.manual_reason, result.status) != wanted:
            result.is_manual, result.manual_reason, result.status = wanted
            edited.append(result)
    for result in results.values():
        if result.is_manual and result.criterion_id not in seen and result.criterion_id in entered:
            number = criteria[result.criterion_id].number
            errors[f"criterion:{number}"].append(
                _("Criterion %(number)s has a status set by hand; clear it before entering its indicators.")
                % {"number": number}
            )
    return edited


def assessment_evaluate(*, assessment: Assessment) -> Assessment:
    """Recompute each indicator's met flag, each criterion's computed status and the stored standing.

    For use after thresholds or classifications changed. Bumps the version only when something
    changed. An approved assessment is refused (it is locked; reopen it first). Returns a fresh instance.
    """
    with transaction.atomic():
        locked = _lock(assessment)
        _refuse_locked(locked)
        context = _SetContext.load(locked)
        results = _results(locked, context, None)
        evaluation = rules.evaluate(
            criteria=context.criteria,
            indicators=context.indicators,
            thresholds=context.thresholds,
            values=list(IndicatorValue.objects.filter(assessment=locked)),
            results=list(results.values()),
        )
        if evaluation.changed_values:
            bulk_update_with_history(evaluation.changed_values, IndicatorValue, ["met", "threshold"])
        _write_results(evaluation.changed_results, None)
        before = [getattr(locked, name) for name in STANDING_FIELDS]
        _store_standing(locked, evaluation)
        if (
            evaluation.changed_values
            or evaluation.changed_results
            or before != [getattr(locked, name) for name in STANDING_FIELDS]
        ):
            locked.version += 1
            locked.save()
    return locked


def _lock(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("unit", "criteria_set").get(pk=assessment.pk)


def _refuse_locked(assessment: Assessment) -> None:
    if assessment.is_locked:
        raise ValidationError(
            _("The assessment of %(unit)s for %(year)s is approved and locked: reopen it, with a reason, to change it.")
            % {"unit": assessment.unit, "year": assessment.year}
        )


def _results(assessment: Assessment, context: _SetContext, by: AbstractBaseUser | None) -> dict[int, CriterionResult]:
    """The assessment's criterion results by criterion id, creating those of criteria added to the set since."""
    results = {r.criterion_id: r for r in CriterionResult.objects.filter(assessment=assessment)}
    missing = [CriterionResult(assessment=assessment, criterion=c) for c in context.criteria if c.pk not in results]
    if missing:
        for result in bulk_create_with_history(missing, CriterionResult, default_user=by):
            results[result.criterion_id] = result
    return results


def _write_results(results: list[CriterionResult], by: AbstractBaseUser | None) -> None:
    if results:
        bulk_update_with_history(results, CriterionResult, RESULT_FIELDS, default_user=by)


def _store_standing(assessment: Assessment, evaluation: rules.Evaluation) -> None:
    assessment.criteria_total = evaluation.criteria_total
    assessment.met_count = evaluation.met_count
    assessment.substantially_met_count = evaluation.substantially_met_count
    assessment.met_mask = evaluation.met_mask


def _unique(rows: list) -> list:
    """Rows without repeats (the same object edited and then re-evaluated), in first-seen order."""
    return list({id(row): row for row in rows}.values())


def _set_history_user(obj: Assessment, by: AbstractBaseUser | None) -> None:
    # Without ``by`` simple-history takes the request's user from its middleware.
    if by is not None:
        obj._history_user = by


# The workflow.


def assessment_submit(*, assessment: Assessment, by: AbstractBaseUser, expected_version: int) -> Assessment:
    """Draft → submitted, by a district official or provincial staff; every criterion must have a status."""
    return _transition(
        assessment=assessment,
        by=by,
        expected_version=expected_version,
        action="submit",
        allowed_from=(Assessment.Status.DRAFT,),
        to=Assessment.Status.SUBMITTED,
    )


def assessment_approve(*, assessment: Assessment, by: AbstractBaseUser, expected_version: int) -> Assessment:
    """Submitted → approved, by provincial staff. An approved assessment is locked."""
    return _transition(
        assessment=assessment,
        by=by,
        expected_version=expected_version,
        action="approve",
        allowed_from=(Assessment.Status.SUBMITTED,),
        to=Assessment.Status.APPROVED,
    )


def assessment_reopen(*, assessment: Assessment, by: AbstractBaseUser, reason: str) -> Assessment:
    """Approved or submitted → draft, by provincial staff, with a reason kept in the workflow record."""
    return _transition(
        assessment=assessment,
        by=by,
        expected_version=None,
        action="reopen",
        allowed_from=(Assessment.Status.SUBMITTED, Assessment.Status.APPROVED),
        to=Assessment.Status.DRAFT,
        reason=reason,
    )


def _transition(
    *,
    assessment: Assessment,
    by: AbstractBaseUser,
    expected_version: int | None,
    action: str,
    allowed_from: tuple[str, ...],
    to: str,
    reason: str = "",
) -> Assessment:
    with transaction.atomic():
        locked = _lock(assessment)
        if not user_can(by, action, locked.unit):
            raise PermissionDenied(_denied(action) % {"unit": locked.unit})
        if expected_version is not None and locked.version != expected_version:
            raise StaleAssessmentError(assessment=locked, expected_version=expected_version)
        if locked.status not in allowed_from:
            raise ValidationError(
                _("The assessment is %(status)s; only an assessment that is %(allowed)s can be %(step)s.")
                % {
                    "status": locked.get_status_display().lower(),
                    "allowed": _(" or ").join(str(Assessment.Status(s).label).lower() for s in allowed_from),
                    "step": _step_label(action),
                }
            )
        reason = (reason or "").strip()
        if action == "reopen" and not reason:
            raise ValidationError({"reason": _("Give the reason for reopening.")})
        if to in (Assessment.Status.SUBMITTED, Assessment.Status.APPROVED):
            _require_every_status(locked)
        now = timezone.now()
        previous = locked.status
        locked.status = to
        if action == "submit":
            locked.submitted_at, locked.submitted_by = now, by
        elif action == "approve":
            locked.approved_at, locked.approved_by = now, by
        else:  # back to draft: the workflow records keep who submitted and approved it
            locked.submitted_at = locked.submitted_by = locked.approved_at = locked.approved_by = None
        locked.version += 1
        _set_history_user(locked, by)
        locked.save()
        AssessmentTransition.objects.create(assessment=locked, from_status=previous, to_status=to, by=by, reason=reason)
    return locked


def _denied(action: str) -> str:
    messages = {
        "submit": _("You may not submit the assessment of %(unit)s."),
        "approve": _("You may not approve the assessment of %(unit)s."),
        "reopen": _("You may not reopen the assessment of %(unit)s."),
    }
    return messages[action]


def _step_label(action: str) -> str:
    return {"submit": _("submitted"), "approve": _("approved"), "reopen": _("reopened")}[action]


def _require_every_status(assessment: Assessment) -> None:
    numbers = list(
        CriterionResult.objects.filter(assessment=assessment, status="")
        .order_by("criterion__number")
        .values_list("criterion__number", flat=True)
    )
    if numbers:
        raise ValidationError(
            _(
                "Criteria %(numbers)s have no status yet: enter their indicators, or set their status by hand "
                "with a reason."
            )
            % {"numbers": ", ".join(str(n) for n in numbers)}
        )

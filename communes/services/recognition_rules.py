"""The consistency rules of recognition decisions and revocations, checked without writing.

communes.services.recognitions applies them before it writes; the admin forms call them to show each
problem beside its field. Every problem is a ValidationError keyed by the argument at fault.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext

from communes.models import (
    RECOGNITION_UNIT_LEVEL,
    Assessment,
    CriteriaSet,
    Kind,
    Level,
    Recognition,
    RecognitionLevel,
    Revocation,
    Unit,
    periods_overlap,
)
from communes.querysets import COMMUNE_LEVELS_AT_STANDARD, RECOGNITION_LEVEL_ORDER
from communes.selectors import district_conditions

RL = RecognitionLevel

# The unit kinds each level applies to (within the unit level of RECOGNITION_UNIT_LEVEL).
UNIT_KINDS: dict[str, tuple[str, ...]] = {
    **{level: (Kind.COMMUNE,) for level in COMMUNE_LEVELS_AT_STANDARD},
    RL.DISTRICT_STANDARD: (Kind.RURAL_DISTRICT,),
    RL.DISTRICT_ADVANCED: (Kind.RURAL_DISTRICT,),
    RL.DISTRICT_MODEL: (Kind.RURAL_DISTRICT,),
    RL.DISTRICT_TASK_COMPLETED: (Kind.DISTRICT_TOWN, Kind.PROVINCIAL_CITY),
}

# The level that must be in force first. Only a recognition at exactly that level satisfies it, or an
# acknowledgement at a higher level (a merged commune acknowledged as advanced has no standard decision
# of its own). An advanced recognition does not stand in for a revoked standard one.
REQUIRES: dict[str, str] = {
    RL.COMMUNE_ADVANCED: RL.COMMUNE_STANDARD,
    RL.COMMUNE_MODEL: RL.COMMUNE_ADVANCED,
    RL.COMMUNE_MODERN: RL.COMMUNE_STANDARD,
    RL.DISTRICT_ADVANCED: RL.DISTRICT_STANDARD,
    RL.DISTRICT_MODEL: RL.DISTRICT_ADVANCED,
}
HIGHER_LEVELS: dict[str, tuple[str, ...]] = {
    RL.COMMUNE_STANDARD: (RL.COMMUNE_ADVANCED, RL.COMMUNE_MODEL),
    RL.COMMUNE_ADVANCED: (RL.COMMUNE_MODEL,),
    RL.DISTRICT_STANDARD: (RL.DISTRICT_ADVANCED, RL.DISTRICT_MODEL),
    RL.DISTRICT_ADVANCED: (RL.DISTRICT_MODEL,),
}

# The criteria-set level an assessment for each recognition level is made under.
SET_LEVEL: dict[str, str] = {
    RL.COMMUNE_STANDARD: CriteriaSet.SetLevel.COMMUNE,
    RL.COMMUNE_ADVANCED: CriteriaSet.SetLevel.COMMUNE_ADVANCED,
    RL.COMMUNE_MODEL: CriteriaSet.SetLevel.COMMUNE_MODEL,
    RL.COMMUNE_MODERN: CriteriaSet.SetLevel.COMMUNE_MODERN,
    RL.VILLAGE_NTM: CriteriaSet.SetLevel.VILLAGE,
    RL.VILLAGE_MODEL: CriteriaSet.SetLevel.MODEL_VILLAGE,
    RL.VILLAGE_SMART: CriteriaSet.SetLevel.MODEL_VILLAGE,
    RL.DISTRICT_STANDARD: CriteriaSet.SetLevel.DISTRICT,
    RL.DISTRICT_TASK_COMPLETED: CriteriaSet.SetLevel.DISTRICT,
}
# Levels that need an approved assessment meeting every criterion (villages are assessed against
# provincial sets that are not loaded; advanced and model rest on the level below).
ASSESSED_LEVELS = (RL.COMMUNE_STANDARD, RL.DISTRICT_STANDARD, RL.DISTRICT_TASK_COMPLETED)
DISTRICT_CONDITION_LEVELS = (RL.DISTRICT_STANDARD, RL.DISTRICT_TASK_COMPLETED)
MISSING_NAMED = 10  # communes named when a district's communes are not all at standard


def _d(date: datetime.date) -> str:
    return date.strftime("%d/%m/%Y")


def _level_label(level: str) -> str:
    return str(RecognitionLevel(level).label)


@dataclass(frozen=True)
class RecognitionBasis:
    """What a checked recognition rests on: its assessment (found when not given) and criteria set."""

    assessment: Assessment | None
    criteria_set: CriteriaSet | None


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def recognition_check(
    *,
    unit: Unit,
    level: str,
    decision_date: datetime.date,
    standard_year: int,
    criteria_set: CriteriaSet | None = None,
    assessment: Assessment | None = None,
    kind: str = Recognition.Kind.RECOGNITION,
    acknowledges: Iterable[Recognition] = (),
) -> RecognitionBasis:
    """Apply the consistency rules without writing anything (forms call it to show errors in place)."""
    errors = _Errors()
    if level not in RecognitionLevel.values:
        errors.add("level", gettext("Unknown recognition level “%(level)s”.") % {"level": level})
    if kind not in Recognition.Kind.values:
        errors.add("kind", gettext("Unknown kind of decision “%(kind)s”.") % {"kind": kind})
    errors.raise_if_any()

    _check_unit(errors, unit=unit, level=level)
    errors.raise_if_any()  # the other rules mean nothing for the wrong kind of unit

    year_start = datetime.date(standard_year, 1, 1)
    if decision_date < year_start:
        errors.add(
            "decision_date",
            gettext("The decision (%(date)s) is dated before the standard year %(year)s began.")
            % {"date": _d(decision_date), "year": standard_year},
        )
    acknowledges = list(acknowledges)
    if kind == Recognition.Kind.ACKNOWLEDGEMENT:
        _check_acknowledgement(errors, unit=unit, level=level, decision_date=decision_date, acknowledges=acknowledges)
    else:
        if not periods_overlap(unit.valid_from, unit.valid_to, year_start, datetime.date(standard_year, 12, 31)):
            errors.add(
                "unit",
                gettext(
                    "%(unit)s existed %(period)s, not in the standard year %(year)s: "
                    "record the recognition on the version of the unit in force that year."
                )
                % {"unit": unit, "period": unit.period_label, "year": standard_year},
            )
        if acknowledges:
            errors.add(
                "acknowledges",
                gettext("Only an acknowledgement after a merger lists the recognitions of predecessor units."),
            )
        _check_ladder(errors, unit=unit, level=level, decision_date=decision_date)
        if level in DISTRICT_CONDITION_LEVELS:
            _check_district_conditions(errors, unit=unit, decision_date=decision_date, standard_year=standard_year)
        if assessment is None and level in ASSESSED_LEVELS:
            assessment = Assessment.objects.filter(unit=unit, year=standard_year).select_related("criteria_set").first()
            if assessment is None:
                errors.add(
                    "assessment",
                    gettext(
                        "%(unit)s has no assessment for %(year)s: a recognition at this level rests on an "
                        "approved assessment of the standard year meeting every criterion."
                    )
                    % {"unit": unit, "year": standard_year},
                )
    if assessment is not None:
        _check_assessment(
            errors,
            assessment=assessment,
            unit=unit,
            level=level,
            standard_year=standard_year,
            criteria_set=criteria_set,
            required=kind == Recognition.Kind.RECOGNITION and level in ASSESSED_LEVELS,
        )
        criteria_set = criteria_set or assessment.criteria_set
    if criteria_set is not None:
        _check_criteria_set(errors, criteria_set=criteria_set, level=level, standard_year=standard_year)
    errors.raise_if_any()
    return RecognitionBasis(assessment=assessment, criteria_set=criteria_set)


def _check_unit(errors: _Errors, *, unit: Unit, level: str) -> None:
    expected = RECOGNITION_UNIT_LEVEL[level]
    if unit.level != expected:
        errors.add(
            "unit",
            gettext("“%(level)s” applies to units of the level “%(expected)s”; %(unit)s is of the level “%(actual)s”.")
            % {
                "level": _level_label(level),
                "expected": Level(expected).label,
                "unit": unit,
                "actual": Level(unit.level).label,
            },
        )
        return
    kinds = UNIT_KINDS.get(level)
    if kinds and unit.kind not in kinds:
        errors.add(
            "unit",
            gettext("“%(level)s” applies to a %(kinds)s; %(unit)s is a %(kind)s.")
            % {
                "level": _level_label(level),
                "kinds": gettext(" or ").join(str(Kind(k).label) for k in kinds),
                "unit": unit,
                "kind": unit.get_kind_display(),
            },
        )


def _check_ladder(errors: _Errors, *, unit: Unit, level: str, decision_date: datetime.date) -> None:
    required = REQUIRES.get(level)
    if required is None:
        return
    in_force = Recognition.objects.filter(unit=unit).in_force_on(decision_date)
    held = in_force.filter(
        Q(level=required) | Q(level__in=HIGHER_LEVELS[required], kind=Recognition.Kind.ACKNOWLEDGEMENT)
    )
    if not held.exists():
        errors.add(
            "level",
            gettext(
                "“%(level)s” requires “%(required)s” first, and %(unit)s holds no such recognition in force "
                "on %(date)s (a revoked one no longer counts from its effective date)."
            )
            % {
                "level": _level_label(level),
                "required": _level_label(required),
                "unit": unit,
                "date": _d(decision_date),
            },
        )


def _check_district_conditions(errors: _Errors, *, unit: Unit, decision_date: datetime.date, standard_year: int):
    conditions = district_conditions(district=unit, date=decision_date, standard_year=standard_year)
    values = {"unit": unit, "date": _d(decision_date), "total": conditions.rural_communes}
    if conditions.rural_communes == 0:
        errors.add("unit", gettext("%(unit)s has no rural communes on %(date)s.") % values)
        return
    if not conditions.all_at_standard:
        names = ", ".join(commune.name for commune in conditions.missing[:MISSING_NAMED])
        if len(conditions.missing) > MISSING_NAMED:
            names += gettext(" and %(n)s more") % {"n": len(conditions.missing) - MISSING_NAMED}
        errors.add(
            "unit",
            gettext(
                "Condition not met: every rural commune at standard. Only %(count)s of the %(total)s rural "
                "communes of %(unit)s are recognised at standard on %(date)s; not yet: %(names)s."
            )
            % {**values, "count": conditions.standard_count, "names": names},
        )
    if conditions.advanced_required and not conditions.advanced_share_met:
        errors.add(
            "unit",
            gettext(
                "Condition not met: at least 10%% of communes advanced (320/QĐ-TTg). %(count)s of the %(total)s "
                "rural communes of %(unit)s are advanced on %(date)s (%(share)s%%)."
            )
            % {**values, "count": conditions.advanced_count, "share": f"{conditions.advanced_share * 100:.1f}"},
        )


def _check_assessment(
    errors: _Errors,
    *,
    assessment: Assessment,
    unit: Unit,
    level: str,
    standard_year: int,
    criteria_set: CriteriaSet | None,
    required: bool,
) -> None:
    values = {"assessment": assessment, "unit": unit, "year": standard_year}
    if assessment.unit_id != unit.pk:
        errors.add("assessment", gettext("The assessment “%(assessment)s” is not of %(unit)s.") % values)
        return
    if assessment.year != standard_year:
        errors.add(
            "assessment",
            gettext("The assessment is for %(assessed)s, not for the standard year %(year)s.")
            % {**values, "assessed": assessment.year},
        )
    if assessment.status != Assessment.Status.APPROVED:
        errors.add(
            "assessment",
            gettext("The assessment of %(unit)s for %(assessed)s is %(status)s, not approved.")
            % {**values, "assessed": assessment.year, "status": assessment.get_status_display().lower()},
        )
    if criteria_set is not None and assessment.criteria_set_id != criteria_set.pk:
        errors.add(
            "criteria_set",
            gettext("The assessment was made under “%(used)s”, not “%(given)s”.")
            % {"used": assessment.criteria_set, "given": criteria_set},
        )
    expected_set_level = SET_LEVEL.get(level)
    if expected_set_level and assessment.criteria_set.level != expected_set_level:
        errors.add(
            "assessment",
            gettext("The assessment was made under “%(used)s”, a set for “%(used_level)s”, not for “%(level)s”.")
            % {
                "used": assessment.criteria_set,
                "used_level": assessment.criteria_set.get_level_display(),
                "level": _level_label(level),
            },
        )
    if required and not assessment.all_met:
        unmet = ", ".join(str(n) for n in assessment.unmet_numbers())
        errors.add(
            "assessment",
            gettext(
                "The assessment of %(unit)s for %(assessed)s meets %(met)s of %(total)s criteria (not met: "
                "%(unmet)s); a recognition needs every criterion met."
            )
            % {
                **values,
                "assessed": assessment.year,
                "met": assessment.met_count,
                "total": assessment.criteria_total,
                "unmet": unmet or "–",
            },
        )


def _check_criteria_set(errors: _Errors, *, criteria_set: CriteriaSet, level: str, standard_year: int) -> None:
    if not criteria_set.period_start <= standard_year <= criteria_set.period_end:
        errors.add(
            "criteria_set",
            gettext("“%(set)s” applies to %(start)s–%(end)s, not to the standard year %(year)s.")
            % {
                "set": criteria_set,
                "start": criteria_set.period_start,
                "end": criteria_set.period_end,
                "year": standard_year,
            },
        )
    expected = SET_LEVEL.get(level)
    if expected and criteria_set.level != expected:
        errors.add(
            "criteria_set",
            gettext("“%(set)s” is a set for “%(set_level)s”, not for “%(level)s”.")
            % {"set": criteria_set, "set_level": criteria_set.get_level_display(), "level": _level_label(level)},
        )


def _check_acknowledgement(
    errors: _Errors, *, unit: Unit, level: str, decision_date: datetime.date, acknowledges: list[Recognition]
) -> None:
    if not unit.is_valid_on(decision_date):
        errors.add(
            "unit",
            gettext("%(unit)s existed %(period)s, not on the decision date %(date)s.")
            % {"unit": unit, "period": unit.period_label, "date": _d(decision_date)},
        )
    predecessors = set(unit.predecessors().values_list("pk", flat=True))
    if not predecessors:
        errors.add(
            "unit",
            gettext(
                "%(unit)s was not formed by a reorganisation (it has no predecessor units): "
                "record a recognition, not an acknowledgement."
            )
            % {"unit": unit},
        )
        return
    if not acknowledges:
        errors.add(
            "acknowledges",
            gettext("List the recognitions of the predecessor units that this acknowledgement acknowledges."),
        )
    rank = RECOGNITION_LEVEL_ORDER.index(level)
    for recognition in acknowledges:
        values = {"recognition": recognition, "unit": unit}
        if recognition.unit_id not in predecessors:
            errors.add(
                "acknowledges",
                gettext("“%(recognition)s” is not a recognition of a unit that went into %(unit)s.") % values,
            )
            continue
        same_family = RECOGNITION_UNIT_LEVEL[recognition.level] == RECOGNITION_UNIT_LEVEL[level]
        if not same_family or RECOGNITION_LEVEL_ORDER.index(recognition.level) < rank:
            errors.add(
                "acknowledges",
                gettext("“%(recognition)s” is below the level acknowledged, “%(level)s”.")
                % {**values, "level": _level_label(level)},
            )
        revocation = getattr(recognition, "revocation", None)
        if revocation is not None and revocation.effective_date <= decision_date:
            errors.add(
                "acknowledges",
                gettext("“%(recognition)s” was revoked with effect from %(date)s.")
                % {**values, "date": _d(revocation.effective_date)},
            )


def revocation_check(
    *,
    recognition: Recognition,
    decision_date: datetime.date,
    effective_date: datetime.date,
    reason: str,
    revocation: Revocation | None = None,
) -> None:
    """The revocation rules, without writing (``revocation`` is the one being edited, if any)."""
    errors = _Errors()
    existing = Revocation.objects.filter(recognition=recognition)
    if revocation is not None and revocation.pk is not None:
        existing = existing.exclude(pk=revocation.pk)
    earlier = existing.first()
    if earlier is not None:
        errors.add(
            "recognition",
            gettext("“%(recognition)s” was already revoked by decision %(number)s of %(date)s.")
            % {"recognition": recognition, "number": earlier.decision_number, "date": _d(earlier.decision_date)},
        )
    if decision_date < recognition.decision_date:
        errors.add(
            "decision_date",
            gettext("The revocation (%(date)s) is dated before the recognition it revokes (%(recognised)s).")
            % {"date": _d(decision_date), "recognised": _d(recognition.decision_date)},
        )
    if effective_date < decision_date:
        errors.add(
            "effective_date",
            gettext("The revocation cannot take effect (%(effective)s) before its decision (%(date)s).")
            % {"effective": _d(effective_date), "date": _d(decision_date)},
        )
    if not reason.strip():
        errors.add("reason", gettext("Give the reason for the revocation."))
    errors.raise_if_any()

"""Values keyed by indicator code, and the bulk upsert of one province-year (the API's, and any
import's): every row through assessment_create / assessment_save_values, all or nothing."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from communes.models import Assessment, Criterion, Indicator, Unit
from communes.services.assessments import (
    CriterionOverride,
    IndicatorInput,
    StaleAssessmentError,
    assessment_create,
    assessment_save_values,
)

INPUT_KEYS = {"value", "passed", "not_applicable", "evidence"}


def indicator_input_fields(raw: Any) -> dict[str, Any]:
    """The IndicatorInput fields (without indicator and part) of one entered value: a number,
    true/false (pass/fail), null (clear) or {value, passed, not_applicable, evidence}; ValueError
    with a message otherwise."""
    if raw is None:
        return {"value": None}
    if isinstance(raw, bool):
        return {"passed": raw}
    if isinstance(raw, int | float | str | Decimal):
        try:
            return {"value": Decimal(str(raw).strip().replace(",", "."))}
        except InvalidOperation as error:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": raw}) from error
    if not isinstance(raw, Mapping):
        raise ValueError(_("Expected a number, true/false, null or an object."))
    unknown = set(raw) - INPUT_KEYS
    if unknown:
        raise ValueError(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    fields: dict[str, Any] = {"value": None}
    if raw.get("value") is not None:
        if isinstance(raw["value"], bool | Mapping):
            raise ValueError(_("“value” is a number; use “passed” for pass/fail."))
        fields.update(indicator_input_fields(raw["value"]))
    passed = raw.get("passed")
    if passed is not None and not isinstance(passed, bool):
        raise ValueError(_("“passed” is true, false or null."))
    not_applicable = raw.get("not_applicable", False)
    if not isinstance(not_applicable, bool):
        raise ValueError(_("“not_applicable” is true or false."))
    evidence = raw.get("evidence", "")
    if not isinstance(evidence, str):
        raise ValueError(_("“evidence” is text."))
    return {**fields, "passed": passed, "not_applicable": not_applicable, "evidence": evidence}


def assessment_inputs(
    *, criteria_set_id: int, values: Mapping[str, Any], statuses: Mapping[str, Mapping[str, str]]
) -> tuple[list[IndicatorInput], list[CriterionOverride], dict[str, list[str]]]:
    """Inputs for assessment_save_values from values keyed by indicator code ("17.1", or
    "17.1:<part>") and statuses keyed by criterion number; problems keyed as the service keys them
    ("indicator:<code>[:<part>]", "criterion:<number>"). Two queries."""
    indicators = {row.code: row for row in Indicator.objects.filter(criteria_set_id=criteria_set_id)}
    criteria = {row.number: row for row in Criterion.objects.filter(criteria_set_id=criteria_set_id)}
    problems: dict[str, list[str]] = defaultdict(list)
    inputs: list[IndicatorInput] = []
    for key, raw in values.items():
        code, _sep, part = str(key).partition(":")
        code, part = code.strip(), part.strip()
        indicator = indicators.get(code)
        if indicator is None:
            problems[f"indicator:{key}"].append(_("This criteria set has no indicator %(code)s.") % {"code": code})
            continue
        try:
            inputs.append(IndicatorInput(indicator_id=indicator.pk, part=part, **indicator_input_fields(raw)))
        except ValueError as error:
            problems[f"indicator:{key}"].append(str(error))
    overrides: list[CriterionOverride] = []
    for key, status in statuses.items():
        criterion = criteria.get(int(key)) if str(key).isdigit() else None
        if criterion is None:
            problems[f"criterion:{key}"].append(_("This criteria set has no criterion %(number)s.") % {"number": key})
            continue
        overrides.append(
            CriterionOverride(
                criterion_id=criterion.pk, status=status.get("status", ""), reason=status.get("reason", "")
            )
        )
    return inputs, overrides, dict(problems)


def error_field(key: str) -> str:
    """A service's error key as a reader's field name: "indicator:17.1" → "indicator 17.1",
    "indicator:4.1:Nam" → "indicator 4.1 (Nam)", "criterion:5" → "criterion 5", "__all__" → ""."""
    if key == "__all__":
        return ""
    kind, _sep, rest = key.partition(":")
    if kind not in ("indicator", "criterion") or not rest:
        return key
    code, _sep, part = rest.partition(":")
    return f"{kind} {code} ({part})" if part else f"{kind} {code}"


def error_rows(errors: Mapping[str, list[str]], row: int | None = None) -> list[dict[str, Any]]:
    """Problems keyed like the services' ValidationErrors as [{"row", "field", "error"}] (no "row"
    when ``row`` is None), one entry per message."""
    rows = []
    for key, messages in errors.items():
        for message in messages:
            entry: dict[str, Any] = {"field": error_field(key), "error": str(message)}
            rows.append({"row": row, **entry} if row is not None else entry)
    return rows


@dataclass
class BulkUpsertError(Exception):
    """A bulk upsert was refused and nothing saved. ``kind``: "invalid" (bad input), "forbidden"
    (a row the user may not write), "stale" (a row's version is not the stored one)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "invalid"

    @property
    def status_code(self) -> int:
        return {"invalid": 400, "forbidden": 403, "stale": 409}[self.kind]


def assessment_bulk_upsert(
    *, province_code: str, year: int, rows: list[Mapping[str, Any]], by: AbstractBaseUser | None
) -> list[dict[str, Any]]:
    """Create or update the assessments of communes of one province (official code) for ``year``.

    Each row: ``commune_code``, ``values`` (by indicator code), ``statuses`` (by criterion number),
    ``note`` and optionally ``version`` (the stored version it was based on). Rows are numbered
    from 1. Every row goes through assessment_create (when the commune has no assessment that year)
    and assessment_save_values, so the rules and permission checks are the data-entry screen's.
    All rows are checked; if any fails, nothing is saved and BulkUpsertError lists every problem.
    The commune version is the one in force on 31 December of the year (or the latest of the year).
    """
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    codes = {str(row["commune_code"]).strip() for row in rows}
    candidates = (
        Unit.objects.communes()
        .filter(province__code=province_code, code__in=codes)
        .overlapping(year_start, year_end)
        .order_by("code", "valid_from")
    )
    units: dict[str, Unit] = {}
    for unit in candidates:  # the last version of the year wins: ordered by start
        units[unit.code] = unit
    existing = {a.unit_id: a for a in Assessment.objects.filter(year=year, unit__in=list(units.values()))}

    results: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    kinds: set[str] = set()
    seen: dict[str, int] = {}
    with transaction.atomic():
        for number, row in enumerate(rows, start=1):
            code = str(row["commune_code"]).strip()
            if code in seen:
                problems.append(
                    {
                        "row": number,
                        "field": "commune_code",
                        "error": _("Commune %(code)s is already in row %(row)d.") % {"code": code, "row": seen[code]},
                    }
                )
                kinds.add("invalid")
                continue
            seen[code] = number
            unit = units.get(code)
            if unit is None:
                problems.append(
                    {
                        "row": number,
                        "field": "commune_code",
                        "error": _("No commune with code %(code)s in province %(province)s in %(year)d.")
                        % {"code": code, "province": province_code, "year": year},
                    }
                )
                kinds.add("invalid")
                continue
            try:
                with transaction.atomic():  # a savepoint: the next rows are still checked
                    results.append(_upsert_row(number, unit, year, row, existing.get(unit.pk), by))
            except ValidationError as error:
                detail = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
                problems.extend(error_rows(detail, row=number))
                kinds.add("invalid")
            except PermissionDenied as error:
                problems.append({"row": number, "field": "commune_code", "error": str(error)})
                kinds.add("forbidden")
            except StaleAssessmentError as error:
                problems.append(
                    {
                        "row": number,
                        "field": "version",
                        "error": _("The assessment of %(code)s is at version %(stored)d, not %(given)d.")
                        % {"code": code, "stored": error.assessment.version, "given": error.expected_version},
                    }
                )
                kinds.add("stale")
        if problems:
            transaction.set_rollback(True)
    if problems:
        kind = next(k for k in ("forbidden", "stale", "invalid") if k in kinds)
        raise BulkUpsertError(rows=problems, kind=kind)
    return results


def _upsert_row(
    number: int,
    unit: Unit,
    year: int,
    row: Mapping[str, Any],
    assessment: Assessment | None,
    by: AbstractBaseUser | None,
) -> dict[str, Any]:
    created = assessment is None
    if assessment is None:
        assessment = assessment_create(unit=unit, year=year, by=by)
    inputs, overrides, problems = assessment_inputs(
        criteria_set_id=assessment.criteria_set_id, values=row.get("values") or {}, statuses=row.get("statuses") or {}
    )
    if problems:
        raise ValidationError(problems)
    # A row's version is checked against an assessment that existed before the upsert.
    version = row.get("version")
    saved = assessment_save_values(
        assessment=assessment,
        expected_version=version if version is not None and not created else assessment.version,
        values=inputs,
        overrides=overrides,
        note=row.get("note"),
        by=by,
    )
    return {
        "row": number,
        "commune_code": unit.code,
        "assessment": saved.pk,
        "created": created,
        "version": saved.version,
        "met_count": saved.met_count,
        "criteria_total": saved.criteria_total,
    }

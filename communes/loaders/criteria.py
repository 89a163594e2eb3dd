"""Load the NTM criteria sets and classifications shipped as JSON in communes/data/criteria/.

- Every file is read and checked first (criteria_files.py); one problem stops the whole load.
- The writes run in one transaction: a load happens completely or not at all.
- Keys: classification (scheme, code); set code; criterion (set, number); indicator (set, code);
  threshold (indicator, scope, year, part). Loading the same files twice changes nothing.
- Sets, criteria, indicators and classifications follow the files. Rows that exist only in the
  database (e.g. indicators staff keyed in from a signed annex) are left alone and mentioned.
- Thresholds are corrected by staff in the admin, so the database owns a threshold once it exists:
  a load creates missing thresholds and fills a value that is still empty when the file now has
  one (taking the file's value, confidence and note). It never changes a threshold that holds a
  value; a threshold whose row differs from the file is counted as "kept" and listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from communes.loaders.criteria_files import (
    CLASSIFICATIONS_FILE,
    DATA_DIR,
    ClassificationRow,
    CriteriaDataError,
    SetRow,
    ThresholdRow,
    criteria_files_read,
)
from communes.models import Classification, CriteriaSet, Criterion, Indicator, Threshold

__all__ = ["DATA_DIR", "CriteriaDataError", "CriteriaLoadReport", "Tally", "criteria_load"]


@dataclass
class Tally:
    """What a load did to the rows of one model."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0

    def __str__(self) -> str:
        text = _("created %(created)d, updated %(updated)d, unchanged %(unchanged)d") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.kept:
            text += _("; kept %(kept)d edited in the database") % {"kept": self.kept}
        return text


@dataclass
class CriteriaLoadReport:
    """Tallies per model, thresholds kept because the database differs from the files, and notes."""

    tallies: dict[type[models.Model], Tally] = field(
        default_factory=lambda: {
            model: Tally() for model in (Classification, CriteriaSet, Criterion, Indicator, Threshold)
        }
    )
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Tally:
        tallies = self.tallies.values()
        return Tally(
            created=sum(t.created for t in tallies),
            updated=sum(t.updated for t in tallies),
            unchanged=sum(t.unchanged for t in tallies),
            kept=sum(t.kept for t in tallies),
        )


def _save(
    obj: models.Model, values: dict[str, Any], tally: Tally, where: str, *, new: list | None = None
) -> models.Model:
    """Create ``obj`` (unsaved) or update the fields of ``values`` that differ; count what happened.

    With ``new``, a new object is only checked and appended there, for the caller to bulk_create.
    """
    if obj.pk is None:
        for name, value in values.items():
            setattr(obj, name, value)
        _clean(obj, where)
        if new is None:
            obj.save()
        else:
            new.append(obj)
        tally.created += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        tally.unchanged += 1
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    _clean(obj, where)
    obj.save(update_fields=[obj._meta.get_field(name).name for name in changed])
    tally.updated += 1
    return obj


def _clean(obj: models.Model, where: str) -> None:
    """Field-level model validation as a backstop to the file checks.

    Relations, uniqueness and Threshold.clean() (a duplicate check) are left out: the loader's keys
    already guarantee them, and they would cost a query per row.
    """
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    try:
        obj.clean_fields(exclude=relations)
    except ValidationError as exc:
        raise CriteriaDataError([f"{where}: {exc}"]) from exc


def _write_classifications(
    rows: list[ClassificationRow], sets_by_code: dict[str, CriteriaSet], report: CriteriaLoadReport
) -> dict[str, Classification]:
    tally = report.tallies[Classification]
    existing = {(c.scheme, c.code): c for c in Classification.objects.all()}
    saved: dict[str, Classification] = {}
    # Targets of uses_thresholds_of first, so that the others can point at them.
    for row in sorted(rows, key=lambda r: r.uses_thresholds_of is not None):
        criteria_set = sets_by_code.get(row.criteria_set) if row.criteria_set else None
        if row.criteria_set and criteria_set is None:
            report.notes.append(
                _("Classification %(code)s skipped: its criteria set %(set)s is not loaded (run without --set).")
                % {"code": row.code, "set": row.criteria_set}
            )
            continue
        if row.uses_thresholds_of and row.uses_thresholds_of not in saved:
            report.notes.append(
                _("Classification %(code)s skipped: %(target)s, whose thresholds it uses, was skipped.")
                % {"code": row.code, "target": row.uses_thresholds_of}
            )
            continue
        obj = existing.get((row.scheme, row.code)) or Classification(scheme=row.scheme, code=row.code)
        values = {
            "name_vi": row.name_vi,
            "name_en": row.name_en,
            "description": row.description,
            "criteria_set_id": criteria_set.pk if criteria_set else None,
            "uses_thresholds_of_id": saved[row.uses_thresholds_of].pk if row.uses_thresholds_of else None,
        }
        saved[row.code] = _save(obj, values, tally, f"{CLASSIFICATIONS_FILE}: {row.code}")
    return saved


def _write_set(
    row: SetRow, criteria_set: CriteriaSet, scopes: dict[str, Classification], report: CriteriaLoadReport
) -> None:
    """Criteria, then indicators, then thresholds; new rows of each level go in one bulk insert."""
    criteria = {c.number: c for c in criteria_set.criteria.all()}
    indicators = {i.code: i for i in criteria_set.indicators.select_related("criterion")}
    thresholds = {
        (t.indicator_id, t.scope_id, t.year, t.part): t
        for t in Threshold.objects.filter(indicator__criteria_set=criteria_set)
    }

    new: list[models.Model] = []
    written_criteria: dict[int, Criterion] = {}
    for criterion_row in row.criteria:
        criterion = criteria.get(criterion_row.number) or Criterion(
            criteria_set=criteria_set, number=criterion_row.number
        )
        written_criteria[criterion_row.number] = _save(
            criterion,
            {
                "group": criterion_row.group,
                "group_name": criterion_row.group_name,
                "name_vi": criterion_row.name_vi,
                "name_en": criterion_row.name_en,
                "guidance": criterion_row.guidance,
                "confidence": criterion_row.confidence,
            },
            report.tallies[Criterion],
            f"{row.file}: " + _("criterion %(n)d") % {"n": criterion_row.number},
            new=new,
        )
    Criterion.objects.bulk_create(new)

    new = []
    written_indicators: dict[str, Indicator] = {}
    for criterion_row in row.criteria:
        for indicator_row in criterion_row.indicators:
            # bulk_create skips Indicator.save, which would copy the set from the criterion: set it here.
            indicator = indicators.get(indicator_row.code) or Indicator(
                code=indicator_row.code, criteria_set=criteria_set
            )
            written_indicators[indicator_row.code] = _save(
                indicator,
                {
                    "sort_order": indicator_row.sort_order,
                    "description_vi": indicator_row.description_vi,
                    "description_en": indicator_row.description_en,
                    "unit": indicator_row.unit,
                    "comparator": indicator_row.comparator,
                    "not_applicable_allowed": indicator_row.not_applicable_allowed,
                    "per_sex": indicator_row.per_sex,
                    "confidence": indicator_row.confidence,
                    "note": indicator_row.note,
                    "criterion": written_criteria[criterion_row.number],
                },
                report.tallies[Indicator],
                f"{row.file}: " + _("indicator %(code)s") % {"code": indicator_row.code},
                new=new,
            )
    Indicator.objects.bulk_create(new)

    new = []
    seen_thresholds: set[tuple] = set()
    for criterion_row in row.criteria:
        for indicator_row in criterion_row.indicators:
            indicator = written_indicators[indicator_row.code]
            for threshold_row in indicator_row.thresholds:
                scope = scopes[threshold_row.scope] if threshold_row.scope else None
                key = (indicator.pk, scope.pk if scope else None, threshold_row.year, threshold_row.part)
                seen_thresholds.add(key)
                _write_threshold(row, indicator, scope, threshold_row, thresholds.get(key), report, new=new)
    Threshold.objects.bulk_create(new)

    _note_extra_rows(
        row,
        extra_criteria=sorted(set(criteria) - set(written_criteria)),
        extra_indicators=sorted(set(indicators) - set(written_indicators)),
        extra_thresholds=len(set(thresholds) - seen_thresholds),
        report=report,
    )


def _write_threshold(
    set_row: SetRow,
    indicator: Indicator,
    scope: Classification | None,
    row: ThresholdRow,
    current: Threshold | None,
    report: CriteriaLoadReport,
    *,
    new: list[models.Model],
) -> None:
    """Create the threshold, fill its empty value, or leave a row that staff own alone (see module docstring)."""
    tally = report.tallies[Threshold]
    where = f"{set_row.file}: " + row.label(indicator.code)
    shipped = {"value": row.value, "confidence": row.confidence, "note": row.note}
    if current is None:
        threshold = Threshold(indicator=indicator, scope=scope, year=row.year, part=row.part)
        _save(threshold, shipped, tally, where, new=new)
    elif current.value is None and row.value is not None:
        _save(current, shipped, tally, where)
    elif all(getattr(current, name) == value for name, value in shipped.items()):
        tally.unchanged += 1
    else:
        tally.kept += 1
        report.kept.append(
            _(
                "%(set)s %(threshold)s: kept the database row (value %(db)s, %(db_conf)s); the file has %(file)s, %(file_conf)s"
            )
            % {
                "set": set_row.code,
                "threshold": row.label(indicator.code),
                "db": _display(current.value),
                "db_conf": current.confidence,
                "file": _display(row.value),
                "file_conf": row.confidence,
            }
        )


def _display(value: Decimal | None) -> str:
    return _("empty") if value is None else f"{value.normalize():f}"


def _note_extra_rows(
    row: SetRow,
    *,
    extra_criteria: list[int],
    extra_indicators: list[str],
    extra_thresholds: int,
    report: CriteriaLoadReport,
) -> None:
    if extra_criteria or extra_indicators or extra_thresholds:
        report.notes.append(
            _(
                "%(set)s: left alone what is only in the database: criteria %(criteria)s; indicators %(indicators)s; "
                "%(thresholds)d thresholds."
            )
            % {
                "set": row.code,
                "criteria": ", ".join(map(str, extra_criteria)) or "–",
                "indicators": ", ".join(extra_indicators) or "–",
                "thresholds": extra_thresholds,
            }
        )


def criteria_load(*, directory: Path = DATA_DIR, set_codes: list[str] | None = None) -> CriteriaLoadReport:
    """Load the classifications and the criteria sets of ``directory`` (all sets, or only ``set_codes``)."""
    files = criteria_files_read(directory=directory)
    rows = files.sets
    if set_codes:
        known = {row.code for row in rows}
        unknown = [code for code in set_codes if code not in known]
        if unknown:
            raise CriteriaDataError(
                [
                    _("Unknown criteria set %(codes)s (the files have: %(known)s)")
                    % {"codes": ", ".join(unknown), "known": ", ".join(sorted(known))}
                ]
            )
        rows = [row for row in rows if row.code in set_codes]
    report = CriteriaLoadReport()
    with transaction.atomic():
        # Set headers first: the 2026–2030 commune groups are defined by their set.
        existing_sets = {s.code: s for s in CriteriaSet.objects.all()}
        sets_by_code = dict(existing_sets)
        for row in rows:
            obj = existing_sets.get(row.code) or CriteriaSet(code=row.code)
            sets_by_code[row.code] = _save(obj, row.header(), report.tallies[CriteriaSet], f"{row.file}")
        scopes = _write_classifications(files.classifications, sets_by_code, report)
        for row in rows:
            _write_set(row, sets_by_code[row.code], scopes, report)
    return report

"""The change history of an assessment, read from django-simple-history: who changed which value, when,
from what to what. Three queries whatever the number of changes (one per history table).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from communes.entry import plain_decimal
from communes.models import Assessment, CriterionResult, IndicatorValue

# The fields whose changes are shown (version, timestamps and derived bookkeeping are left out).
TRACKED_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Assessment: ("status", "review_date", "note", "met_count", "substantially_met_count"),
    CriterionResult: ("status", "is_manual", "manual_reason", "note"),
    IndicatorValue: ("value", "passed", "not_applicable", "evidence", "met"),
}


@dataclass(frozen=True)
class Change:
    """One field of one record changed at one time."""

    at: datetime.datetime
    user: Any  # the user who saved, or None (a command, a loader)
    item: str
    field: str
    old: str
    new: str
    kind: str  # "+" created, "~" changed, "-" deleted


def assessment_changes(*, assessment: Assessment) -> list[Change]:
    """Every tracked change of the assessment, its criterion results and indicator values, newest first."""
    sources = [
        (Assessment, Assessment.history.filter(id=assessment.pk).select_related("history_user")),
        (
            CriterionResult,
            CriterionResult.history.filter(assessment_id=assessment.pk).select_related("history_user", "criterion"),
        ),
        (
            IndicatorValue,
            IndicatorValue.history.filter(assessment_id=assessment.pk).select_related("history_user", "indicator"),
        ),
    ]
    changes: list[Change] = []
    for model, records in sources:
        previous: dict[int, Any] = {}
        for record in records.order_by("history_date", "history_id"):
            changes.extend(_record_changes(model, record, previous.get(record.id)))
            previous[record.id] = record
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes


def _item_label(model: type[models.Model], record: Any) -> str:
    if model is CriterionResult:
        return _("Criterion %(number)s") % {"number": record.criterion.number}
    if model is IndicatorValue:
        label = _("Indicator %(code)s") % {"code": record.indicator.code}
        return f"{label} ({record.part})" if record.part else label
    return _("Assessment")


def _record_changes(model: type[models.Model], record: Any, before: Any | None) -> list[Change]:
    kind = record.history_type
    item = _item_label(model, record)
    changes = []
    for name in TRACKED_FIELDS[model]:
        model_field = model._meta.get_field(name)
        new = getattr(record, name)
        old = getattr(before, name) if before is not None else None
        if kind == "-":
            old, new = new, None
        # A new (or deleted) row lists only the fields that hold something: not its empty defaults.
        if old == new or (kind == "+" and _is_default(new)) or (kind == "-" and _is_default(old)):
            continue
        changes.append(
            Change(
                at=record.history_date,
                user=record.history_user,
                item=item,
                field=capfirst(str(model_field.verbose_name)),
                old=_display(model_field, old),
                new=_display(model_field, new),
                kind=kind,
            )
        )
    return changes


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def _is_default(value: Any) -> bool:
    return _is_empty(value) or value is False


def _display(model_field: models.Field, value: Any) -> str:
    if _is_empty(value):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return formats.localize(plain_decimal(value), use_l10n=True)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)

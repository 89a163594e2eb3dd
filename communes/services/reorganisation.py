"""Reorganisations entered by staff: mergers, splits, renames, reclassifications, transfers.

The packages know the units only as they stood in 2025; earlier reorganisations are data that staff
enter, in the admin or from a spreadsheet, as rows "old unit -> new unit". Applying them creates the
historical versions the packages never had, pins the start date of snapshot units whose start was
unknown, and links predecessors to successors through a ReorganisationEvent.

How one event is applied (``effective_date`` = D, the day before = D-1):

1. **New units first**, each looked up by code among the versions in force on D.
   * A version with an *unknown start* (a snapshot unit) is the same unit: its start becomes D.
     Nothing else about it changes; the row must agree with its name, kind and parent (names are
     compared without case and without the kind word: "Xã Tân Mỹ" = "tân mỹ").
   * A version that starts on D already is reused (another event or a change made it).
   * A version that started *before* D is refused, unless the same code is also an old unit of the
     event: then the unit continues with changes, its version is closed on D-1 and a new one opens.
   * No version: one is created from D to the day before the next version of that code starts (or
     open-ended), never beyond the end of its parent.
2. **Old units**, looked up by code among the versions in force on D-1. A version still in force
   after D-1 is closed on D-1; a missing one is created as a historical version with an *unknown
   start* ending on D-1, under the parent of that code in force on D-1 (which must exist). For a
   code that is also a new unit (it continues: "C -> C" in a merger into C), blank old columns
   mean "unchanged" and are taken from the new version.
3. **Links**: every old unit is a predecessor (``partial`` when any of its rows says only part of it
   went into this event), every new unit a successor.
4. **Children** follow their parent (communes.services.units.unit_children_follow) when the rows
   say where it went: when the same code is both old and new (a rename, a reclassification, a
   boundary change) into its new version, and when an old unit went *whole* (not partial) into the
   only new unit of its level (a merger) into that unit. Children that rows of the same date
   mention are left to those rows. Any other child left outside its parent's period (the villages
   of a commune that was split, the snapshot communes of a district whose start just became known,
   the snapshot villages of a merged commune) is an error naming the child: we do not guess where
   it went or came from; add a row for it. Rows for children belong in their own event of the same
   batch (the import groups them so), otherwise they would count among the parent's successors.

A batch (reorganisations_apply) applies events newest first, because history is entered backwards
from the snapshot: each event pins the start of a version that a later event or the snapshot holds,
and leaves its predecessors with an unknown start for the next older event to pin. Within a date,
provinces go before districts, districts before communes, communes before villages. Every problem of
every event is collected and raised together; a batch with any error writes nothing. An event
already recorded (same date, same legal basis, same successor codes) is refused, so importing a
file twice is an error rather than a duplicate.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from communes.models import ReorganisationEvent, Source, Unit, period_within
from communes.services.reorganisation_steps import (
    EventApplier,
    ReorganisationRow,
    ReorganisationSpec,
    Touched,
    name_key,
)
from communes.services.units import ReorganisationReport, row_error

__all__ = ["ReorganisationRow", "ReorganisationSpec", "name_key", "reorganisation_apply", "reorganisations_apply"]

ORPHANS_NAMED = 10  # children named in an error; the rest are counted


def reorganisation_apply(
    *,
    kind: str,
    effective_date: datetime.date,
    legal_basis: str,
    rows: list[ReorganisationRow],
    description: str = "",
    source: str = Source.MANUAL,
    is_demo: bool = False,
    report: ReorganisationReport | None = None,
) -> ReorganisationEvent:
    """Apply one reorganisation (see the module docstring) and return its event.

    Raises one ValidationError listing every problem (row, column, value, reason); nothing is written then.
    """
    spec = ReorganisationSpec(
        kind=kind, effective_date=effective_date, legal_basis=legal_basis, rows=rows, description=description
    )
    (event,) = reorganisations_apply(specs=[spec], source=source, is_demo=is_demo, report=report)
    return event


def reorganisations_apply(
    *,
    specs: list[ReorganisationSpec],
    source: str = Source.IMPORT,
    is_demo: bool = False,
    dry_run: bool = False,
    report: ReorganisationReport | None = None,
) -> list[ReorganisationEvent]:
    """Apply several reorganisations in one transaction, newest first, then check that no child was
    left outside its parent's period. All or nothing: any problem raises one ValidationError
    listing them all. With ``dry_run`` everything is done, reported and rolled back."""
    report = report if report is not None else ReorganisationReport()
    ordered = sorted(
        enumerate(specs), key=lambda item: (-item[1].effective_date.toordinal(), item[1].level_rank(), item[0])
    )
    codes_by_date: dict[datetime.date, set[str]] = {}
    for spec in specs:
        codes = codes_by_date.setdefault(spec.effective_date, set())
        for row in spec.rows:
            codes.update(code.strip() for code in (row.old_code, row.new_code) if code.strip())

    events: list[ReorganisationEvent] = []
    errors: list[ValidationError] = []
    touched = Touched()
    with transaction.atomic():
        for _index, spec in ordered:
            applier = EventApplier(
                spec,
                source=source,
                is_demo=is_demo,
                skip_codes=frozenset(codes_by_date[spec.effective_date]),
                report=report,
                touched=touched,
            )
            try:
                with transaction.atomic():
                    events.append(applier.apply())
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if not errors:
            errors = _children_outside_parents(touched)
        if errors:
            raise ValidationError(errors)
        if dry_run:
            transaction.set_rollback(True)
    return events


def _children_outside_parents(touched: Touched) -> list[ValidationError]:
    """Children of the changed units whose period no longer lies inside their parent's: one error
    per parent, naming its children (the first few, and how many more)."""
    outside: dict[int, list[Unit]] = {}
    parents: dict[int, Unit] = {}
    children = (
        Unit.objects.filter(parent_id__in=list(touched.rows)).select_related("parent").order_by("parent_id", "code")
    )
    for child in children:
        parent = child.parent
        if not period_within(child.valid_from, child.valid_to, parent.valid_from, parent.valid_to):
            outside.setdefault(parent.pk, []).append(child)
            parents[parent.pk] = parent
    errors = []
    for parent_pk, stranded in outside.items():
        parent = parents[parent_pk]
        named = ", ".join(f"{child} ({child.period_label})" for child in stranded[:ORPHANS_NAMED])
        if len(stranded) > ORPHANS_NAMED:
            named += " " + gettext("and %(count)s more") % {"count": len(stranded) - ORPHANS_NAMED}
        row, column, value = touched.rows[parent_pk]
        reason = gettext(
            "%(parent)s now exists only %(parent_period)s, outside it remain: %(children)s. "
            "Add rows saying where they went or where they came from; if %(parent)s existed before and took in "
            "the others, give it as an old unit too and they follow it."
        ) % {"parent": parent, "parent_period": parent.period_label, "children": named}
        errors.append(row_error(row=row, column=column, value=value, reason=reason))
    return errors

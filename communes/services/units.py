"""New versions of administrative units, and the children that follow a parent into its new version.

A unit's name, kind or parent never changes in place: the version in force is closed the day before
the change and a new version opens on the effective date, linked to it by a ReorganisationEvent.
Because a child's ``parent`` points at one *version* of its parent, a parent that gets a new version
takes its children along: each child still in force gets a version under the new parent, recorded
as a transfer event of its own with the same date and legal basis (follower_events_create), so that
each version's successors are its own continuation only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import KIND_LEVEL, Level, ReorganisationEvent, Source, Unit, UnitChange

ONE_DAY = datetime.timedelta(days=1)


def row_error(*, row: int | None, column: str, value: object, reason: str) -> ValidationError:
    """One problem of the input, naming the row, the column, the value and the reason.

    The parts stay in ``params`` so that the admin can show them as a table; ``str()`` of the error
    reads as a sentence for the command line.
    """
    return ValidationError(
        _("Row %(row)s, column %(column)s, value “%(value)s”: %(reason)s"),
        code="row",
        params={
            "row": row if row is not None else "–",
            "column": column,
            "value": "" if value is None else str(value),
            "reason": reason,
        },
    )


def row_errors_table(errors: list[ValidationError]) -> list[dict[str, object]]:
    """Errors as dicts with row, column, value and reason, for a table (errors without those parts
    keep their message as the reason)."""
    table = []
    for error in errors:
        params = error.params or {}
        if error.code == "row":
            table.append({key: params[key] for key in ("row", "column", "value", "reason")})
        else:
            message = error.message % params if params else str(error.message)
            table.append({"row": "–", "column": "", "value": "", "reason": message})
    return table


def format_date(date: datetime.date | None) -> str:
    return date.strftime("%d/%m/%Y") if date else gettext("unknown")


@dataclass(frozen=True)
class ReportLine:
    """One thing a reorganisation did (or would do, in a dry run), as text: rows may be rolled back."""

    action: str
    unit: str
    period: str
    row: int | None = None


@dataclass
class ReorganisationReport:
    """What a batch of reorganisations did: events created, versions created, starts made known,
    versions closed, and children moved into their parent's new version."""

    events: list[str] = field(default_factory=list)
    lines: list[ReportLine] = field(default_factory=list)

    CREATED = "created"
    START_KNOWN = "start_known"
    CLOSED = "closed"
    FOLLOWED = "followed"

    ACTION_LABELS = {
        CREATED: _("Version created"),
        START_KNOWN: _("Start date now known"),
        CLOSED: _("Version closed"),
        FOLLOWED: _("Version created to follow its parent"),
    }

    def record(self, action: str, unit: Unit, row: int | None = None) -> None:
        self.lines.append(ReportLine(action=action, unit=str(unit), period=unit.period_label, row=row))

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    def summary(self) -> dict[str, int]:
        return {
            "events": len(self.events),
            "created": self.count(self.CREATED),
            "start_known": self.count(self.START_KNOWN),
            "closed": self.count(self.CLOSED),
            "followed": self.count(self.FOLLOWED),
        }

    def labelled_lines(self) -> list[tuple[str, ReportLine]]:
        return [(str(self.ACTION_LABELS[line.action]), line) for line in self.lines]


def unit_copy(unit: Unit, **changes) -> Unit:
    """An unsaved new version of ``unit`` carrying over what does not change between versions."""
    values = {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "kind": unit.kind,
        "parent": unit.parent,
        "latitude": unit.latitude,
        "longitude": unit.longitude,
        "area_km2": unit.area_km2,
        "source": unit.source,
        "is_demo": unit.is_demo,
    }
    values.update(changes)
    return Unit(**values)


def unit_children_follow(
    *,
    old: Unit,
    new: Unit,
    effective_date: datetime.date,
    source: str,
    skip_codes: frozenset[str] = frozenset(),
    report: ReorganisationReport | None = None,
    row: int | None = None,
    include_new_children: bool = True,
) -> list[tuple[Unit, Unit]]:
    """Make the children of a unit follow it from its old version into its new one.

    Returns (old version, new version) pairs; ``follower_events_create`` records each pair as its
    own transfer event, so that a child's successors are its own new version and nothing else.

    ``old`` ends the day before ``effective_date`` and ``new`` starts on it (same unit, new version).
    Three cases, applied recursively to grandchildren:

    * a child of ``old`` still in force after the change is closed the day before and gets a new
      version under ``new`` (the pair is returned);
    * a child of ``old`` that starts on or after the effective date never lived under the old
      version; its parent pointer moves to ``new`` (the same parent unit, so nothing about the
      child changes) and the ancestors of its descendants are derived again;
    * a child of ``new`` whose start is unknown (a snapshot unit under a parent whose start has just
      become known) existed before the change too: it gets a historical version under ``old`` and
      its own start becomes the effective date.

    The third case applies only with ``include_new_children`` (``old`` and ``new`` are versions of
    the same unit); when ``new`` is another unit that ``old`` merged into, its own children may have
    come from elsewhere. Children whose code is in ``skip_codes`` are left alone: rows of the same
    reorganisation say where they went. A child of ``new`` that started before the effective date contradicts the
    parent's new start and is refused.
    """
    day_before = effective_date - ONE_DAY
    links: list[tuple[Unit, Unit]] = []
    errors: list[ValidationError] = []

    for child in old.children.exclude(code__in=skip_codes).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day_before)
    ):
        if child.valid_from is not None and child.valid_from >= effective_date:
            child.parent = new
            child.full_clean()
            child.save()
            unit_descendants_rederive(unit=child)
            continue
        original_end = child.valid_to
        child.valid_to = day_before
        child.full_clean()
        child.save()
        if report is not None:
            report.record(ReorganisationReport.CLOSED, child, row)
        successor = unit_copy(child, parent=new, valid_from=effective_date, valid_to=original_end, source=source)
        successor.full_clean()
        successor.save()
        links.append((child, successor))
        if report is not None:
            report.record(ReorganisationReport.FOLLOWED, successor, row)
        links += unit_children_follow(
            old=child,
            new=successor,
            effective_date=effective_date,
            source=source,
            skip_codes=skip_codes,
            report=report,
            row=row,
        )

    new_children = new.children.exclude(code__in=skip_codes) if include_new_children else Unit.objects.none()
    for child in new_children.filter(Q(valid_from__isnull=True) | Q(valid_from__lt=effective_date)):
        if child.valid_from is not None:
            errors.append(
                ValidationError(
                    _("%(child)s starts %(start)s under %(parent)s, which now starts %(date)s."),
                    params={
                        "child": child,
                        "start": format_date(child.valid_from),
                        "parent": new,
                        "date": format_date(effective_date),
                    },
                )
            )
            continue
        child.valid_from = effective_date
        child.full_clean()
        child.save()
        historical = unit_copy(child, parent=old, valid_from=None, valid_to=day_before, source=source)
        historical.full_clean()
        historical.save()
        links.append((historical, child))
        if report is not None:
            report.record(ReorganisationReport.FOLLOWED, historical, row)
            report.record(ReorganisationReport.START_KNOWN, child, row)
        links += unit_children_follow(
            old=historical,
            new=child,
            effective_date=effective_date,
            source=source,
            skip_codes=skip_codes,
            report=report,
            row=row,
        )
    if errors:
        raise ValidationError(errors)
    return links


def follower_events_create(*, pairs: list[tuple[Unit, Unit]], event: ReorganisationEvent) -> int:
    """Record each child that followed its parent in ``event`` as a transfer event of its own.

    Kept apart from the parent's event so that successor and predecessor queries pair each
    version with its own continuation, not with every unit of the parent's event.
    """
    for old, new in pairs:
        follower = ReorganisationEvent.objects.create(
            kind=ReorganisationEvent.EventKind.TRANSFER,
            effective_date=event.effective_date,
            legal_basis=event.legal_basis,
            description=f"Theo đơn vị cấp trên ({new.parent.name}): {event.get_kind_display()}",
            source=event.source,
            is_demo=event.is_demo,
        )
        UnitChange.objects.bulk_create(
            [
                UnitChange(event=follower, unit=old, role=UnitChange.Role.PREDECESSOR),
                UnitChange(event=follower, unit=new, role=UnitChange.Role.SUCCESSOR),
            ]
        )
    return len(pairs)


def unit_descendants_rederive(*, unit: Unit) -> None:
    """Derive the province and district of every descendant again after ``unit`` changed parent."""
    for child in unit.children.all():
        child.save()
        unit_descendants_rederive(unit=child)


@transaction.atomic
def unit_version_create(
    *,
    unit: Unit,
    effective_date: datetime.date,
    legal_basis: str,
    name: str | None = None,
    kind: str | None = None,
    parent: Unit | None = None,
    code: str | None = None,
    event_kind: str | None = None,
    description: str = "",
    source: str = Source.MANUAL,
    report: ReorganisationReport | None = None,
) -> Unit:
    """Record that ``unit`` changed name, kind, parent or code on ``effective_date``.

    The version ``unit`` is closed the day before and a new version opens on the effective date with
    the changes (and the old end date, so a version that was already known to end keeps that end).
    A ReorganisationEvent of ``event_kind`` links them; by default reclassify when the kind changes,
    transfer when the parent changes, rename otherwise. Children in force follow the unit into its
    new version (see unit_children_follow), each move a transfer event of its own. Returns the new version.
    """
    unit = Unit.objects.select_related("parent").get(pk=unit.pk)
    new_values = {
        "name": unit.name if name is None else name.strip(),
        "kind": unit.kind if kind is None else kind,
        "parent": unit.parent if parent is None else parent,
        "code": unit.code if code is None else code.strip(),
    }
    errors: dict[str, list] = {}
    if all(new_values[key] == getattr(unit, key) for key in new_values):
        errors.setdefault("__all__", []).append(_("Nothing changes: give a new name, kind, parent or code."))
    if KIND_LEVEL.get(new_values["kind"]) != unit.level:
        errors.setdefault("kind", []).append(
            _("A new version stays at the %(level)s; record a reorganisation to change level.")
            % {"level": Level(unit.level).label}
        )
    starts_after = unit.valid_from is None or unit.valid_from < effective_date
    ends_after = unit.valid_to is None or unit.valid_to >= effective_date
    if not (starts_after and ends_after):
        errors.setdefault("effective_date", []).append(
            _("%(unit)s is in force %(period)s; the change must take effect after its first day and within it.")
            % {"unit": unit, "period": unit.period_label}
        )
    if not legal_basis.strip():
        errors.setdefault("legal_basis", []).append(_("Give the resolution or decision that made the change."))
    if errors:
        raise ValidationError(errors)

    if event_kind is None:
        if new_values["kind"] != unit.kind:
            event_kind = ReorganisationEvent.EventKind.RECLASSIFY
        elif new_values["parent"] != unit.parent:
            event_kind = ReorganisationEvent.EventKind.TRANSFER
        else:
            event_kind = ReorganisationEvent.EventKind.RENAME

    original_end = unit.valid_to
    unit.valid_to = effective_date - ONE_DAY
    unit.full_clean()
    unit.save()
    new = unit_copy(unit, valid_from=effective_date, valid_to=original_end, source=source, **new_values)
    new.full_clean()
    new.save()
    if report is not None:
        report.record(ReorganisationReport.CLOSED, unit)
        report.record(ReorganisationReport.CREATED, new)

    event = ReorganisationEvent(
        kind=event_kind,
        effective_date=effective_date,
        legal_basis=legal_basis.strip(),
        description=description,
        source=source,
        is_demo=unit.is_demo,
    )
    event.full_clean()
    event.save()
    links = [
        UnitChange(unit=unit, role=UnitChange.Role.PREDECESSOR),
        UnitChange(unit=new, role=UnitChange.Role.SUCCESSOR),
    ]
    followers = unit_children_follow(old=unit, new=new, effective_date=effective_date, source=source, report=report)
    event.clean_links(links)
    for link in links:
        link.event = event
    UnitChange.objects.bulk_create(links)
    follower_events_create(pairs=followers, event=event)
    if report is not None:
        report.events.append(str(event))
    return new

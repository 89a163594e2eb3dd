"""One reorganisation event applied step by step (see communes.services.reorganisation for the rules).

The rows' description of each unit is gathered per code and side, checked against the database,
then the new units are resolved, the old ones resolved or created, the missing new ones created,
children made to follow, and the event saved with its links. Every problem is collected with its
row, column and value before anything is raised.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from communes.models import (
    KIND_LEVEL,
    PARENT_LEVELS,
    Kind,
    Level,
    ReorganisationEvent,
    Unit,
    UnitChange,
)
from communes.services.units import (
    ONE_DAY,
    ReorganisationReport,
    follower_events_create,
    format_date,
    row_error,
    unit_children_follow,
    unit_copy,
)

LEVEL_RANK = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2, Level.VILLAGE: 3}

# The kind word at the start of a unit's name, longest first ("thị xã" before "xã").
NAME_PREFIXES = (
    "thành phố",
    "tổ dân phố",
    "thị trấn",
    "thị xã",
    "đặc khu",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "thôn",
    "bản",
    "xóm",
    "ấp",
    "xã",
)

# Model field -> row column suffix, to name the column a model validation error is about.
FIELD_COLUMNS = {"name": "name", "kind": "kind", "parent": "parent_code"}
EVENT_COLUMNS = {"kind": "event_kind", "effective_date": "effective_date", "description": "note"}


def name_key(name: str) -> str:
    """A unit name for comparison: no case, single spaces, no leading kind word."""
    text = " ".join(unicodedata.normalize("NFC", name).casefold().split())
    for prefix in NAME_PREFIXES:
        if text.startswith(prefix + " "):
            return text[len(prefix) + 1 :]
    return text


@dataclass(frozen=True)
class ReorganisationRow:
    """One line "old unit -> new unit" of a reorganisation; either side may be empty (an
    establishment has no old unit, an abolition no new one). ``number`` is the spreadsheet line or
    form number that error messages name."""

    old_code: str = ""
    old_name: str = ""
    old_kind: str = ""
    old_parent_code: str = ""
    new_code: str = ""
    new_name: str = ""
    new_kind: str = ""
    new_parent_code: str = ""
    partial: bool = False
    note: str = ""
    number: int | None = None


@dataclass
class ReorganisationSpec:
    """One legal act to apply: its kind, date, legal basis and rows."""

    kind: str
    effective_date: datetime.date
    legal_basis: str
    rows: list[ReorganisationRow]
    description: str = ""

    def level_rank(self) -> int:
        kinds = [row.old_kind for row in self.rows] + [row.new_kind for row in self.rows]
        ranks = [LEVEL_RANK[KIND_LEVEL[kind]] for kind in kinds if kind in KIND_LEVEL]
        return min(ranks, default=len(LEVEL_RANK))


@dataclass
class Side:
    """One unit as the rows of an event describe it, on the old or the new side."""

    prefix: str  # "old" or "new": the column prefix
    code: str
    row: int | None
    name: str = ""
    kind: str = ""
    parent_code: str = ""
    partial: bool = False
    failed: bool = False

    @property
    def level(self) -> str | None:
        return KIND_LEVEL.get(self.kind)

    def column(self, suffix: str) -> str:
        return f"{self.prefix}_{suffix}"


@dataclass
class Touched:
    """Units a batch changed, with the row to blame if their children end up outside them."""

    rows: dict[int, tuple[int | None, str, str]] = field(default_factory=dict)

    def add(self, unit: Unit, side: Side) -> None:
        self.rows.setdefault(unit.pk, (side.row, side.column("code"), side.code))


class EventApplier:
    """Applies one ReorganisationSpec; collects every problem before raising."""

    def __init__(
        self,
        spec: ReorganisationSpec,
        *,
        source: str,
        is_demo: bool,
        skip_codes: frozenset[str],
        report: ReorganisationReport,
        touched: Touched,
    ) -> None:
        self.spec = spec
        self.date = spec.effective_date
        self.day_before = spec.effective_date - ONE_DAY
        self.legal_basis = spec.legal_basis.strip()
        self.source = source
        self.is_demo = is_demo
        self.skip_codes = skip_codes
        self.report = report
        self.touched = touched
        self.first_row = spec.rows[0].number if spec.rows else None
        self.errors: list[ValidationError] = []
        self.old_sides: dict[str, Side] = {}
        self.new_sides: dict[str, Side] = {}
        self.old_units: dict[str, Unit] = {}
        self.new_units: dict[str, Unit] = {}
        self.continuing: dict[str, Unit] = {}  # code -> version in force before D that goes on after it
        self.original_end: dict[str, datetime.date | None] = {}
        self.to_create: list[Side] = []

    def apply(self) -> ReorganisationEvent:
        for step in (
            self.rows_check,
            self.sides_collect,
            self.recorded_check,
            self.new_resolve,
            self.old_resolve,
            self.new_create,
        ):
            step()
            if self.errors:
                raise ValidationError(self.errors)
        links = [
            UnitChange(unit=unit, role=UnitChange.Role.PREDECESSOR, partial=self.old_sides[code].partial)
            for code, unit in self.old_units.items()
        ] + [UnitChange(unit=unit, role=UnitChange.Role.SUCCESSOR) for unit in self.new_units.values()]
        followers = self.children_follow()
        if self.errors:
            raise ValidationError(self.errors)
        event = self.event_save(links)
        follower_events_create(pairs=followers, event=event)
        return event

    # Errors

    def error(self, row: int | None, column: str, value: object, reason: str) -> None:
        self.errors.append(row_error(row=row, column=column, value=value, reason=reason))

    def model_errors(self, exc: ValidationError, side: Side | None) -> None:
        """Turn a model's full_clean() errors into row errors naming the column."""
        for model_field, messages in exc.message_dict.items():
            if side is None:
                column = EVENT_COLUMNS.get(model_field, "legal_basis")
                value, row = getattr(self.spec, model_field, ""), self.first_row
            else:
                suffix = FIELD_COLUMNS.get(model_field, "code")
                column, value, row = side.column(suffix), getattr(side, suffix, side.code), side.row
            for message in messages:
                self.error(row, column, value, message)

    def clean_save(self, unit: Unit, side: Side) -> bool:
        try:
            unit.full_clean()
        except ValidationError as exc:
            self.model_errors(exc, side)
            side.failed = True
            return False
        unit.save()
        self.touched.add(unit, side)
        return True

    # Steps

    def rows_check(self) -> None:
        if self.spec.kind not in ReorganisationEvent.EventKind.values:
            self.error(
                self.first_row,
                "event_kind",
                self.spec.kind,
                gettext("Unknown kind of event; use one of: %(kinds)s.")
                % {"kinds": ", ".join(ReorganisationEvent.EventKind.values)},
            )
        if not self.legal_basis:
            self.error(self.first_row, "legal_basis", "", gettext("Give the resolution or decision."))
        if not self.spec.rows:
            self.error(None, "old_code", "", gettext("A reorganisation needs at least one row."))
        for row in self.spec.rows:
            if not row.old_code.strip() and not row.new_code.strip():
                self.error(row.number, "old_code", "", gettext("Give the old unit, the new unit, or both."))
            for prefix in ("old", "new"):
                kind = getattr(row, f"{prefix}_kind")
                if kind and kind not in Kind.values:
                    self.error(
                        row.number,
                        f"{prefix}_kind",
                        kind,
                        gettext("Unknown kind of unit; use one of: %(kinds)s.") % {"kinds": ", ".join(Kind.values)},
                    )
            if row.partial and not row.old_code.strip():
                self.error(
                    row.number, "partial", row.partial, gettext("Only an old unit can go partly into a new one.")
                )

    def sides_collect(self) -> None:
        """Gather what the rows say about each code; rows must not contradict each other."""
        for row in self.spec.rows:
            for prefix, sides in (("old", self.old_sides), ("new", self.new_sides)):
                code = getattr(row, f"{prefix}_code").strip()
                if not code:
                    continue
                side = sides.get(code)
                if side is None:
                    side = sides[code] = Side(prefix=prefix, code=code, row=row.number)
                for attr in ("name", "kind", "parent_code"):
                    value = getattr(row, f"{prefix}_{attr}").strip()
                    if not value:
                        continue
                    known = getattr(side, attr)
                    if not known:
                        setattr(side, attr, value)
                    elif (name_key(known) != name_key(value)) if attr == "name" else known != value:
                        self.error(
                            row.number,
                            side.column(attr),
                            value,
                            gettext("Row %(row)s gives code %(code)s the value “%(known)s”.")
                            % {"row": side.row, "code": code, "known": known},
                        )
                if prefix == "old":
                    side.partial = side.partial or row.partial

    def recorded_check(self) -> None:
        """Refuse an event recorded already: same date, same legal basis, same successor codes."""
        role, sides = (
            (UnitChange.Role.SUCCESSOR, self.new_sides)
            if self.new_sides
            else (UnitChange.Role.PREDECESSOR, self.old_sides)
        )
        existing = (
            UnitChange.objects.filter(
                event__effective_date=self.date,
                event__legal_basis__iexact=self.legal_basis,
                role=role,
                unit__code__in=list(sides),
            )
            .select_related("event", "unit")
            .first()
        )
        if existing is not None:
            self.error(
                self.first_row,
                "legal_basis",
                self.legal_basis,
                gettext("This reorganisation is recorded already (event no. %(id)s, %(event)s, for %(unit)s).")
                % {"id": existing.event_id, "event": existing.event, "unit": existing.unit},
            )

    def new_resolve(self) -> None:
        for code, side in self.new_sides.items():
            unit = self.version_on(side, self.date)
            if side.failed:
                continue
            if unit is None:
                self.to_create.append(side)
                continue
            old_side = self.old_sides.get(code)
            also_old = old_side is not None and (old_side.level or unit.level) == unit.level
            if unit.valid_from is not None and unit.valid_from < self.date:
                if not also_old:
                    self.error(
                        side.row,
                        side.column("code"),
                        code,
                        gettext(
                            "%(unit)s has been in force since %(start)s, so it cannot be new on %(date)s; "
                            "if it continues with changes, give it as the old unit too."
                        )
                        % {"unit": unit, "start": format_date(unit.valid_from), "date": format_date(self.date)},
                    )
                elif self.compare(unit, old_side, self.day_before):
                    self.continuing[code] = unit
                    self.to_create.append(side)
                continue
            if (
                unit.valid_from is None
                and also_old
                and self.differences(unit, side)
                and not self.differences(unit, old_side)
            ):
                # The version in force is the old one (it matches the old side): it goes on with changes.
                self.continuing[code] = unit
                self.to_create.append(side)
                continue
            if not self.compare(unit, side, self.date):
                continue
            if unit.valid_from is None:
                unit.valid_from = self.date
                if not self.clean_save(unit, side):
                    continue
                self.report.record(ReorganisationReport.START_KNOWN, unit, side.row)
            self.new_units[code] = unit

    def old_resolve(self) -> None:
        for code, side in self.old_sides.items():
            if code in self.continuing:
                unit = self.continuing[code]
            else:
                unit = self.version_on(side, self.day_before)
                if side.failed:
                    continue
                if unit is not None:
                    self.compare(unit, side, self.day_before)
                    if side.failed:
                        continue
            if unit is None:
                unit = self.historical_create(side)
                if unit is None:
                    continue
            elif unit.valid_to is None or unit.valid_to > self.day_before:
                self.original_end[code] = unit.valid_to
                unit.valid_to = self.day_before
                if not self.clean_save(unit, side):
                    continue
                self.report.record(ReorganisationReport.CLOSED, unit, side.row)
            self.old_units[code] = unit

    def historical_create(self, side: Side) -> Unit | None:
        """An old unit no package knows: a version with an unknown start, ending the day before.

        When the same code is a new unit of the event (it continues), blanks in the row mean "as it is
        after the change": name, kind and parent code are taken from the new version."""
        continued = self.new_units.get(side.code)
        if continued is not None and (side.level or continued.level) == continued.level:
            side.name = side.name or continued.name
            side.kind = side.kind or continued.kind
            if not side.parent_code and continued.parent is not None:
                side.parent_code = continued.parent.code
        if not self.required_present(side):
            return None
        parent = self.parent_on(side, self.day_before)
        if side.failed:
            return None
        unit = Unit(
            code=side.code,
            name=side.name,
            level=side.level,
            kind=side.kind,
            parent=parent,
            valid_from=None,
            valid_to=self.day_before,
            source=self.source,
            is_demo=self.is_demo,
        )
        if not self.clean_save(unit, side):
            return None
        self.report.record(ReorganisationReport.CREATED, unit, side.row)
        return unit

    def new_create(self) -> None:
        for side in self.to_create:
            continuing = self.continuing.get(side.code)
            if continuing is not None:
                # The unit goes on with changes: blanks in the row keep what the old version had.
                side.name = side.name or continuing.name
                side.kind = side.kind or continuing.kind
                if not side.parent_code and continuing.parent is not None:
                    side.parent_code = continuing.parent.code
            if not self.required_present(side):
                continue
            parent = self.parent_on(side, self.date)
            if side.failed:
                continue
            if continuing is not None:
                end = self.original_end.get(side.code, continuing.valid_to)
            else:
                later = (
                    Unit.objects.filter(level=side.level, code=side.code, valid_from__gt=self.date)
                    .order_by("valid_from")
                    .first()
                )
                end = later.valid_from - ONE_DAY if later is not None else None
            if parent is not None and parent.valid_to is not None and (end is None or end > parent.valid_to):
                end = parent.valid_to  # a version cannot outlive its parent's version
            values = {
                "code": side.code,
                "name": side.name,
                "level": side.level,
                "kind": side.kind,
                "parent": parent,
                "valid_from": self.date,
                "valid_to": end,
                "source": self.source,
                "is_demo": self.is_demo,
            }
            unit = unit_copy(continuing, **values) if continuing is not None else Unit(**values)
            if not self.clean_save(unit, side):
                continue
            self.report.record(ReorganisationReport.CREATED, unit, side.row)
            self.new_units[side.code] = unit

    def children_follow(self) -> list[tuple[Unit, Unit]]:
        """Children go with their parent: into its own new version, or into the one unit it merged into whole."""
        links: list[tuple[Unit, Unit]] = []
        for code, old in self.old_units.items():
            side = self.old_sides[code]
            new = self.new_units.get(code)
            own_version = new is not None and new.level == old.level
            if not own_version:
                receivers = [unit for unit in self.new_units.values() if unit.level == old.level]
                if side.partial or len(receivers) != 1:
                    continue  # split: where each child went is for rows to say (checked at the end)
                new = receivers[0]
            try:
                links += unit_children_follow(
                    old=old,
                    new=new,
                    effective_date=self.date,
                    source=self.source,
                    skip_codes=self.skip_codes,
                    report=self.report,
                    row=side.row,
                    include_new_children=own_version,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.error(side.row, side.column("code"), code, message)
        return links

    def event_save(self, links: list[UnitChange]) -> ReorganisationEvent:
        event = ReorganisationEvent(
            kind=self.spec.kind,
            effective_date=self.date,
            legal_basis=self.legal_basis,
            description=self.spec.description,
            source=self.source,
            is_demo=self.is_demo,
        )
        try:
            event.full_clean()
            event.clean_links(links)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                self.model_errors(exc, None)
            else:
                for message in exc.messages:
                    self.error(self.first_row, "effective_date", format_date(self.date), message)
            raise ValidationError(self.errors) from exc
        event.save()
        for link in links:
            link.event = event
        UnitChange.objects.bulk_create(links)
        self.report.events.append(str(event))
        return event

    # Lookups

    def version_on(self, side: Side, date: datetime.date) -> Unit | None:
        """The version of ``side.code`` in force on ``date`` (at the side's level when its kind is given)."""
        qs = Unit.objects.filter(code=side.code).as_of(date).select_related("parent")
        if side.level is not None:
            qs = qs.filter(level=side.level)
        found = list(qs[:2])
        if len(found) > 1:
            side.failed = True
            self.error(
                side.row,
                side.column("kind" if side.level is None else "code"),
                side.kind or side.code,
                gettext("Several units with code %(code)s were in force on %(date)s (%(units)s); give the kind.")
                % {"code": side.code, "date": format_date(date), "units": ", ".join(str(u) for u in found)},
            )
            return None
        return found[0] if found else None

    def parent_on(self, side: Side, date: datetime.date) -> Unit | None:
        allowed = PARENT_LEVELS[side.level]
        column = side.column("parent_code")
        if not allowed:
            if side.parent_code:
                side.failed = True
                self.error(side.row, column, side.parent_code, gettext("A province has no parent unit."))
            return None
        if not side.parent_code:
            side.failed = True
            self.error(side.row, column, "", gettext("Give the code of the parent unit, needed to create the unit."))
            return None
        found = list(
            Unit.objects.filter(code=side.parent_code, level__in=allowed)
            .as_of(date)
            .select_related("province", "district")[:2]
        )
        if len(found) != 1:
            side.failed = True
            reason = (
                gettext("No parent unit with this code existed on %(date)s; the parent must exist then.")
                if not found
                else gettext("Several units with this code existed on %(date)s.")
            )
            self.error(side.row, column, side.parent_code, reason % {"date": format_date(date)})
            return None
        return found[0]

    def required_present(self, side: Side) -> bool:
        missing = [attr for attr in ("name", "kind") if not getattr(side, attr)]
        for attr in missing:
            self.error(
                side.row,
                side.column(attr),
                "",
                gettext("No unit with code %(code)s existed on %(date)s; give its %(what)s to create it.")
                % {
                    "code": side.code,
                    "date": format_date(self.date if side.prefix == "new" else self.day_before),
                    "what": gettext("name") if attr == "name" else gettext("kind"),
                },
            )
        side.failed = side.failed or bool(missing)
        return not missing

    def differences(self, unit: Unit, side: Side) -> list[tuple[str, str]]:
        """Where the row's description of a unit differs from the version found: (column suffix, actual)."""
        actual_parent = unit.parent.code if unit.parent is not None else ""
        checks = [
            ("name", side.name and name_key(side.name) != name_key(unit.name), unit.name),
            ("kind", side.kind and side.kind != unit.kind, unit.get_kind_display()),
            ("parent_code", side.parent_code and side.parent_code != actual_parent, str(unit.parent)),
        ]
        return [(attr, actual) for attr, differs, actual in checks if differs]

    def compare(self, unit: Unit, side: Side, date: datetime.date) -> bool:
        """The rows must describe the version they resolved to; a difference means a change is missing."""
        for attr, actual in self.differences(unit, side):
            side.failed = True
            self.error(
                side.row,
                side.column(attr),
                getattr(side, attr),
                gettext(
                    "The unit with code %(code)s in force on %(date)s has “%(actual)s” (%(unit)s); "
                    "record any later change of it first."
                )
                % {"code": side.code, "date": format_date(date), "actual": actual, "unit": unit.period_label},
            )
        return not side.failed

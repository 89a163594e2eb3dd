"""Load Vietnam's real administrative units and the 2025 reorganisation into the dated unit tables.

Each package row becomes one Unit version with ``source="package"``: the structure in force until
30 June 2025 (start unknown, so ``valid_from`` stays empty) and the structure from 1 July 2025. Each new
province, each new commune-level unit and each abolished district gets one ReorganisationEvent dated
1 July 2025. Pre-2025 provinces get their NTM region (communes/data/province_regions.json).

The load is idempotent and leaves staff's rows alone: a unit is the version of its (level, code) in
force on 30 June 2025 (old structure) or 1 July 2025 (new structure); a package version is brought up to
date, a version from any other source is kept as it is and used in the events. An event is the package
event whose successor is that unit (or, for an abolished district, whose predecessor is that district).
Everything is written with a handful of bulk queries inside one transaction.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.loaders.units_package import (
    NEW,
    OLD,
    EventRow,
    PackageSnapshot,
    UnitKey,
    UnitRow,
    package_read,
)
from communes.models import (
    Classification,
    Level,
    ReorganisationEvent,
    Source,
    Unit,
    UnitChange,
    UnitClassification,
    periods_overlap,
)

OLD_END = datetime.date(2025, 6, 30)
NEW_START = datetime.date(2025, 7, 1)
PERIODS: dict[str, tuple[datetime.date | None, datetime.date | None]] = {OLD: (None, OLD_END), NEW: (NEW_START, None)}
# The day on which the package describes each structure: the version in force that day is "the" unit.
SNAPSHOT_DAYS = {OLD: OLD_END, NEW: NEW_START}
UNIT_FIELDS = ("name", "kind", "parent_id", "province_id", "district_id", "latitude", "longitude", "area_km2")
LEVEL_ORDER = (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)
REGIONS_PATH = Path(__file__).resolve().parent.parent / "data" / "province_regions.json"
REGION_BASIS = "1980/QĐ-TTg; 318/QĐ-TTg"
BATCH = 500


class UnitLoadError(Exception):
    """The load cannot go ahead (rows in the database contradict the package, or a data file is wrong);
    nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # rows from another source (staff, imports, demo), left as they are


@dataclass
class UnitLoadSummary:
    package_version: str
    old_province_codes: list[str]
    new_province_codes: list[str]
    units: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))  # (era, level)
    unit_kinds: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    events: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))  # by event kind
    regions: Tally = field(default_factory=Tally)
    missing_regions: list[str] = field(default_factory=list)  # region codes with no Classification row
    unresolved: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)


def units_load(*, province_code: str | None = None) -> UnitLoadSummary:
    """Load the whole country, or the new province that ``province_code`` (old or new) names together
    with all the old provinces merged into it. Raises UnknownProvinceError, PackageDataError, UnitLoadError."""
    snapshot = package_read(province_code=province_code)
    regions = province_regions_read()
    summary = UnitLoadSummary(
        package_version=snapshot.version,
        old_province_codes=snapshot.old_province_codes,
        new_province_codes=snapshot.new_province_codes,
        unresolved=snapshot.unresolved,
        unlinked=snapshot.unlinked,
    )
    for row in snapshot.units:
        summary.unit_kinds[(row.key.era, row.key.level)][row.kind] += 1
    with transaction.atomic():
        units = _UnitWriter(summary).write(snapshot.units)
        _events_write(snapshot, units=units, summary=summary)
        _regions_assign(snapshot, units=units, regions=regions, summary=summary)
    return summary


def province_regions_read(path: Path = REGIONS_PATH) -> dict[str, str]:
    """Old province code -> region code, checked: every code two digits, every region one of the seven."""
    data = json.loads(path.read_text(encoding="utf-8"))
    known = set(data["regions"])
    regions = {}
    for code, entry in data["provinces"].items():
        if len(code) != 2 or not code.isdigit() or entry.get("region") not in known:
            raise UnitLoadError(
                [
                    _("%(file)s: province %(code)r has region %(region)r; expected one of %(known)s.")
                    % {
                        "file": path.name,
                        "code": code,
                        "region": entry.get("region"),
                        "known": ", ".join(sorted(known)),
                    }
                ]
            )
        regions[code] = entry["region"]
    return regions


class _UnitWriter:
    """Matches package rows to existing versions, then creates and updates in bulk, level by level."""

    def __init__(self, summary: UnitLoadSummary) -> None:
        self.summary = summary
        self.versions: dict[tuple[str, str], list[Unit]] = defaultdict(list)
        for unit in Unit.objects.filter(level__in=LEVEL_ORDER).only(
            "id", "code", "level", "source", "valid_from", "valid_to", *UNIT_FIELDS
        ):
            self.versions[(unit.level, unit.code)].append(unit)

    def write(self, rows: list[UnitRow]) -> dict[UnitKey, Unit]:
        units: dict[UnitKey, Unit] = {}
        problems: list[str] = []
        for level in LEVEL_ORDER:  # parents need primary keys before their children are written
            to_create, to_update = [], []
            for row in rows:
                if row.key.level != level:
                    continue
                tally = self.summary.units[(row.key.era, level)]
                parent = units[row.parent] if row.parent else None
                known_problems = len(problems)
                unit = self.match(row, problems)
                if len(problems) > known_problems:
                    continue
                wanted = self.wanted(row, parent)
                if unit is None:
                    valid_from, valid_to = PERIODS[row.key.era]
                    unit = Unit(
                        code=row.key.code,
                        level=level,
                        valid_from=valid_from,
                        valid_to=valid_to,
                        source=Source.PACKAGE,
                        **wanted,
                    )
                    to_create.append(unit)
                    tally.created += 1
                elif unit.source != Source.PACKAGE:
                    tally.kept += 1
                elif any(getattr(unit, name) != value for name, value in wanted.items()):
                    for name, value in wanted.items():
                        setattr(unit, name, value)
                    unit.updated_at = timezone.now()
                    to_update.append(unit)
                    tally.updated += 1
                else:
                    tally.unchanged += 1
                units[row.key] = unit
            if problems:
                raise UnitLoadError(problems)
            Unit.objects.bulk_create(to_create, batch_size=BATCH)
            Unit.objects.bulk_update(to_update, [*UNIT_FIELDS, "updated_at"], batch_size=BATCH)
        return units

    @staticmethod
    def wanted(row: UnitRow, parent: Unit | None) -> dict:
        """The package's values, with the ancestors that Unit.derive_ancestors() would set (from ids, no queries)."""
        province_id = district_id = None
        if parent is not None and parent.level == Level.PROVINCE:
            province_id = parent.pk
        elif parent is not None:
            province_id, district_id = parent.province_id, parent.pk
        return {
            "name": row.name,
            "kind": row.kind,
            "parent_id": parent.pk if parent else None,
            "province_id": province_id,
            "district_id": district_id,
            "latitude": row.latitude,
            "longitude": row.longitude,
            "area_km2": row.area_km2,
        }

    def match(self, row: UnitRow, problems: list[str]) -> Unit | None:
        """The existing version that stands for this row, or None to create one. A contradiction with the
        rows already in the database is appended to ``problems``."""
        era, level, code = row.key
        versions = self.versions.get((level, code), [])
        day = SNAPSHOT_DAYS[era]
        valid_from, valid_to = PERIODS[era]
        on_day = [v for v in versions if v.is_valid_on(day)]
        about = {"level": Level(level).label, "code": code, "name": row.name}
        if len(on_day) == 1:
            unit = on_day[0]
            if (era == OLD and unit.valid_to != OLD_END) or (era == NEW and unit.valid_from != NEW_START):
                message = (
                    _(
                        "%(level)s %(code)s (%(name)s): the version %(unit)s (%(source)s, %(period)s) must end on "
                        "30/06/2025, when the 2025 reorganisation replaced it. Correct its period and run the load again."
                    )
                    if era == OLD
                    else _(
                        "%(level)s %(code)s (%(name)s): the version %(unit)s (%(source)s, %(period)s) must start on "
                        "01/07/2025, when the 2025 reorganisation created it. Correct its period and run the load again."
                    )
                )
                problems.append(
                    message % {**about, "unit": unit, "source": unit.get_source_display(), "period": unit.period_label}
                )
                return None
            return unit
        if on_day:
            problems.append(
                _("%(level)s %(code)s (%(name)s): %(count)d versions are in force on %(day)s: %(versions)s")
                % {
                    **about,
                    "count": len(on_day),
                    "day": f"{day:%d/%m/%Y}",
                    "versions": "; ".join(f"{v} {v.period_label}" for v in on_day),
                }
            )
            return None
        for other in versions:
            if periods_overlap(other.valid_from, other.valid_to, valid_from, valid_to):
                problems.append(
                    _(
                        "%(level)s %(code)s (%(name)s): cannot add the package's version (%(period)s) because the "
                        "version %(other)s (%(source)s, %(other_period)s) overlaps it. The package does not know when "
                        "this unit's version started; give the version in force on %(day)s its known dates by hand, "
                        "or correct the other version."
                    )
                    % {
                        **about,
                        "period": Unit(valid_from=valid_from, valid_to=valid_to).period_label,
                        "other": other,
                        "source": other.get_source_display(),
                        "other_period": other.period_label,
                        "day": f"{day:%d/%m/%Y}",
                    }
                )
                return None
        return None


def _events_write(snapshot: PackageSnapshot, *, units: dict[UnitKey, Unit], summary: UnitLoadSummary) -> None:
    """Create or bring up to date the package's events of 1 July 2025; events from other sources are kept."""
    links_by_event: dict[int, set[tuple[int, str, bool]]] = defaultdict(set)
    for event_id, unit_id, role, partial in UnitChange.objects.filter(event__effective_date=NEW_START).values_list(
        "event_id", "unit_id", "role", "partial"
    ):
        links_by_event[event_id].add((unit_id, role, partial))
    package_events: dict[tuple[str, int], ReorganisationEvent] = {}
    other_events: set[tuple[str, int]] = set()
    for event in ReorganisationEvent.objects.filter(effective_date=NEW_START).only(
        "id", "kind", "legal_basis", "description", "source"
    ):
        for identity in _identities(links_by_event[event.pk]):
            if event.source == Source.PACKAGE:
                package_events.setdefault(identity, event)
            else:
                other_events.add(identity)

    to_create: list[tuple[ReorganisationEvent, list[UnitChange]]] = []
    to_update: list[tuple[ReorganisationEvent, list[UnitChange] | None]] = []
    problems: list[str] = []
    for row in snapshot.events:
        tally = summary.events[row.kind]
        links = [
            UnitChange(unit=units[key], role=UnitChange.Role.PREDECESSOR, partial=partial)
            for key, partial in row.predecessors
        ]
        if row.successor:
            links.append(UnitChange(unit=units[row.successor], role=UnitChange.Role.SUCCESSOR))
        wanted_links = {(link.unit.pk, link.role, link.partial) for link in links}
        (identity,) = _identities(wanted_links)
        if identity in other_events:
            tally.kept += 1
            continue
        event = package_events.get(identity)
        if event is None:
            event = ReorganisationEvent(effective_date=NEW_START, source=Source.PACKAGE)
            _event_set(event, row)
            to_create.append((event, links))
            tally.created += 1
        elif (event.kind, event.legal_basis, event.description) != (row.kind, row.legal_basis, row.description):
            _event_set(event, row)
            to_update.append((event, links if links_by_event[event.pk] != wanted_links else None))
            tally.updated += 1
        elif links_by_event[event.pk] != wanted_links:
            to_update.append((event, links))
            tally.updated += 1
        else:
            tally.unchanged += 1
            continue
        try:
            event.clean_links(links)
        except ValidationError as error:
            problems.extend(f"{row.description[:120]}: {message}" for message in error.messages)
    if problems:
        raise UnitLoadError(problems)

    ReorganisationEvent.objects.bulk_create([event for event, _links in to_create], batch_size=BATCH)
    ReorganisationEvent.objects.bulk_update(
        [event for event, _links in to_update], ["kind", "legal_basis", "description"], batch_size=BATCH
    )
    relinked = [event.pk for event, links in to_update if links is not None]
    for start in range(0, len(relinked), BATCH):
        UnitChange.objects.filter(event_id__in=relinked[start : start + BATCH]).delete()
    new_links = []
    for event, links in [*to_create, *((e, ls) for e, ls in to_update if ls is not None)]:
        for link in links:
            link.event = event
            new_links.append(link)
    UnitChange.objects.bulk_create(new_links, batch_size=BATCH)


def _identities(links: set[tuple[int, str, bool]]) -> list[tuple[str, int]]:
    """How an event of 1 July 2025 is recognised: by its successor, or by the district it abolished."""
    successors = [("successor", unit_id) for unit_id, role, _p in links if role == UnitChange.Role.SUCCESSOR]
    if successors:
        return successors
    return [("abolished", unit_id) for unit_id, role, _p in links if role == UnitChange.Role.PREDECESSOR]


def _event_set(event: ReorganisationEvent, row: EventRow) -> None:
    event.kind, event.legal_basis, event.description = row.kind, row.legal_basis, row.description


def _regions_assign(
    snapshot: PackageSnapshot, *, units: dict[UnitKey, Unit], regions: dict[str, str], summary: UnitLoadSummary
) -> None:
    """Give each pre-2025 province its region until 30 June 2025, unless it already has a region."""
    classifications = {
        c.code: c
        for c in Classification.objects.filter(scheme=Classification.Scheme.REGION, code__in=set(regions.values()))
    }
    provinces = [units[UnitKey(OLD, Level.PROVINCE, code)] for code in snapshot.old_province_codes]
    existing = defaultdict(list)
    for assignment in UnitClassification.objects.filter(
        unit__in=provinces, classification__scheme=Classification.Scheme.REGION
    ).only("unit_id", "classification_id", "valid_from", "valid_to", "legal_basis"):
        existing[assignment.unit_id].append(assignment)
    to_create = []
    missing = set()
    for province in provinces:
        region_code = regions.get(province.code)
        if region_code is None:
            raise UnitLoadError(
                [
                    _("%(file)s has no region for province %(province)s.")
                    % {"file": REGIONS_PATH.name, "province": province}
                ]
            )
        region = classifications.get(region_code)
        if region is None:
            missing.add(region_code)
            continue
        assignments = existing.get(province.pk, [])
        if not assignments:
            to_create.append(
                UnitClassification(
                    unit=province, classification=region, valid_from=None, valid_to=OLD_END, legal_basis=REGION_BASIS
                )
            )
            summary.regions.created += 1
        elif any(
            (a.classification_id, a.valid_from, a.valid_to, a.legal_basis) == (region.pk, None, OLD_END, REGION_BASIS)
            for a in assignments
        ):
            summary.regions.unchanged += 1
        else:
            summary.regions.kept += 1  # staff gave it a region; theirs stands
    UnitClassification.objects.bulk_create(to_create, batch_size=BATCH)
    summary.missing_regions = sorted(missing)

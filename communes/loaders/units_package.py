"""Read Vietnam's administrative units and the 2025 reorganisation out of the `vietnamadminunits` package.

The package (MIT) ships its data as files: ``data/dataset.db`` (SQLite; table ``admin_units_legacy`` is the
structure in force until 30 June 2025, ``admin_units`` the structure from 1 July 2025) and
``data/converter_2025.json`` (which old communes formed each new one, keyed by normalised names). We read
those files directly: the package's own parser API builds large in-memory indexes and is far slower.

Everything here is plain Python: the result (``PackageSnapshot``) says which unit versions and which
events the package implies, identified by ``UnitKey``; ``communes.loaders.units`` writes them.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from django.utils.translation import gettext as _

from communes.models import Kind, Level, ReorganisationEvent

EventKind = ReorganisationEvent.EventKind

PACKAGE = "vietnamadminunits"

OLD = "old"  # the structure in force until 30 June 2025 (province -> district -> commune)
NEW = "new"  # the structure from 1 July 2025 (province -> commune)

PROVINCE_BASIS = "Nghị quyết 202/2025/QH15"
DISTRICT_BASIS = "Luật Tổ chức chính quyền địa phương 2025 (cấp huyện chấm dứt hoạt động từ 01/07/2025)"
# The package does not record the Standing Committee resolution of each province.
COMMUNE_BASIS = "Nghị quyết của UBTVQH về sắp xếp ĐVHC cấp xã năm 2025 ({province})"
# Descriptions are stored data read by Vietnamese staff next to the Vietnamese legal basis, not interface
# text: they are fixed strings, so a second run compares equal whatever language is active.
COMMUNE_NOTE = "Nguồn: gói vietnamadminunits {version}; số nghị quyết UBTVQH chưa có trong nguồn, cán bộ cần bổ sung."

PROVINCE_KINDS = {"Thành phố": Kind.CENTRAL_CITY, "Tỉnh": Kind.PROVINCE}
DISTRICT_KINDS = {
    "Huyện": Kind.RURAL_DISTRICT,
    "Quận": Kind.URBAN_DISTRICT,
    "Thị xã": Kind.DISTRICT_TOWN,
    "Thành phố": Kind.PROVINCIAL_CITY,
}
COMMUNE_KINDS = {"Xã": Kind.COMMUNE, "Phường": Kind.WARD, "Thị trấn": Kind.TOWNLET, "Đặc khu": Kind.SPECIAL_ZONE}
_PLACE = ("Code", "Lat", "Lon", "Key")
LEGACY_COLUMNS = (
    "province",
    "district",
    "ward",
    "districtType",
    "wardType",
    *(f"{level}{part}" for level in ("province", "district", "ward") for part in _PLACE),
)
CURRENT_COLUMNS = (
    "province",
    "ward",
    "wardType",
    "wardAreaKm2",
    *(f"{level}{part}" for level in ("province", "ward") for part in _PLACE),
)
CODE_WIDTHS = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}


class PackageDataError(ValueError):
    """The package's files are not what this loader expects (a row or key that cannot be used)."""


class UnknownProvinceError(ValueError):
    """``--province`` names no province of either structure."""


class UnitKey(NamedTuple):
    era: str  # OLD or NEW
    level: str
    code: str


@dataclass(frozen=True)
class UnitRow:
    key: UnitKey
    name: str
    kind: str
    parent: UnitKey | None
    latitude: float | None = None
    longitude: float | None = None
    area_km2: float | None = None


@dataclass(frozen=True)
class EventRow:
    """One event of 1 July 2025. ``predecessors`` are (unit, partial) pairs; an abolition has no successor."""

    kind: str
    legal_basis: str
    description: str
    predecessors: tuple[tuple[UnitKey, bool], ...]
    successor: UnitKey | None


@dataclass
class PackageSnapshot:
    version: str
    units: list[UnitRow] = field(default_factory=list)  # parents before children
    events: list[EventRow] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # converter keys that name no single unit
    unlinked: list[str] = field(default_factory=list)  # old communes that no event continues
    old_province_codes: list[str] = field(default_factory=list)
    new_province_codes: list[str] = field(default_factory=list)


def package_paths() -> tuple[Path, Path]:
    """The package's data files, found without importing it (its import builds the parser's indexes)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise PackageDataError(_("The %(package)s package is not installed.") % {"package": PACKAGE})
    data = Path(spec.origin).resolve().parent / "data"
    return data / "dataset.db", data / "converter_2025.json"


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is a dependency
        return "?"


def normalise_code(value: object, *, level: str, where: str) -> str:
    text = str(value or "").strip()
    if not text.isdigit():
        raise PackageDataError(
            _("%(where)s: the %(level)s code %(value)r is not a number.")
            % {"where": where, "level": level, "value": value}
        )
    return text.zfill(CODE_WIDTHS[level])


def kind_of(value: str | None, kinds: dict[str, str], *, where: str) -> str:
    kind = kinds.get(value or "")
    if kind is None:
        raise PackageDataError(
            _("%(where)s: unknown unit type %(value)r (expected one of %(kinds)s).")
            % {"where": where, "value": value, "kinds": ", ".join(kinds)}
        )
    return kind


def province_kind(name: str, *, where: str) -> str:
    prefix = next((p for p in PROVINCE_KINDS if name.startswith(p + " ")), None)
    return kind_of(prefix, PROVINCE_KINDS, where=where)


def package_read(*, province_code: str | None = None) -> PackageSnapshot:
    """Units and 2025 events of the whole country, or of one new province and the old provinces it
    absorbed (``province_code``: an old or a new province code)."""
    db_path, converter_path = package_paths()
    converter = json.loads(converter_path.read_text(encoding="utf-8"))
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        legacy = connection.execute(
            f"SELECT {', '.join(LEGACY_COLUMNS)} FROM admin_units_legacy ORDER BY rowid"
        ).fetchall()
        current = connection.execute(f"SELECT {', '.join(CURRENT_COLUMNS)} FROM admin_units ORDER BY rowid").fetchall()
    finally:
        connection.close()

    families: dict[str, list[str]] = converter["DICT_PROVINCE"]
    new_province_keys = _family_keys(families, legacy, current, province_code)
    old_province_keys = {old for new in new_province_keys for old in families[new]}
    snapshot = PackageSnapshot(version=package_version())
    reader = _Reader(snapshot)
    reader.read_old(row for row in legacy if row["provinceKey"] in old_province_keys)
    reader.read_new(row for row in current if row["provinceKey"] in new_province_keys)
    for new_key in sorted(new_province_keys, key=lambda k: reader.new_provinces[k].key.code):
        reader.province_event(new_key, families[new_key])
        reader.commune_events(
            new_key,
            whole=converter["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_key, {}),
            divided=converter["DICT_PROVINCE_WARD_DIVIDED"].get(new_key, {}),
        )
    reader.district_events()
    snapshot.unlinked = reader.unlinked_old_units()
    snapshot.unresolved = list(dict.fromkeys(snapshot.unresolved))
    return snapshot


def _family_keys(families: dict[str, list[str]], legacy: list, current: list, province_code: str | None) -> set[str]:
    """The new province keys to load: all, or the family that an old or new code belongs to."""
    if province_code is None:
        return set(families)
    code = province_code.strip().zfill(2) if province_code.strip().isdigit() else province_code.strip()
    new_keys = {row["provinceKey"] for row in current if row["provinceCode"] == code}
    old_keys = {row["provinceKey"] for row in legacy if row["provinceCode"] == code}
    new_keys |= {new for new, olds in families.items() if old_keys & set(olds)}
    if not new_keys:
        raise UnknownProvinceError(
            _("No province has code %(code)r, neither before 1 July 2025 (63 provinces) nor after it (34).")
            % {"code": province_code}
        )
    return new_keys


class _Reader:
    """Turns package rows into UnitRows and EventRows, resolving the converter's name keys to codes."""

    def __init__(self, snapshot: PackageSnapshot) -> None:
        self.snapshot = snapshot
        self.units: dict[UnitKey, UnitRow] = {}
        self.old_provinces: dict[str, UnitRow] = {}  # by province key
        self.new_provinces: dict[str, UnitRow] = {}
        # Converter keys -> candidate units; a key with more than one candidate is ambiguous.
        self.old_keys: dict[str, set[UnitKey]] = defaultdict(set)  # "province_district_ward" (ward may be "")
        self.new_keys: dict[tuple[str, str], set[UnitKey]] = defaultdict(set)  # (province key, ward key)
        self.succeeded: set[UnitKey] = set()  # old units that some event links to a successor

    def add(self, row: UnitRow, *, where: str) -> None:
        known = self.units.get(row.key)
        if known is None:
            self.units[row.key] = row
            self.snapshot.units.append(row)
        elif (known.name, known.kind, known.parent) != (row.name, row.kind, row.parent):
            raise PackageDataError(
                _("%(where)s: %(level)s %(code)s is %(name)r here but %(earlier)r in an earlier row.")
                % {
                    "where": where,
                    "level": row.key.level,
                    "code": row.key.code,
                    "name": row.name,
                    "earlier": known.name,
                }
            )

    def read_old(self, rows) -> None:
        """Provinces, then districts, then communes, so that parents come before children."""
        rows = [(row, f"admin_units_legacy ({row['province']}, {row['district']}, {row['ward']})") for row in rows]
        for row, where in rows:
            province = UnitRow(
                key=UnitKey(
                    OLD, Level.PROVINCE, normalise_code(row["provinceCode"], level=Level.PROVINCE, where=where)
                ),
                name=row["province"],
                kind=province_kind(row["province"], where=where),
                parent=None,
                latitude=row["provinceLat"],
                longitude=row["provinceLon"],
            )
            self.add(province, where=where)
            self.old_provinces[row["provinceKey"]] = province
        districts: dict[tuple[str, str], UnitKey] = {}
        for row, where in rows:
            district = UnitRow(
                key=UnitKey(
                    OLD, Level.DISTRICT, normalise_code(row["districtCode"], level=Level.DISTRICT, where=where)
                ),
                name=row["district"],
                kind=kind_of(row["districtType"], DISTRICT_KINDS, where=where),
                parent=self.old_provinces[row["provinceKey"]].key,
                latitude=row["districtLat"],
                longitude=row["districtLon"],
            )
            self.add(district, where=where)
            districts[(row["provinceKey"], row["districtKey"])] = district.key
            if not row["wardCode"]:
                # A district without communes (some island districts): the converter names the district itself.
                self.old_keys[f"{row['provinceKey']}_{row['districtKey']}_"].add(district.key)
        for row, where in rows:
            if not row["wardCode"]:
                continue
            commune = UnitRow(
                key=UnitKey(OLD, Level.COMMUNE, normalise_code(row["wardCode"], level=Level.COMMUNE, where=where)),
                name=row["ward"],
                kind=kind_of(row["wardType"], COMMUNE_KINDS, where=where),
                parent=districts[(row["provinceKey"], row["districtKey"])],
                latitude=row["wardLat"],
                longitude=row["wardLon"],
            )
            self.add(commune, where=where)
            self.old_keys[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"].add(commune.key)
        self.snapshot.old_province_codes = sorted(p.key.code for p in self.old_provinces.values())

    def read_new(self, rows) -> None:
        rows = [(row, f"admin_units ({row['province']}, {row['ward']})") for row in rows]
        for row, where in rows:
            province = UnitRow(
                key=UnitKey(
                    NEW, Level.PROVINCE, normalise_code(row["provinceCode"], level=Level.PROVINCE, where=where)
                ),
                name=row["province"],
                kind=province_kind(row["province"], where=where),
                parent=None,
                latitude=row["provinceLat"],
                longitude=row["provinceLon"],
            )
            self.add(province, where=where)
            self.new_provinces[row["provinceKey"]] = province
        for row, where in rows:
            commune = UnitRow(
                key=UnitKey(NEW, Level.COMMUNE, normalise_code(row["wardCode"], level=Level.COMMUNE, where=where)),
                name=row["ward"],
                kind=kind_of(row["wardType"], COMMUNE_KINDS, where=where),
                parent=self.new_provinces[row["provinceKey"]].key,
                latitude=row["wardLat"],
                longitude=row["wardLon"],
                area_km2=row["wardAreaKm2"],
            )
            self.add(commune, where=where)
            self.new_keys[(row["provinceKey"], row["wardKey"])].add(commune.key)
        self.snapshot.new_province_codes = sorted(p.key.code for p in self.new_provinces.values())

    # Events

    def province_event(self, new_key: str, old_keys: list[str]) -> None:
        new = self.new_provinces[new_key]
        olds = []
        for old_key in old_keys:
            old = self.old_provinces.get(old_key)
            if old is None:
                self.snapshot.unresolved.append(
                    _("DICT_PROVINCE[%(new)r]: old province key %(old)r is not in admin_units_legacy.")
                    % {"new": new_key, "old": old_key}
                )
            else:
                olds.append(old)
        if not olds:
            return
        if len(olds) > 1:
            kind = EventKind.MERGE
            description = f"Hợp nhất {', '.join(o.name for o in olds)} thành {new.name}."
        else:
            kind = self.single_change_kind(olds[0], new)
            description = {
                EventKind.RECLASSIFY: f"{olds[0].name} trở thành {new.name}.",
                EventKind.RENAME: f"Đổi tên {olds[0].name} thành {new.name}.",
            }.get(kind, f"{new.name} giữ nguyên; cấp huyện chấm dứt hoạt động, cấp xã trực thuộc tỉnh.")
        self.add_event(
            EventRow(
                kind=kind,
                legal_basis=PROVINCE_BASIS,
                description=description,
                predecessors=tuple((o.key, False) for o in olds),
                successor=new.key,
            )
        )

    def commune_events(self, new_key: str, *, whole: dict[str, list[str]], divided: dict[str, list[dict]]) -> None:
        """One event per new commune-level unit of the province, linking the old units that formed it."""
        province = self.new_provinces[new_key]
        formed_from: dict[UnitKey, dict[UnitKey, bool]] = defaultdict(dict)  # new -> {old: partial}
        for ward_key, old_full_keys in whole.items():
            new = self.resolve_new(new_key, ward_key, where=f"DICT_PROVINCE_WARD_NO_DIVIDED[{new_key!r}]")
            for old_full_key in old_full_keys:
                old = self.resolve_old(old_full_key, where=f"DICT_PROVINCE_WARD_NO_DIVIDED[{new_key!r}][{ward_key!r}]")
                if new is not None and old is not None:
                    formed_from[new].setdefault(old, False)
        for old_full_key, targets in divided.items():
            old = self.resolve_old(old_full_key, where=f"DICT_PROVINCE_WARD_DIVIDED[{new_key!r}]")
            for target in targets:
                new = self.resolve_new(
                    new_key, target["newWardKey"], where=f"DICT_PROVINCE_WARD_DIVIDED[{new_key!r}][{old_full_key!r}]"
                )
                if new is not None and old is not None:
                    formed_from[new][old] = True
        basis = COMMUNE_BASIS.format(province=province.name)
        note = COMMUNE_NOTE.format(version=self.snapshot.version)
        for unit in self.snapshot.units:
            if unit.key.era != NEW or unit.key.level != Level.COMMUNE or unit.parent != province.key:
                continue
            predecessors = formed_from.get(unit.key)
            if not predecessors:
                self.snapshot.unresolved.append(
                    _("%(unit)s (%(code)s, %(province)s): the converter names no old unit that formed it.")
                    % {"unit": unit.name, "code": unit.key.code, "province": province.name}
                )
                continue
            if len(predecessors) > 1:
                kind = EventKind.MERGE
            else:
                ((old_key, partial),) = predecessors.items()
                kind = EventKind.SPLIT if partial else self.single_change_kind(self.units[old_key], unit)
            origins = "; ".join(
                self.describe(old_key) + (" (một phần)" if partial else "")
                for old_key, partial in sorted(predecessors.items())
            )
            self.add_event(
                EventRow(
                    kind=kind,
                    legal_basis=basis,
                    description=f"{unit.name} ({province.name}) hình thành từ: {origins}. {note}",
                    predecessors=tuple(sorted(predecessors.items())),
                    successor=unit.key,
                )
            )

    def district_events(self) -> None:
        """Every old district that no commune event continues is abolished (no successor)."""
        for unit in self.snapshot.units:
            if unit.key.era != OLD or unit.key.level != Level.DISTRICT or unit.key in self.succeeded:
                continue
            province = self.units[unit.parent]
            self.add_event(
                EventRow(
                    kind=EventKind.ABOLISH,
                    legal_basis=DISTRICT_BASIS,
                    description=f"{unit.name} ({province.name}) chấm dứt hoạt động từ 01/07/2025 khi bỏ cấp huyện.",
                    predecessors=((unit.key, False),),
                    successor=None,
                )
            )

    def add_event(self, event: EventRow) -> None:
        self.snapshot.events.append(event)
        self.succeeded.update(key for key, _partial in event.predecessors)

    @staticmethod
    def single_change_kind(old: UnitRow, new: UnitRow) -> str:
        """What changed when one whole unit became one new unit."""
        if old.kind != new.kind:
            return EventKind.RECLASSIFY
        if old.name != new.name:
            return EventKind.RENAME
        return EventKind.TRANSFER  # same name and kind, new parent (its district was abolished)

    def describe(self, key: UnitKey) -> str:
        unit = self.units[key]
        parents = []
        parent = unit.parent
        while parent is not None:
            parents.append(self.units[parent].name)
            parent = self.units[parent].parent
        return f"{unit.name} ({', '.join(parents)})" if parents else unit.name

    def resolve_old(self, full_key: str, *, where: str) -> UnitKey | None:
        return self.resolve(self.old_keys.get(full_key, set()), where=where, key=full_key)

    def resolve_new(self, province_key: str, ward_key: str, *, where: str) -> UnitKey | None:
        return self.resolve(self.new_keys.get((province_key, ward_key), set()), where=where, key=ward_key)

    def resolve(self, candidates: set[UnitKey], *, where: str, key: str) -> UnitKey | None:
        """The one unit a key names; a key naming none or several is recorded, never guessed."""
        if len(candidates) == 1:
            return next(iter(candidates))
        if candidates:
            codes = ", ".join(sorted(c.code for c in candidates))
            self.snapshot.unresolved.append(
                _("%(where)s: key %(key)r is ambiguous (codes %(codes)s).")
                % {"where": where, "key": key, "codes": codes}
            )
        else:
            self.snapshot.unresolved.append(
                _("%(where)s: key %(key)r names none of the loaded units.") % {"where": where, "key": key}
            )
        return None

    def unlinked_old_units(self) -> list[str]:
        """Old districts and communes that no event continues (old districts are always abolished)."""
        return [
            _("%(unit)s [%(code)s]: the converter names no new unit for it.")
            % {"unit": self.describe(unit.key), "code": unit.key.code}
            for unit in self.snapshot.units
            if unit.key.era == OLD and unit.key.level == Level.COMMUNE and unit.key not in self.succeeded
        ]

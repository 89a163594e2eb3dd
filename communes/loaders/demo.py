"""The demo: a real province family with generated villages, classifications and earlier reorganisations.

Built on the real units of today's Thái Nguyên (code 19), which on 1 July 2025 absorbed the former
Bắc Kạn (06): years of history on the old districts and communes, and the new communes since. Every
row this module creates is marked ``is_demo`` (or ``source="demo"``) and the interface shows a demo
banner while such rows exist. Generation is deterministic: the same seed gives the same demo.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import transaction

from communes.loaders.demo_assessments import demo_assessments_load
from communes.models import (
    Classification,
    Kind,
    Level,
    ReorganisationEvent,
    Source,
    Unit,
    UnitChange,
    UnitClassification,
)
from communes.services.reorganisation import ReorganisationRow, reorganisation_apply
from ocop.demo import ocop_demo_load
from reports.demo import reports_demo_load

DEMO_PROVINCE_CODE = "19"  # Thái Nguyên after 1 July 2025 (former Thái Nguyên + Bắc Kạn)
SEED = 2026
OLD_END = datetime.date(2025, 6, 30)
NEW_START = datetime.date(2025, 7, 1)
DEMO_BASIS = "Dữ liệu mẫu (demo), không phải văn bản thật"

# Villages of the mountain province (Bắc Kạn) carry Tày names; Thái Nguyên's are xóm.
_TAY_FIRST = ["Nà", "Khuổi", "Phiêng", "Pác", "Bản", "Cốc", "Lủng", "Thôm", "Nặm", "Khau", "Bó", "Pù"]
_TAY_SECOND = ["Pài", "Tẩu", "Luông", "Mạ", "Cà", "Quân", "Đông", "Vẻn", "Sliến", "Lạn", "Chang", "Phầy", "Mòn", "Tát"]
_XOM_NAMES = ["Đồng", "Làng", "Chợ", "Gò", "Bãi", "Trại", "Soi", "Cầu", "Đình", "Chùa", "Mới", "Cả", "Thượng", "Hạ"]


@dataclass
class DemoSummary:
    villages: int = 0
    village_versions_after_2025: int = 0
    classifications: int = 0
    events: int = 0
    assessments: dict[str, int] = field(default_factory=dict)
    ocop: dict[str, int] = field(default_factory=dict)
    reports: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def demo_load(*, echo: Callable[[str], None] = lambda _msg: None) -> DemoSummary:
    """Build the demo (idempotent: a demo already loaded is left as it is)."""
    summary = DemoSummary()
    if not Unit.objects.filter(level=Level.PROVINCE, code=DEMO_PROVINCE_CODE, valid_from=NEW_START).exists():
        echo(f"Loading the real units of province {DEMO_PROVINCE_CODE} and the provinces merged into it…")
        call_command("load_units", province=DEMO_PROVINCE_CODE, verbosity=0)
    if Unit.objects.filter(is_demo=True).exists():
        summary.notes.append("Demo units already loaded; nothing changed.")
        summary.assessments = demo_assessments_load(echo=echo)
        summary.ocop = ocop_demo_load()
        summary.reports = reports_demo_load()
        return summary

    rng = random.Random(SEED)
    with transaction.atomic():
        new_province = Unit.objects.get(level=Level.PROVINCE, code=DEMO_PROVINCE_CODE, valid_from=NEW_START)
        old_provinces = list(Unit.objects.predecessors_of(new_province).provinces().order_by("code"))
        summary.events += _demo_earlier_reorganisations(old_provinces=old_provinces)
        summary.classifications += _demo_classifications(rng, old_provinces=old_provinces, new_province=new_province)
        created, moved = _demo_villages(rng, old_provinces=old_provinces)
        summary.villages, summary.village_versions_after_2025 = created, moved
        summary.events += moved
    summary.assessments = demo_assessments_load(echo=echo)
    summary.ocop = ocop_demo_load()
    summary.reports = reports_demo_load()
    return summary


def _demo_earlier_reorganisations(*, old_provinces: list[Unit]) -> int:
    """Two reorganisations of 2020 on the old units: a merger of two communes into one that the
    2025 snapshot knows, and a commune that became a ward. Both are marked demo."""
    events = 0
    communes = Unit.objects.communes().filter(province__in=old_provinces, valid_to=OLD_END, valid_from__isnull=True)
    ward = communes.filter(kind=Kind.WARD, district__kind__in=[Kind.PROVINCIAL_CITY, Kind.DISTRICT_TOWN]).order_by(
        "code"
    )
    merged_into = communes.filter(kind=Kind.COMMUNE, district__kind=Kind.RURAL_DISTRICT).order_by("code")
    date = datetime.date(2020, 1, 1)
    target = merged_into.first()
    if target is not None:
        stem = target.name.removeprefix("Xã ")
        reorganisation_apply(
            kind=ReorganisationEvent.EventKind.MERGE,
            effective_date=date,
            legal_basis=DEMO_BASIS,
            description="Demo: two communes merged into one on 01/01/2020.",
            rows=[
                ReorganisationRow(
                    old_code=target.code,
                    old_name=f"Xã {stem} (trước sáp nhập)",
                    old_kind=Kind.COMMUNE,
                    old_parent_code=target.parent.code,
                    new_code=target.code,
                    new_name=target.name,
                    new_kind=target.kind,
                    new_parent_code=target.parent.code,
                ),
                ReorganisationRow(
                    old_code=f"D{target.code}",
                    old_name=f"Xã Tân {stem}",
                    old_kind=Kind.COMMUNE,
                    old_parent_code=target.parent.code,
                    new_code=target.code,
                    new_name=target.name,
                    new_kind=target.kind,
                    new_parent_code=target.parent.code,
                ),
            ],
            source=Source.DEMO,
            is_demo=True,
        )
        events += 1
    ward_unit = ward.first()
    if ward_unit is not None:
        reorganisation_apply(
            kind=ReorganisationEvent.EventKind.RECLASSIFY,
            effective_date=date,
            legal_basis=DEMO_BASIS,
            description="Demo: a commune became a ward on 01/01/2020.",
            rows=[
                ReorganisationRow(
                    old_code=ward_unit.code,
                    old_name="Xã " + ward_unit.name.removeprefix("Phường "),
                    old_kind=Kind.COMMUNE,
                    old_parent_code=ward_unit.parent.code,
                    new_code=ward_unit.code,
                    new_name=ward_unit.name,
                    new_kind=ward_unit.kind,
                    new_parent_code=ward_unit.parent.code,
                )
            ],
            source=Source.DEMO,
            is_demo=True,
        )
        events += 1
    return events


def _demo_classifications(rng: random.Random, *, old_provinces: list[Unit], new_province: Unit) -> int:
    """Especially difficult (ĐBKK) communes for 2021–2025 and 2026–2030 commune groups, as demo rows."""
    by_code = {c.code: c for c in Classification.objects.all()}
    rows = []
    dbkk = by_code.get("DBKK")
    if dbkk is not None:
        mountain = (
            Unit.objects.rural()
            .filter(province__in=old_provinces, valid_to=OLD_END)
            .exclude(district__kind__in=[Kind.PROVINCIAL_CITY, Kind.DISTRICT_TOWN])
            .order_by("code")
        )
        for commune in mountain:
            if rng.random() < 0.25:
                rows.append(
                    UnitClassification(
                        unit=commune,
                        classification=dbkk,
                        valid_from=datetime.date(2021, 1, 1),
                        valid_to=OLD_END,
                        legal_basis=DEMO_BASIS,
                    )
                )
    groups = [by_code.get(code) for code in ("G1-2026", "G2-2026", "G3-2026")]
    if all(groups):
        for commune in Unit.objects.rural().filter(province=new_province).order_by("code"):
            group = groups[0] if rng.random() < 0.15 else groups[2] if rng.random() < 0.45 else groups[1]
            rows.append(
                UnitClassification(
                    unit=commune, classification=group, valid_from=NEW_START, valid_to=None, legal_basis=DEMO_BASIS
                )
            )
    UnitClassification.objects.bulk_create(rows)
    return len(rows)


def _village_name(rng: random.Random, province_code: str, used: set[str]) -> tuple[str, str]:
    for _attempt in range(50):
        if province_code == "06":
            name, kind = f"Bản {rng.choice(_TAY_FIRST)} {rng.choice(_TAY_SECOND)}", Kind.HAMLET
            if rng.random() < 0.4:
                name, kind = "Thôn " + name.removeprefix("Bản "), Kind.VILLAGE
        else:
            name, kind = f"Xóm {rng.choice(_XOM_NAMES)} {rng.randint(1, 9)}", Kind.SMALL_HAMLET
        if name not in used:
            used.add(name)
            return name, kind
    name = f"Thôn {len(used) + 1}"
    used.add(name)
    return name, Kind.VILLAGE


def _demo_villages(rng: random.Random, *, old_provinces: list[Unit]) -> tuple[int, int]:
    """Villages under every rural commune of the old provinces, and their versions under the new
    communes from 1 July 2025 (one transfer event), following the 2025 successor links."""
    old_communes = list(
        Unit.objects.rural().filter(province__in=old_provinces, valid_to=OLD_END).select_related("province", "district")
    )
    villages: list[Unit] = []
    for commune in sorted(old_communes, key=lambda c: c.code):
        used: set[str] = set()
        for number in range(1, rng.randint(5, 14) + 1):
            name, kind = _village_name(rng, commune.province.code, used)
            village = Unit(
                code=f"{commune.code}-{number:02d}",
                name=name,
                level=Level.VILLAGE,
                kind=kind,
                parent=commune,
                valid_from=commune.valid_from,  # unknown, or the date the demo's 2020 merger pinned
                valid_to=OLD_END,
                source=Source.DEMO,
                is_demo=True,
            )
            village.derive_ancestors()
            villages.append(village)
    Unit.objects.bulk_create(villages, batch_size=1000)

    # Each old commune's villages move to one of its successors (the first by code when it was split).
    successor_of: dict[int, Unit] = {}
    links = (
        UnitChange.objects.filter(
            role=UnitChange.Role.PREDECESSOR, unit__in=old_communes, event__effective_date=NEW_START
        )
        .select_related("event")
        .prefetch_related("event__links__unit__province")
    )
    for link in links:
        for other in link.event.links.all():
            if other.role == UnitChange.Role.SUCCESSOR and other.unit.level == Level.COMMUNE:
                best = successor_of.get(link.unit_id)
                if best is None or other.unit.code < best.code:
                    successor_of[link.unit_id] = other.unit
    moved, moved_from = [], []
    for village in villages:
        new_parent = successor_of.get(village.parent_id)
        if new_parent is None:
            continue
        version = Unit(
            code=village.code,
            name=village.name,
            level=Level.VILLAGE,
            kind=village.kind,
            parent=new_parent,
            valid_from=NEW_START,
            valid_to=None,
            source=Source.DEMO,
            is_demo=True,
        )
        version.derive_ancestors()
        moved.append(version)
        moved_from.append(village)
    Unit.objects.bulk_create(moved, batch_size=1000)
    # One transfer event per village, so that each version's successor is its own continuation.
    events = ReorganisationEvent.objects.bulk_create(
        [
            ReorganisationEvent(
                kind=ReorganisationEvent.EventKind.TRANSFER,
                effective_date=NEW_START,
                legal_basis=DEMO_BASIS,
                description=f"Demo: follows its commune into {new.parent.name} (1/7/2025).",
                source=Source.DEMO,
                is_demo=True,
            )
            for new in moved
        ],
        batch_size=1000,
    )
    UnitChange.objects.bulk_create(
        [
            link
            for event, old, new in zip(events, moved_from, moved, strict=True)
            for link in (
                UnitChange(event=event, unit=old, role=UnitChange.Role.PREDECESSOR),
                UnitChange(event=event, unit=new, role=UnitChange.Role.SUCCESSOR),
            )
        ],
        batch_size=2000,
    )
    return len(villages), len(moved)

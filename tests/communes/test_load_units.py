"""manage.py load_units: real units of one small province family, the 2025 events, idempotence, staff rows."""

import datetime
import io
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import translation

from communes.loaders.units import units_load
from communes.loaders.units_package import package_paths
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

pytestmark = pytest.mark.django_db

D = datetime.date
OLD_END = D(2025, 6, 30)
NEW_START = D(2025, 7, 1)
# Cà Mau after 1 July 2025 = the former Bạc Liêu (95) + Cà Mau (96): small, with mergers and split communes.
FAMILY_NEW, FAMILY_OLD = "96", ("95", "96")


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_units", *args, stdout=out)
    return out.getvalue()


def package_count(sql: str, *params: str) -> int:
    """A count straight from the package's own SQLite file."""
    connection = sqlite3.connect(f"file:{package_paths()[0]}?mode=ro", uri=True)
    try:
        return connection.execute(sql, params).fetchone()[0]
    finally:
        connection.close()


def old_count(column: str, *, where: str = "1") -> int:
    marks = ", ".join("?" * len(FAMILY_OLD))
    return package_count(
        f"SELECT COUNT(DISTINCT {column}) FROM admin_units_legacy WHERE provinceCode IN ({marks}) AND {where}",
        *FAMILY_OLD,
    )


def test_it_loads_a_province_family_as_the_package_has_it():
    load("--province", FAMILY_NEW)

    old = Unit.objects.filter(valid_to=OLD_END)
    new = Unit.objects.filter(valid_from=NEW_START)
    assert old.provinces().count() == len(FAMILY_OLD)
    assert old.districts().count() == old_count("districtCode")
    assert old.communes().count() == old_count("wardCode", where="wardCode IS NOT NULL")
    assert new.provinces().count() == 1
    assert new.communes().count() == package_count(
        "SELECT COUNT(*) FROM admin_units WHERE provinceCode = ?", FAMILY_NEW
    )
    assert Unit.objects.count() == old.count() + new.count()
    assert set(Unit.objects.values_list("source", flat=True)) == {Source.PACKAGE}

    # The snapshot's start dates are unknown, never invented.
    assert not old.filter(valid_from__isnull=False).exists()
    assert not new.filter(valid_to__isnull=False).exists()

    province = new.provinces().get()
    assert (province.code, province.kind) == (FAMILY_NEW, Kind.PROVINCE)
    assert not new.communes().exclude(parent=province).exists()
    assert not new.communes().exclude(province=province).exists()
    assert not new.communes().filter(district__isnull=False).exists()
    commune = old.communes().select_related("parent").first()
    assert commune.parent.level == Level.DISTRICT
    assert (commune.district, commune.province) == (commune.parent, commune.parent.parent)


@pytest.mark.parametrize("old_code", FAMILY_OLD)
def test_the_ntm_denominator_before_2025_is_the_packages_xa_count(old_code):
    load("--province", old_code)  # an old code loads the whole family too

    expected = package_count(
        "SELECT COUNT(*) FROM admin_units_legacy WHERE provinceCode = ? AND wardType = 'Xã'", old_code
    )
    assert expected > 0
    assert Unit.objects.ntm_denominator(D(2024, 1, 1), province=old_code).count() == expected


def test_events_link_merged_and_split_communes_to_the_new_ones():
    load("--province", FAMILY_NEW)

    old_provinces = Unit.objects.provinces().filter(valid_to=OLD_END)
    new_province = Unit.objects.provinces().get(valid_from=NEW_START)
    assert set(new_province.predecessors()) == set(old_provinces)
    assert ReorganisationEvent.objects.get(links__unit=new_province).kind == ReorganisationEvent.EventKind.MERGE

    # A commune split across several new ones is a partial predecessor of each.
    split = (
        Unit.objects.filter(changes__partial=True)
        .annotate(split_into=Count("changes"))
        .filter(split_into__gt=1)
        .order_by("code")
        .first()
    )
    assert split is not None
    successors = set(split.successors())
    assert len(successors) > 1
    assert all(s.valid_from == NEW_START and s.parent == new_province for s in successors)
    assert set(split.successors(as_of=D(2026, 1, 1))) == successors

    merged = (
        Unit.objects.filter(valid_from=NEW_START, level=Level.COMMUNE)
        .annotate(n=Count("changes__event__links"))
        .filter(n__gt=2)
        .first()
    )
    assert merged.predecessors().count() > 1
    assert ReorganisationEvent.objects.get(links__unit=merged).kind == ReorganisationEvent.EventKind.MERGE

    # Every old commune reaches a commune of 2026; every old district was abolished, without successor.
    for commune in Unit.objects.communes().filter(valid_to=OLD_END)[:20]:
        assert commune.successors(as_of=D(2026, 1, 1)).filter(parent=new_province).exists()
    abolished = ReorganisationEvent.objects.filter(kind=ReorganisationEvent.EventKind.ABOLISH)
    assert abolished.count() == Unit.objects.districts().count()
    assert not UnitChange.objects.filter(event__in=abolished, role=UnitChange.Role.SUCCESSOR).exists()
    assert set(ReorganisationEvent.objects.values_list("source", "effective_date").distinct()) == {
        (Source.PACKAGE, NEW_START)
    }


def test_an_island_district_without_communes_becomes_a_special_zone():
    load("--province", "45")  # the former Quảng Trị, with Cồn Cỏ, now in Quảng Trị (44)

    con_co = Unit.objects.districts().get(name="Huyện Cồn Cỏ")
    assert not Unit.objects.filter(parent=con_co).exists()
    (zone,) = con_co.successors()
    assert (zone.kind, zone.valid_from) == (Kind.SPECIAL_ZONE, NEW_START)
    assert not con_co.events.filter(kind=ReorganisationEvent.EventKind.ABOLISH).exists()


def test_a_second_run_changes_nothing():
    load("--province", FAMILY_NEW)
    before_units = list(Unit.objects.order_by("pk").values())
    before_links = list(UnitChange.objects.order_by("pk").values())
    before_events = list(ReorganisationEvent.objects.order_by("pk").values())

    summary = units_load(province_code=FAMILY_NEW)

    assert list(Unit.objects.order_by("pk").values()) == before_units
    assert list(UnitChange.objects.order_by("pk").values()) == before_links
    assert list(ReorganisationEvent.objects.order_by("pk").values()) == before_events
    tallies = [*summary.units.values(), *summary.events.values()]
    assert all(t.created == t.updated == t.kept == 0 for t in tallies)
    assert sum(t.unchanged for t in summary.units.values()) == len(before_units)
    assert sum(t.unchanged for t in summary.events.values()) == len(before_events)


def test_it_repairs_a_package_row_and_leaves_a_staff_row_alone():
    load("--province", FAMILY_NEW)
    edited_by_staff = Unit.objects.communes().filter(valid_from=NEW_START).order_by("code")[0]
    Unit.objects.filter(pk=edited_by_staff.pk).update(name="Xã Tên Cán Bộ Sửa", source=Source.MANUAL)
    damaged = Unit.objects.communes().filter(valid_from=NEW_START).order_by("code")[1]
    Unit.objects.filter(pk=damaged.pk).update(name="Tên Sai", latitude=None)

    load("--province", FAMILY_NEW)

    edited_by_staff.refresh_from_db()
    damaged.refresh_from_db()
    assert (edited_by_staff.name, edited_by_staff.source) == ("Xã Tên Cán Bộ Sửa", Source.MANUAL)
    assert damaged.name != "Tên Sai" and damaged.latitude is not None
    assert edited_by_staff.predecessors().exists()  # the staff row still takes part in the 2025 events
    assert Unit.objects.filter(code=edited_by_staff.code, level=Level.COMMUNE, valid_from=NEW_START).count() == 1


def test_it_refuses_a_version_that_contradicts_the_reorganisation_and_writes_nothing():
    province = Unit.objects.create(
        code="95", name="Tỉnh Bạc Liêu", level=Level.PROVINCE, kind=Kind.PROVINCE, source=Source.MANUAL
    )

    with translation.override("en"), pytest.raises(CommandError, match=r"95 .*must end on 30/06/2025"):
        load("--province", FAMILY_NEW)

    assert list(Unit.objects.all()) == [province]
    assert not ReorganisationEvent.objects.exists()


def test_it_gives_old_provinces_their_region_once_the_regions_exist():
    with translation.override("en"):
        output = load("--province", FAMILY_NEW)
    assert "run load_criteria to assign regions" in output
    assert not UnitClassification.objects.exists()

    region = Classification.objects.create(scheme=Classification.Scheme.REGION, code="DBSCL", name_vi="ĐBSCL")
    load("--province", FAMILY_NEW)
    load("--province", FAMILY_NEW)

    assigned = UnitClassification.objects.filter(classification=region)
    assert sorted(assigned.values_list("unit__code", flat=True)) == sorted(FAMILY_OLD)
    assert set(assigned.values_list("valid_from", "valid_to")) == {(None, OLD_END)}
    assert UnitClassification.objects.count() == len(FAMILY_OLD)  # new provinces get none


def test_an_unknown_province_code_fails_clearly():
    with translation.override("en"), pytest.raises(CommandError, match="No province has code '99'"):
        load("--province", "99")
    assert not Unit.objects.exists()


def test_it_writes_in_bulk_not_row_by_row(django_assert_max_num_queries):
    # 247 units and 81 events with their links: row by row, that would be hundreds of queries.
    with django_assert_max_num_queries(20):
        units_load(province_code=FAMILY_NEW)

"""Staff-entered reorganisations: new versions, historical units, events, and spreadsheet imports."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from communes.imports.reorganisation import reorganisations_import, template_csv, template_xlsx
from communes.models import Kind, ReorganisationEvent, Source, Unit, UnitChange
from communes.services import (
    ReorganisationReport,
    ReorganisationRow,
    ReorganisationSpec,
    reorganisation_apply,
    reorganisations_apply,
    unit_version_create,
)
from tests.factories import CommuneFactory, DistrictFactory, ProvinceFactory, VillageFactory

pytestmark = pytest.mark.django_db

D = datetime.date
OLD_END = D(2025, 6, 30)
MERGER_DATE = D(2020, 1, 1)
BASIS = "Nghị quyết 833/NQ-UBTVQH14"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids); the site's default language is Vietnamese."""
    with translation.override("en"):
        yield


@pytest.fixture
def snapshot():
    """A province, a district and a commune as the 30 June 2025 snapshot knows them: start unknown."""
    province = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", valid_to=OLD_END)
    district = DistrictFactory(code="164", name="Huyện Võ Nhai", parent=province, valid_to=OLD_END)
    commune = CommuneFactory(code="05500", name="Xã Tân Mỹ", parent=district, valid_to=OLD_END)
    return province, district, commune


def merger_rows(commune):
    return [
        ReorganisationRow(
            old_code="05501",
            old_name="Xã An Bình",
            old_kind=Kind.COMMUNE,
            old_parent_code="164",
            new_code=commune.code,
            new_name=commune.name,
            new_kind=Kind.COMMUNE,
            new_parent_code="164",
            number=1,
        ),
        ReorganisationRow(
            old_code="05502",
            old_name="Xã Bình Minh",
            old_kind=Kind.COMMUNE,
            old_parent_code="164",
            new_code=commune.code,
            number=2,
        ),
    ]


def row_messages(excinfo) -> str:
    return " | ".join(excinfo.value.messages)


# Mergers: a snapshot commune's start becomes known, old communes are created with an unknown start


def test_merging_two_historical_communes_into_a_snapshot_commune(snapshot):
    _province, district, commune = snapshot
    report = ReorganisationReport()

    event = reorganisation_apply(
        kind=ReorganisationEvent.EventKind.MERGE,
        effective_date=MERGER_DATE,
        legal_basis=BASIS,
        rows=merger_rows(commune),
        report=report,
    )

    commune.refresh_from_db()
    assert commune.valid_from == MERGER_DATE  # the start became known; name, kind, parent untouched
    assert commune.name == "Xã Tân Mỹ" and commune.parent == district and commune.valid_to == OLD_END
    an_binh = Unit.objects.get(code="05501")
    binh_minh = Unit.objects.get(code="05502")
    for old in (an_binh, binh_minh):
        assert old.valid_from is None  # never a made-up start
        assert old.valid_to == D(2019, 12, 31)
        assert old.parent == district and old.province == district.parent
        assert old.source == Source.MANUAL
    assert set(event.links.filter(role="predecessor").values_list("unit__code", flat=True)) == {"05501", "05502"}
    assert list(event.links.filter(role="successor").values_list("unit", flat=True)) == [commune.pk]
    assert set(commune.predecessors()) == {an_binh, binh_minh}
    assert list(an_binh.successors()) == [commune]
    assert list(an_binh.successors(as_of=D(2024, 1, 1))) == [commune]
    before = set(Unit.objects.communes().as_of(D(2019, 6, 1)))
    after = set(Unit.objects.communes().as_of(D(2020, 6, 1)))
    assert before == {an_binh, binh_minh}
    assert after == {commune}
    assert report.summary() == {"events": 1, "created": 2, "start_known": 1, "closed": 0, "followed": 0}


def test_a_merger_into_a_new_commune_closes_the_existing_old_ones(snapshot):
    _province, district, commune = snapshot
    other = CommuneFactory(code="05600", name="Xã Phú Thượng", parent=district, valid_to=OLD_END)
    rows = [
        ReorganisationRow(old_code=code, new_code="05700", new_name="Xã Phú Mỹ", new_kind="xa", new_parent_code="164")
        for code in (commune.code, other.code)
    ]
    reorganisation_apply(kind="merge", effective_date=D(2024, 11, 1), legal_basis=BASIS, rows=rows)

    commune.refresh_from_db()
    other.refresh_from_db()
    new = Unit.objects.get(code="05700")
    assert commune.valid_to == other.valid_to == D(2024, 10, 31)
    assert new.valid_from == D(2024, 11, 1)
    assert new.valid_to == OLD_END  # not beyond the end of its parent district
    assert set(new.predecessors()) == {commune, other}


# Reclassification, rename, split


def test_a_commune_that_became_a_ward_leaves_the_denominator_but_stays_in_history(snapshot):
    province, district, _commune = snapshot
    ward = CommuneFactory(code="05800", name="Phường Hòa Bình", kind=Kind.WARD, parent=district, valid_to=OLD_END)

    reorganisation_apply(
        kind="reclassify",
        effective_date=MERGER_DATE,
        legal_basis=BASIS,
        rows=[
            ReorganisationRow(
                old_code="05800",
                old_name="Xã Hòa Bình",
                old_kind=Kind.COMMUNE,
                old_parent_code="164",
                new_code="05800",
                new_name="Phường Hòa Bình",
                new_kind=Kind.WARD,
            )
        ],
    )

    old = Unit.objects.get(code="05800", kind=Kind.COMMUNE)
    ward.refresh_from_db()
    assert (old.valid_from, old.valid_to) == (None, D(2019, 12, 31))
    assert ward.valid_from == MERGER_DATE
    assert old in Unit.objects.ntm_denominator(D(2019, 6, 1), province="19")
    assert not Unit.objects.ntm_denominator(D(2020, 6, 1), province="19").filter(code="05800").exists()
    assert list(old.successors()) == [ward]
    assert Unit.objects.filter(code="05800").count() == 2


def test_a_ward_created_by_a_new_version_leaves_the_denominator_from_its_date(snapshot):
    _province, district, _commune = snapshot
    commune = CommuneFactory(code="05900", name="Xã Đồng Bẩm", parent=district, valid_to=OLD_END)

    ward = unit_version_create(
        unit=commune, effective_date=D(2021, 1, 1), kind=Kind.WARD, name="Phường Đồng Bẩm", legal_basis=BASIS
    )

    commune.refresh_from_db()
    assert commune.valid_to == D(2020, 12, 31) and commune.kind == Kind.COMMUNE  # the old row is not overwritten
    assert (ward.valid_from, ward.valid_to, ward.kind) == (D(2021, 1, 1), OLD_END, Kind.WARD)
    event = ward.events.get()
    assert event.kind == ReorganisationEvent.EventKind.RECLASSIFY
    assert list(Unit.objects.ntm_denominator(D(2020, 6, 1)).filter(code="05900")) == [commune]
    assert not Unit.objects.ntm_denominator(D(2021, 6, 1)).filter(code="05900").exists()


def test_a_rename_takes_the_villages_along_into_the_new_version(snapshot):
    _province, district, commune = snapshot
    village = VillageFactory(parent=commune, name="Thôn Na Hoàng", valid_to=OLD_END)
    later_village = VillageFactory(parent=commune, valid_from=D(2023, 5, 1), valid_to=OLD_END)

    renamed = unit_version_create(unit=commune, effective_date=D(2022, 1, 1), name="Xã Tân Mỹ Mới", legal_basis=BASIS)

    village.refresh_from_db()
    later_village.refresh_from_db()
    assert village.valid_to == D(2021, 12, 31) and village.parent == commune
    new_village = Unit.objects.get(code=village.code, valid_from=D(2022, 1, 1))
    assert new_village.parent == renamed and new_village.name == "Thôn Na Hoàng"
    # A village that only started after the rename simply belongs to the new version.
    assert later_village.parent == renamed and later_village.valid_from == D(2023, 5, 1)
    event = renamed.events.get()
    assert event.kind == ReorganisationEvent.EventKind.RENAME
    assert set(event.links.values_list("unit", "role")) == {(commune.pk, "predecessor"), (renamed.pk, "successor")}
    # The village's move is an event of its own, so each version pairs with its own continuation.
    assert list(village.successors()) == [new_village]
    assert list(commune.successors()) == [renamed]
    assert new_village.events.get().kind == ReorganisationEvent.EventKind.TRANSFER
    assert list(Unit.objects.as_of(D(2021, 6, 1)).filter(code=commune.code).values_list("name", flat=True)) == [
        "Xã Tân Mỹ"
    ]


def test_a_district_rename_gives_its_communes_and_villages_new_versions(snapshot):
    _province, district, commune = snapshot
    village = VillageFactory(parent=commune, valid_to=OLD_END)

    new_district = unit_version_create(
        unit=district, effective_date=D(2021, 1, 1), name="Huyện Võ Nhai Mới", legal_basis=BASIS
    )

    new_commune = Unit.objects.get(code=commune.code, valid_from=D(2021, 1, 1))
    new_village = Unit.objects.get(code=village.code, valid_from=D(2021, 1, 1))
    assert new_commune.parent == new_district and new_commune.district == new_district
    assert new_village.parent == new_commune and new_village.district == new_district
    # The district's event links the district only; each follower's move is a transfer of its own.
    assert new_district.events.get().links.count() == 2
    assert list(commune.successors()) == [new_commune]
    assert list(new_village.predecessors()) == [village]


def test_a_district_renamed_in_the_past_gives_its_snapshot_communes_a_history(snapshot):
    _province, district, commune = snapshot
    village = VillageFactory(parent=commune, valid_to=OLD_END)

    reorganisation_apply(
        kind="rename",
        effective_date=D(2021, 1, 1),
        legal_basis=BASIS,
        rows=[
            ReorganisationRow(
                old_code="164", old_name="Huyện Võ Nhai Cũ", old_kind="huyen", old_parent_code="19", new_code="164"
            )
        ],
    )

    district.refresh_from_db()
    commune.refresh_from_db()
    village.refresh_from_db()
    old_district = Unit.objects.get(code="164", valid_to=D(2020, 12, 31))
    old_commune = Unit.objects.get(code=commune.code, valid_to=D(2020, 12, 31))
    old_village = Unit.objects.get(code=village.code, valid_to=D(2020, 12, 31))
    assert district.valid_from == commune.valid_from == village.valid_from == D(2021, 1, 1)
    assert (old_commune.valid_from, old_commune.parent, old_commune.name) == (None, old_district, commune.name)
    assert old_village.parent == old_commune and old_village.district == old_district
    # Followers share the district's event, so its successors include every level: filter by level.
    assert list(old_commune.successors().communes()) == [commune]
    assert [u.name for u in Unit.objects.districts().as_of(D(2020, 6, 1))] == ["Huyện Võ Nhai Cũ"]


def test_unit_version_create_refuses_nothing_to_change_and_a_date_outside_the_version(snapshot):
    _province, _district, commune = snapshot
    with pytest.raises(ValidationError) as excinfo:
        unit_version_create(unit=commune, effective_date=D(2021, 1, 1), name=commune.name, legal_basis=BASIS)
    assert "Nothing changes" in row_messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        unit_version_create(unit=commune, effective_date=D(2026, 1, 1), name="Xã Khác", legal_basis=BASIS)
    assert "effective_date" in excinfo.value.message_dict
    assert Unit.objects.filter(code=commune.code).count() == 1


def test_a_split_records_the_old_commune_as_partly_in_each_successor(snapshot):
    _province, district, commune = snapshot
    other = CommuneFactory(code="05510", name="Xã Tân Long", parent=district, valid_to=OLD_END)
    rows = [
        ReorganisationRow(
            old_code="05499",
            old_name="Xã Tân Mỹ Cũ",
            old_kind=Kind.COMMUNE,
            old_parent_code="164",
            new_code=code,
            partial=True,
        )
        for code in (commune.code, other.code)
    ]

    event = reorganisation_apply(kind="split", effective_date=D(2018, 3, 1), legal_basis=BASIS, rows=rows)

    old = Unit.objects.get(code="05499")
    assert event.links.get(unit=old).partial is True
    assert set(old.successors()) == {commune, other}
    assert list(commune.predecessors()) == [old]
    commune.refresh_from_db()
    other.refresh_from_db()
    assert commune.valid_from == other.valid_from == D(2018, 3, 1)


def test_a_boundary_change_splits_a_continuing_commune_into_two_versions(snapshot):
    _province, district, commune = snapshot
    neighbour = CommuneFactory(code="05520", name="Xã Bình Long", parent=district, valid_to=OLD_END)
    rows = [
        ReorganisationRow(old_code=commune.code, new_code=commune.code, partial=True, number=1),
        ReorganisationRow(old_code=commune.code, new_code=neighbour.code, partial=True, number=2),
        ReorganisationRow(old_code=neighbour.code, new_code=neighbour.code, number=3),
    ]
    event = reorganisation_apply(kind="boundary", effective_date=D(2019, 1, 1), legal_basis=BASIS, rows=rows)

    assert Unit.objects.filter(code=commune.code).count() == 2
    old_commune = Unit.objects.get(code=commune.code, valid_to=D(2018, 12, 31))
    assert set(old_commune.successors()) == {commune, neighbour}
    assert event.links.get(unit=old_commune).partial is True


# Bad input: every problem named, nothing written


def test_it_rejects_an_old_unit_overlapping_an_earlier_version_of_its_code(snapshot):
    _province, district, commune = snapshot
    CommuneFactory(code="05501", name="Xã An Bình", parent=district, valid_to=D(2015, 12, 31))
    units_before = Unit.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        reorganisation_apply(kind="merge", effective_date=MERGER_DATE, legal_basis=BASIS, rows=merger_rows(commune))

    assert "Row 1, column old_code, value “05501”" in row_messages(excinfo)
    assert "overlaps" in row_messages(excinfo)
    assert Unit.objects.count() == units_before
    commune.refresh_from_db()
    assert commune.valid_from is None
    assert not ReorganisationEvent.objects.exists()


def test_it_rejects_a_parent_that_did_not_exist_before_the_event(snapshot):
    _province, _district, commune = snapshot
    province = commune.province
    DistrictFactory(code="170", parent=province, valid_from=D(2020, 1, 1), valid_to=OLD_END)
    rows = merger_rows(commune)
    rows[0] = ReorganisationRow(**{**rows[0].__dict__, "old_parent_code": "170"})
    rows[1] = ReorganisationRow(**{**rows[1].__dict__, "old_parent_code": ""})

    with pytest.raises(ValidationError) as excinfo:
        reorganisation_apply(kind="merge", effective_date=MERGER_DATE, legal_basis=BASIS, rows=rows)

    messages = row_messages(excinfo)
    assert "Row 1, column old_parent_code, value “170”" in messages
    assert "31/12/2019" in messages
    assert "Row 2, column old_parent_code" in messages  # no parent given for a unit that must be created
    assert not ReorganisationEvent.objects.exists()


def test_it_rejects_a_row_that_disagrees_with_the_snapshot_unit(snapshot):
    _province, _district, commune = snapshot
    rows = merger_rows(commune)
    rows[0] = ReorganisationRow(**{**rows[0].__dict__, "new_name": "Xã Tân Mỹ Hạ"})

    with pytest.raises(ValidationError) as excinfo:
        reorganisation_apply(kind="merge", effective_date=MERGER_DATE, legal_basis=BASIS, rows=rows)

    assert "Row 1, column new_name, value “Xã Tân Mỹ Hạ”" in row_messages(excinfo)
    assert "Xã Tân Mỹ" in row_messages(excinfo)


def test_it_refuses_a_new_unit_that_started_before_the_effective_date(snapshot):
    _province, district, _commune = snapshot
    CommuneFactory(code="05530", name="Xã Cúc Đường", parent=district, valid_from=D(2015, 1, 1), valid_to=OLD_END)
    rows = [
        ReorganisationRow(
            old_code="05531", old_name="Xã Cũ", old_kind="xa", old_parent_code="164", new_code="05530", number=4
        )
    ]
    with pytest.raises(ValidationError) as excinfo:
        reorganisation_apply(kind="merge", effective_date=MERGER_DATE, legal_basis=BASIS, rows=rows)
    assert "Row 4, column new_code, value “05530”" in row_messages(excinfo)
    assert "since 01/01/2015" in row_messages(excinfo)


def test_the_villages_of_a_commune_merged_whole_follow_it_into_the_merged_commune(snapshot):
    _province, district, commune = snapshot
    old = CommuneFactory(code="05540", name="Xã Vũ Chấn", parent=district, valid_to=OLD_END)
    village = VillageFactory(parent=old, name="Thôn Khuôn Vạc", valid_to=OLD_END)

    event = reorganisation_apply(
        kind="merge",
        effective_date=D(2024, 11, 1),
        legal_basis=BASIS,
        rows=[ReorganisationRow(old_code="05540", new_code=commune.code)],
    )

    village.refresh_from_db()
    moved = Unit.objects.get(code=village.code, valid_from=D(2024, 11, 1))
    assert (village.valid_from, village.valid_to, village.parent) == (None, D(2024, 10, 31), old)
    assert (moved.parent, moved.valid_to, moved.name) == (commune, OLD_END, "Thôn Khuôn Vạc")
    # The village's move is a transfer event of its own: its successor is its own new version.
    assert list(village.successors()) == [moved]
    assert event.links.count() == 2


def test_it_refuses_to_orphan_the_villages_of_a_split_commune_until_a_row_says_where_they_went(snapshot):
    _province, district, commune = snapshot
    old = CommuneFactory(code="05540", name="Xã Vũ Chấn", parent=district, valid_to=OLD_END)
    other = CommuneFactory(code="05541", name="Xã Vũ Lăng", parent=district, valid_to=OLD_END)
    village = VillageFactory(parent=old, name="Thôn Khuôn Vạc", valid_to=OLD_END)
    split = ReorganisationSpec(
        kind="split",
        effective_date=D(2024, 11, 1),
        legal_basis=BASIS,
        rows=[
            ReorganisationRow(old_code="05540", new_code=commune.code, partial=True, number=1),
            ReorganisationRow(old_code="05540", new_code=other.code, partial=True, number=2),
        ],
    )
    before = Unit.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        reorganisations_apply(specs=[split])
    assert "Row 1, column old_code, value “05540”" in row_messages(excinfo)
    assert "Thôn Khuôn Vạc" in row_messages(excinfo)
    assert Unit.objects.count() == before

    move = ReorganisationSpec(
        kind="transfer",
        effective_date=D(2024, 11, 1),
        legal_basis=BASIS,
        rows=[ReorganisationRow(old_code=village.code, new_code=village.code, new_parent_code=other.code, number=3)],
    )
    reorganisations_apply(specs=[split, move])

    moved = Unit.objects.get(code=village.code, valid_from=D(2024, 11, 1))
    assert moved.parent == other and moved.district == district
    assert list(Unit.objects.get(pk=village.pk).successors()) == [moved]


def test_the_same_reorganisation_cannot_be_recorded_twice(snapshot):
    _province, _district, commune = snapshot
    reorganisation_apply(kind="merge", effective_date=MERGER_DATE, legal_basis=BASIS, rows=merger_rows(commune))
    units_before = Unit.objects.count()

    with pytest.raises(ValidationError, match="recorded already"):
        reorganisation_apply(kind="merge", effective_date=MERGER_DATE, legal_basis=BASIS, rows=merger_rows(commune))

    assert Unit.objects.count() == units_before
    assert ReorganisationEvent.objects.count() == 1


def test_history_entered_newest_first_pins_each_start(snapshot):
    """A 2022 rename, then the 2020 merger into the commune under its old name."""
    _province, _district, commune = snapshot
    reorganisation_apply(
        kind="rename",
        effective_date=D(2022, 1, 1),
        legal_basis="NQ 2",
        rows=[
            ReorganisationRow(
                old_code=commune.code,
                old_name="Xã Tân Mỹ Cũ",
                old_kind="xa",
                old_parent_code="164",
                new_code=commune.code,
            )
        ],
    )
    rows = [
        ReorganisationRow(
            old_code="05501",
            old_name="Xã An Bình",
            old_kind="xa",
            old_parent_code="164",
            new_code=commune.code,
            new_name="Xã Tân Mỹ Cũ",
        )
    ]
    reorganisation_apply(kind="merge", effective_date=MERGER_DATE, legal_basis=BASIS, rows=rows)

    versions = list(
        Unit.objects.filter(code=commune.code).order_by("valid_to").values_list("name", "valid_from", "valid_to")
    )
    assert versions == [("Xã Tân Mỹ Cũ", MERGER_DATE, D(2021, 12, 31)), ("Xã Tân Mỹ", D(2022, 1, 1), OLD_END)]
    an_binh = Unit.objects.get(code="05501")
    assert list(an_binh.successors(as_of=D(2023, 1, 1))) == [commune]


# Spreadsheet imports

HEADER = (
    "effective_date,legal_basis,event_kind,old_code,old_name,old_kind,old_parent_code,"
    "new_code,new_name,new_kind,new_parent_code,partial,note"
)


def write_csv(tmp_path, lines, *, name="reorg.csv", delimiter=",", bom=False):
    text = "\n".join([HEADER.replace(",", delimiter), *(line.replace(",", delimiter) for line in lines)]) + "\n"
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def import_file(path, *, dry_run=False):
    return reorganisations_import(content=path.read_bytes(), filename=path.name, dry_run=dry_run)


def table_counts():
    return Unit.objects.count(), ReorganisationEvent.objects.count(), UnitChange.objects.count()


MERGER_LINES = [
    "01/01/2020,NQ 833/NQ-UBTVQH14,sáp nhập,05501,Xã An Bình,xã,164,05500,Xã Tân Mỹ,xã,164,,",
    "2020-01-01,NQ 833/NQ-UBTVQH14,merge,5502,Xã Bình Minh,xa,164,05500,,,,,gộp",
    "01/01/2020,NQ 833/NQ-UBTVQH14,chuyển loại,05800,Xã Hòa Bình,xã,164,05800,Phường Hòa Bình,phường,164,,",
]


def test_a_csv_import_applies_every_event_and_reports_what_it_did(snapshot, tmp_path):
    _province, district, commune = snapshot
    CommuneFactory(code="05800", name="Phường Hòa Bình", kind=Kind.WARD, parent=district, valid_to=OLD_END)
    path = write_csv(tmp_path, MERGER_LINES, delimiter=";", bom=True)

    result = import_file(path)

    assert result.ok, result.error_rows()
    assert result.report.summary() == {"events": 2, "created": 3, "start_known": 2, "closed": 0, "followed": 0}
    commune.refresh_from_db()
    assert commune.valid_from == MERGER_DATE
    binh_minh = Unit.objects.get(code="05502")  # the leading zero lost by a spreadsheet is restored
    assert binh_minh.source == Source.IMPORT and binh_minh.valid_from is None
    merger = ReorganisationEvent.objects.get(kind="merge")
    assert merger.links.count() == 3 and "gộp" in merger.description
    assert ReorganisationEvent.objects.get(kind="reclassify").source == Source.IMPORT


def test_a_dry_run_reports_the_same_and_writes_nothing(snapshot, tmp_path):
    path = write_csv(tmp_path, MERGER_LINES[:2])
    before = table_counts()

    result = import_file(path, dry_run=True)

    assert result.ok and result.report.summary()["created"] == 2
    assert table_counts() == before
    assert Unit.objects.get(code="05500").valid_from is None


def test_a_bad_row_lists_row_column_and_reason_and_writes_nothing(snapshot, tmp_path):
    path = write_csv(
        tmp_path,
        [
            *MERGER_LINES[:2],
            "31/02/2020,NQ 9,sáp nhập,05601,Xã A,xã,164,05600,Xã B,xã,164,,",
            "01/01/2020,NQ 9,gộp lại,05603,Xã C,làng xã,164,05602,Xã D,xã,164,có lẽ,",
        ],
    )
    before = table_counts()

    result = import_file(path)

    assert not result.ok
    assert {(e["row"], e["column"]) for e in result.error_rows()} == {
        (4, "effective_date"),
        (5, "event_kind"),
        (5, "old_kind"),
        (5, "partial"),
    }
    date_error = next(e for e in result.error_rows() if e["column"] == "effective_date")
    assert date_error["value"] == "31/02/2020" and "dd/mm/yyyy" in date_error["reason"]
    assert table_counts() == before


def test_an_error_found_while_applying_rolls_back_the_events_before_it(snapshot, tmp_path):
    path = write_csv(
        tmp_path,
        [*MERGER_LINES[:2], "01/01/2019,NQ 7,sáp nhập,05701,Xã E,xã,999,05700,Xã F,xã,164,,"],
    )
    before = table_counts()

    result = import_file(path)

    assert [(e["row"], e["column"], e["value"]) for e in result.error_rows()] == [(4, "old_parent_code", "999")]
    assert "31/12/2018" in result.error_rows()[0]["reason"]
    assert table_counts() == before


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("effective_date,legal_basis,event_kind,old_code,new_code\n01/01/2020,NQ,merge,1,2\n")

    result = import_file(path)

    assert {e["column"] for e in result.error_rows()} == {
        "old_name",
        "old_kind",
        "old_parent_code",
        "new_name",
        "new_kind",
        "new_parent_code",
    }
    assert all(e["row"] == 1 for e in result.error_rows())


def test_importing_the_same_file_twice_is_refused_and_changes_nothing(snapshot, tmp_path):
    path = write_csv(tmp_path, MERGER_LINES[:2])
    assert import_file(path).ok
    after_first = table_counts()

    result = import_file(path)

    assert not result.ok
    assert "recorded already" in result.error_rows()[0]["reason"]
    assert table_counts() == after_first


def test_an_xlsx_import_with_vietnamese_headers(snapshot, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Ngày hiệu lực",
            "Căn cứ pháp lý",
            "Loại sự kiện",
            "Mã đơn vị cũ",
            "Tên đơn vị cũ",
            "Loại đơn vị cũ",
            "Mã đơn vị cấp trên cũ",
            "Mã đơn vị mới",
            "Tên đơn vị mới",
            "Loại đơn vị mới",
            "Mã đơn vị cấp trên mới",
        ]
    )
    sheet.append([datetime.datetime(2020, 1, 1), "NQ 833", "sáp nhập", 5501, "Xã An Bình", "xã", 164, 5500, "", "", ""])
    sheet.append(["01/01/2020", "NQ 833", "sáp nhập", "05502", "Xã Bình Minh", "xã", "164", "05500", "", "", ""])
    path = tmp_path / "reorg.xlsx"
    workbook.save(path)

    result = import_file(path)

    assert result.ok, result.error_rows()
    assert set(Unit.objects.get(code="05500").predecessors().values_list("code", flat=True)) == {"05501", "05502"}


def test_an_xlsx_import_with_a_bad_row_changes_nothing(snapshot, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["01/01/2020", "NQ 833", "merge", "05501", "Xã An Bình", "xa", "164", "05500", "", "", "", "", ""])
    sheet.append(["01/01/2020", "", "merge", "05502", "Xã Bình Minh", "xa", "164", "05500", "", "", "", "", ""])
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    before = table_counts()

    result = import_file(path)

    assert [(e["row"], e["column"]) for e in result.error_rows()] == [(3, "legal_basis")]
    assert table_counts() == before


def test_the_templates_import_as_they_are(snapshot, tmp_path):
    """The example row of the template is a real row: it imports once the units exist."""
    _province, district, _commune = snapshot
    for name, content in (("template.csv", template_csv()), ("template.xlsx", template_xlsx())):
        path = tmp_path / name
        path.write_bytes(content)
        result = import_file(path, dry_run=True)
        assert [(e["row"], e["column"]) for e in result.error_rows()] == [(2, "old_parent_code")], name
    headers = [cell.value for cell in load_workbook(tmp_path / "template.xlsx").worksheets[0][1]]
    assert headers[:2] == ["Ngày hiệu lực (effective_date)", "Căn cứ pháp lý (legal_basis)"]


def test_the_import_command_prints_a_summary_and_fails_on_errors(snapshot, tmp_path, capsys):
    good = write_csv(tmp_path, MERGER_LINES[:2])
    call_command("import_reorganisation", str(good), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not ReorganisationEvent.objects.exists()

    call_command("import_reorganisation", str(good))
    out = capsys.readouterr().out
    assert "1 event(s)" in out and "2 version(s) created" in out and "1 start date(s) now known" in out

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_reorganisation", str(good))
    assert "recorded already" in capsys.readouterr().err


def test_an_import_applies_older_events_after_newer_ones_whatever_the_row_order(snapshot, tmp_path):
    path = write_csv(
        tmp_path,
        [
            "01/01/2020,NQ 1,sáp nhập,05501,Xã An Bình,xã,164,05500,Xã Tân Mỹ Cũ,xã,164,,",
            "01/01/2022,NQ 2,đổi tên,05500,Xã Tân Mỹ Cũ,xã,164,05500,Xã Tân Mỹ,xã,164,,",
        ],
    )

    result = import_file(path)

    assert result.ok, result.error_rows()
    names = Unit.objects.filter(code="05500").order_by("valid_to").values_list("name", "valid_from")
    assert list(names) == [("Xã Tân Mỹ Cũ", MERGER_DATE), ("Xã Tân Mỹ", D(2022, 1, 1))]


def test_a_commune_that_absorbs_others_needs_no_description_of_its_earlier_self(snapshot):
    _province, district, commune = snapshot
    village = VillageFactory(parent=commune, valid_to=OLD_END)
    rows = [
        ReorganisationRow(old_code=commune.code, new_code=commune.code),
        ReorganisationRow(
            old_code="05501", old_name="Xã An Bình", old_kind="xa", old_parent_code="164", new_code=commune.code
        ),
    ]

    reorganisation_apply(kind="merge", effective_date=MERGER_DATE, legal_basis=BASIS, rows=rows)

    earlier = Unit.objects.get(code=commune.code, valid_to=D(2019, 12, 31))
    assert (earlier.name, earlier.kind, earlier.parent, earlier.valid_from) == (commune.name, "xa", district, None)
    assert set(commune.predecessors()) == {earlier, Unit.objects.get(code="05501")}
    assert list(village.predecessors()) == [Unit.objects.get(code=village.code, valid_to=D(2019, 12, 31))]
    village.refresh_from_db()
    assert village.valid_from == MERGER_DATE  # the snapshot village followed its commune

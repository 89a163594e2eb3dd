"""The admin for units and reorganisations: bounded change lists, history on a unit's page, new
versions, event links checked, and the spreadsheet import from upload to confirmation."""

import datetime
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from communes.models import KIND_LEVEL, Kind, Level, ReorganisationEvent, Unit, UnitChange
from communes.services import ReorganisationRow, reorganisation_apply
from tests.factories import CommuneFactory, DistrictFactory, ProvinceFactory, VillageFactory

pytestmark = pytest.mark.django_db

D = datetime.date
OLD_END = D(2025, 6, 30)
BASIS = "Nghị quyết 833/NQ-UBTVQH14"


@pytest.fixture
def units():
    """Two provinces with districts, communes and villages, and one merger of 2020."""
    province = ProvinceFactory(code="19", name="Tỉnh Thái Nguyên", valid_to=OLD_END)
    other_province = ProvinceFactory(code="06", name="Tỉnh Bắc Kạn", valid_to=OLD_END)
    district = DistrictFactory(code="164", name="Huyện Võ Nhai", parent=province, valid_to=OLD_END)
    DistrictFactory(code="058", name="Huyện Ba Bể", parent=other_province, valid_to=OLD_END)
    commune = CommuneFactory(code="05500", name="Xã Tân Mỹ", parent=district, valid_to=OLD_END)
    for n in range(8):
        village_parent = CommuneFactory(code=f"0560{n}", name=f"Xã Số {n}", parent=district, valid_to=OLD_END)
        VillageFactory(parent=village_parent, valid_to=OLD_END)
    reorganisation_apply(
        kind="merge",
        effective_date=D(2020, 1, 1),
        legal_basis=BASIS,
        rows=[
            ReorganisationRow(
                old_code="05501", old_name="Xã An Bình", old_kind="xa", old_parent_code="164", new_code="05500"
            )
        ],
    )
    for n in range(3):  # more events, so that a query per event row would show
        CommuneFactory(code=f"0580{n}", name=f"Xã Gộp {n}", parent=district, valid_to=OLD_END)
        reorganisation_apply(
            kind="merge",
            effective_date=D(2021, 1, 1),
            legal_basis=f"NQ {n}",
            rows=[
                ReorganisationRow(
                    old_code=f"0590{n}", old_name="Xã Cũ", old_kind="xa", old_parent_code="164", new_code=f"0580{n}"
                )
            ],
        )
    commune.refresh_from_db()
    return {"province": province, "district": district, "commune": commune}


CHANGELISTS = ["province", "district", "commune", "village", "unit", "reorganisationevent"]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_every_changelist_answers_with_a_bounded_number_of_queries(
    admin_client, units, model, django_assert_max_num_queries
):
    url = reverse(f"admin:communes_{model}_changelist")
    with django_assert_max_num_queries(8):  # session, user, counts, rows, filters: not one per row
        response = admin_client.get(url)
    assert response.status_code == 200


def test_the_commune_list_shows_unknown_starts_and_filters_by_province_and_validity(admin_client, units):
    url = reverse("admin:communes_commune_changelist")

    html = admin_client.get(url, {"province": "19", "validity": "unknown_start"}).content.decode()

    assert "Xã An Bình" in html  # created by the merger with an unknown start
    assert "Xã Tân Mỹ" not in html  # its start is now known
    assert admin_client.get(url, {"province": "06"}).context["cl"].result_count == 0
    assert admin_client.get(url, {"validity": "today"}).context["cl"].result_count == 0  # all ended in 2025


def test_the_commune_list_is_searchable_by_name_and_code(admin_client, units):
    url = reverse("admin:communes_commune_changelist")
    assert [u.code for u in admin_client.get(url, {"q": "Tân Mỹ"}).context["cl"].result_list] == ["05500"]
    assert [u.name for u in admin_client.get(url, {"q": "05501"}).context["cl"].result_list] == ["Xã An Bình"]


def test_the_province_filter_lists_each_code_once(admin_client, units):
    ProvinceFactory(code="19", name="Tỉnh Thái Nguyên (mới)", valid_from=D(2025, 7, 1))
    response = admin_client.get(reverse("admin:communes_district_changelist"))
    province_filter = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "province")
    assert province_filter.lookup_choices == [("06", "06 – Tỉnh Bắc Kạn"), ("19", "19 – Tỉnh Thái Nguyên (mới)")]


def test_a_units_page_shows_its_events_and_other_versions(admin_client, units, django_assert_max_num_queries):
    commune = units["commune"]
    Unit.objects.filter(pk=commune.pk).update(valid_to=D(2021, 12, 31))
    CommuneFactory(
        code="05500", name="Xã Tân Mỹ Mới", parent=units["district"], valid_from=D(2022, 1, 1), valid_to=OLD_END
    )

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:communes_commune_change", args=[commune.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert BASIS in html
    assert "Xã An Bình (05501)" in html  # the predecessor, linked
    assert reverse("admin:communes_commune_change", args=[Unit.objects.get(code="05501").pk]) in html
    assert "Xã Tân Mỹ Mới" in html and "01/01/2022" in html  # the other version with the same code
    # A version's name, kind and parent are not editable: a change is a new version.
    form = response.context["adminform"].form
    assert "name" not in form.fields and "kind" not in form.fields and "parent" not in form.fields


def test_recording_a_change_makes_a_new_version_and_keeps_the_old_row(admin_client, units):
    commune = units["commune"]
    url = reverse("admin:communes_commune_new_version", args=[commune.pk])
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url, {"effective_date": "01/01/2023", "legal_basis": "NQ 1/2022", "kind": Kind.WARD, "name": "Phường Tân Mỹ"}
    )

    ward = Unit.objects.get(code="05500", kind=Kind.WARD)
    assert response.status_code == 302 and response.url == reverse("admin:communes_commune_change", args=[ward.pk])
    commune.refresh_from_db()
    assert (commune.name, commune.valid_to) == ("Xã Tân Mỹ", D(2022, 12, 31))
    assert ward.valid_from == D(2023, 1, 1) and ward.events.get().kind == ReorganisationEvent.EventKind.RECLASSIFY


def test_recording_a_change_outside_the_version_is_refused_on_the_form(admin_client, units):
    commune = units["commune"]
    url = reverse("admin:communes_commune_new_version", args=[commune.pk])

    response = admin_client.post(url, {"effective_date": "01/01/2019", "legal_basis": "NQ 1", "name": "Xã Khác"})

    assert response.status_code == 200
    assert "effective_date" in response.context["form"].errors
    assert Unit.objects.filter(code="05500").count() == 1


def test_adding_an_overlapping_version_is_refused_naming_the_other_version(admin_client, units):
    district = units["district"]
    response = admin_client.post(
        reverse("admin:communes_commune_add"),
        {"code": "05500", "name": "Xã Trùng", "kind": Kind.COMMUNE, "parent": district.pk, "valid_from": "01/06/2021"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "05500" in str(errors["valid_from"])
    assert Unit.objects.filter(code="05500").count() == 1


def test_adding_a_historical_commune_with_an_unknown_start(admin_client, units):
    district = units["district"]
    response = admin_client.post(
        reverse("admin:communes_commune_add"),
        {"code": "05700", "name": "Xã Cũ", "kind": Kind.COMMUNE, "parent": district.pk, "valid_to": "31/12/2017"},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(code="05700")
    assert (unit.level, unit.valid_from, unit.province) == (Level.COMMUNE, None, units["province"])


def test_shortening_a_version_that_would_orphan_its_villages_is_refused(admin_client, units):
    parent = Unit.objects.get(code="05600")
    response = admin_client.post(
        reverse("admin:communes_commune_change", args=[parent.pk]),
        {"valid_to": "31/12/2019", "latitude": "", "longitude": "", "area_km2": "", "note": ""},
    )
    assert response.status_code == 200
    assert "Thôn" in str(response.context["adminform"].form.errors["valid_to"])
    parent.refresh_from_db()
    assert parent.valid_to == OLD_END


def inline_post(event_values: dict, links: list[dict]) -> dict:
    data = {
        **event_values,
        "links-TOTAL_FORMS": str(len(links)),
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
    }
    for n, link in enumerate(links):
        data.update({f"links-{n}-{key}": value for key, value in link.items()})
    return data


def test_the_event_form_refuses_a_successor_starting_before_the_effective_date(admin_client, units):
    district = units["district"]
    old = CommuneFactory(code="05710", name="Xã Trước", parent=district, valid_to=D(2018, 12, 31))
    early = CommuneFactory(code="05711", name="Xã Sớm", parent=district, valid_from=D(2018, 6, 1), valid_to=OLD_END)
    event_values = {"kind": "merge", "effective_date": "01/01/2019", "legal_basis": "NQ 5", "description": ""}

    response = admin_client.post(
        reverse("admin:communes_reorganisationevent_add"),
        inline_post(event_values, [{"unit": old.pk, "role": "predecessor"}, {"unit": early.pk, "role": "successor"}]),
    )

    assert response.status_code == 200
    inline_errors = str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert "Xã Sớm (05711)" in inline_errors and "01/06/2019" not in inline_errors
    assert not ReorganisationEvent.objects.filter(legal_basis="NQ 5").exists()

    later = CommuneFactory(code="05712", name="Xã Đúng", parent=district, valid_from=D(2019, 1, 1), valid_to=OLD_END)
    response = admin_client.post(
        reverse("admin:communes_reorganisationevent_add"),
        inline_post(event_values, [{"unit": old.pk, "role": "predecessor"}, {"unit": later.pk, "role": "successor"}]),
    )
    assert response.status_code == 302
    assert set(ReorganisationEvent.objects.get(legal_basis="NQ 5").links.values_list("unit", flat=True)) == {
        old.pk,
        later.pk,
    }


def test_the_unit_autocomplete_shows_each_versions_period(admin_client, units):
    response = admin_client.get(
        reverse("admin:communes_unit_autocomplete"),
        {"term": "Võ Nhai", "app_label": "communes", "model_name": "unit", "field_name": "parent"},
    )
    assert response.json()["results"] == [
        {"id": str(units["district"].pk), "text": "Huyện Võ Nhai (164) · ? – 30/06/2025"}
    ]


def record_post(rows: list[dict], **event) -> dict:
    data = {
        "kind": "merge",
        "effective_date": "01/01/2019",
        "legal_basis": "NQ 12",
        "description": "",
        "rows-TOTAL_FORMS": "3",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "200",
        **event,
    }
    for n, row in enumerate(rows):
        data.update({f"rows-{n}-{key}": value for key, value in row.items()})
    return data


def test_recording_a_reorganisation_from_rows(admin_client, units):
    url = reverse("admin:communes_reorganisationevent_record")
    assert admin_client.get(url).status_code == 200
    old_row = {"old_name": "Xã Cũ", "old_kind": "xa", "old_parent_code": "164", "new_code": "05501"}

    response = admin_client.post(url, record_post([{"old_code": "05520", **old_row}]))

    event = ReorganisationEvent.objects.get(legal_basis="NQ 12")
    assert response.status_code == 302 and response.url.endswith(f"/{event.pk}/change/")
    an_binh = Unit.objects.get(code="05501")
    assert an_binh.valid_from == D(2019, 1, 1)  # its start became known
    assert list(an_binh.predecessors().values_list("code", flat=True)) == ["05520"]


def test_recording_a_reorganisation_with_a_bad_row_shows_the_row_and_column(admin_client, units):
    url = reverse("admin:communes_reorganisationevent_record")
    before = Unit.objects.count()

    response = admin_client.post(
        url,
        record_post(
            [
                {
                    "old_code": "05521",
                    "old_name": "Xã Cũ",
                    "old_kind": "xa",
                    "old_parent_code": "164",
                    "new_code": "05501",
                },
                {
                    "old_code": "05522",
                    "old_name": "Xã Cũ 2",
                    "old_kind": "xa",
                    "old_parent_code": "999",
                    "new_code": "05501",
                },
            ]
        ),
    )

    assert response.status_code == 200
    assert [(e["row"], e["column"], e["value"]) for e in response.context["errors"]] == [(2, "old_parent_code", "999")]
    assert Unit.objects.count() == before
    assert not ReorganisationEvent.objects.filter(legal_basis="NQ 12").exists()


IMPORT_CSV = (
    "effective_date,legal_basis,event_kind,old_code,old_name,old_kind,old_parent_code,"
    "new_code,new_name,new_kind,new_parent_code,partial,note\n"
    "01/01/2019,NQ 20,sáp nhập,05530,Xã Hợp,xã,164,05501,,,,,\n"
    "01/01/2019,NQ 20,sáp nhập,05531,Xã Nhất,xã,164,05501,,,,,\n"
)


def test_the_import_view_previews_then_applies_on_confirmation(admin_client, units, tmp_path):
    url = reverse("admin:communes_reorganisationevent_import")
    changelist = admin_client.get(reverse("admin:communes_reorganisationevent_changelist")).content.decode()
    assert url in changelist  # the button on the event list
    path = tmp_path / "sap-nhap.csv"
    path.write_text(IMPORT_CSV, encoding="utf-8")
    before = Unit.objects.count()

    with path.open("rb") as upload:
        preview = admin_client.post(url, {"file": upload})

    assert preview.status_code == 200
    assert preview.context["summary"] == {"events": 1, "created": 2, "start_known": 1, "closed": 0, "followed": 0}
    html = preview.content.decode()
    assert "Xã Hợp (05530)" in html and "Xã Nhất (05531)" in html
    assert Unit.objects.count() == before  # the preview wrote nothing
    content = re.search(r'name="content" value="([^"]+)"', html).group(1)

    response = admin_client.post(url, {"confirm": "1", "content": content, "filename": "sap-nhap.csv"})

    assert response.status_code == 302
    assert Unit.objects.count() == before + 2
    assert set(Unit.objects.get(code="05501").predecessors().values_list("code", flat=True)) == {"05530", "05531"}

    # Confirming the same file again: recorded already, shown as an error row, nothing changes.
    again = admin_client.post(url, {"confirm": "1", "content": content, "filename": "sap-nhap.csv"})
    assert again.status_code == 200 and again.context["errors"][0]["column"] == "legal_basis"
    assert Unit.objects.count() == before + 2


def test_the_import_view_lists_every_bad_row_and_writes_nothing(admin_client, units, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(IMPORT_CSV + "32/01/2019,NQ 20,sáp nhập,05532,Xã Ba,xã,164,05501,,,,,\n", encoding="utf-8")
    before = Unit.objects.count()

    with path.open("rb") as upload:
        response = admin_client.post(reverse("admin:communes_reorganisationevent_import"), {"file": upload})

    assert response.status_code == 200
    assert [(e["row"], e["column"], e["value"]) for e in response.context["errors"]] == [
        (4, "effective_date", "32/01/2019")
    ]
    assert 'id="row-errors"' in response.content.decode()
    assert Unit.objects.count() == before


def test_a_tampered_confirmation_is_refused(admin_client, units):
    response = admin_client.post(
        reverse("admin:communes_reorganisationevent_import"),
        {"confirm": "1", "content": "ZmFrZQ==:bad-signature", "filename": "x.csv"},
    )
    assert response.status_code == 200 and response.context["errors"]
    assert not ReorganisationEvent.objects.filter(legal_basis="NQ 20").exists()


def test_the_template_downloads_as_xlsx_and_csv(admin_client, tmp_path):
    url = reverse("admin:communes_reorganisationevent_import_template")
    response = admin_client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.content)
    assert load_workbook(path).worksheets[0]["D1"].value == "Mã đơn vị cũ (old_code)"
    csv_text = admin_client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Ngày hiệu lực (effective_date),")


def test_staff_without_permissions_cannot_import(client, django_user_model, units):
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:communes_reorganisationevent_import")).status_code == 403
    assert client.get(reverse("admin:communes_reorganisationevent_record")).status_code == 403


def test_the_unit_links_of_an_event_are_listed_in_its_change_list_row(admin_client, units):
    response = admin_client.get(reverse("admin:communes_reorganisationevent_changelist"))
    assert "Xã An Bình → Xã Tân Mỹ" in response.content.decode()
    assert UnitChange.objects.count() == 8


@pytest.mark.parametrize("model", ["province", "district", "commune", "village"])
def test_every_level_has_working_add_change_and_new_version_pages(admin_client, units, model):
    level = {"province": Level.PROVINCE, "district": Level.DISTRICT, "commune": Level.COMMUNE, "village": Level.VILLAGE}
    unit = Unit.objects.filter(level=level[model]).first()
    add = admin_client.get(reverse(f"admin:communes_{model}_add"))
    change = admin_client.get(reverse(f"admin:communes_{model}_change", args=[unit.pk]))
    version = admin_client.get(reverse(f"admin:communes_{model}_new_version", args=[unit.pk]))
    assert (add.status_code, change.status_code, version.status_code) == (200, 200, 200)
    # Only the kinds of the level are offered.
    kinds = {value for value, _label in add.context["adminform"].form.fields["kind"].choices if value}
    assert kinds and all(KIND_LEVEL[kind] == level[model] for kind in kinds)
    assert ("parent" in version.context["form"].fields) == (model != "province")


def test_a_loaded_unit_that_staff_correct_becomes_theirs(admin_client, units):
    """load_units leaves rows that are not source="package" alone, so a correction survives a reload."""
    commune = units["commune"]
    Unit.objects.filter(pk=commune.pk).update(source="package")
    url = reverse("admin:communes_commune_change", args=[commune.pk])
    response = admin_client.post(
        url,
        {
            "valid_from": "01/01/2020",
            "valid_to": "30/06/2025",
            "latitude": "21.7",
            "longitude": "105.9",
            "area_km2": "",
            "note": "Toạ độ đã kiểm tra",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    commune.refresh_from_db()
    assert (commune.source, commune.latitude, commune.note) == ("manual", 21.7, "Toạ độ đã kiểm tra")

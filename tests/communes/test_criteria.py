"""The shipped NTM criteria sets: what load_criteria puts in the database, how it treats staff edits
and bad files, and the criteria admin."""

import json
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.urls import reverse
from django.utils import translation

from communes.loaders.criteria import DATA_DIR
from communes.models import (
    Classification,
    Confidence,
    CriteriaSet,
    Criterion,
    Indicator,
    Threshold,
)

pytestmark = pytest.mark.django_db

REGIONS = {"TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL"}


def load(**options) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_criteria", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """Every row the loader writes, to compare the database before and after."""
    return {
        "classifications": list(Classification.objects.values_list().order_by("pk")),
        "sets": list(CriteriaSet.objects.values_list().order_by("pk")),
        "criteria": list(Criterion.objects.values_list().order_by("pk")),
        "indicators": list(Indicator.objects.values_list().order_by("pk")),
        "thresholds": list(Threshold.objects.values_list().order_by("pk")),
    }


def threshold(set_code: str, code: str, scope: str | None = None, year: int | None = None, part: str = ""):
    return Threshold.objects.get(
        indicator__criteria_set__code=set_code, indicator__code=code, scope__code=scope, year=year, part=part
    )


@pytest.fixture
def loaded() -> str:
    return load()


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A copy of the shipped files that a test may break."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "criteria"))


def edit(directory: Path, name: str, change) -> None:
    path = directory / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def indicator_in(data: dict, code: str) -> dict:
    return next(i for c in data["criteria"] for i in c["indicators"] if i["code"] == code)


@pytest.mark.parametrize(
    ("code", "criteria", "indicators", "official_indicators", "complete"),
    [
        ("commune-2016-2020", 19, 49, 49, True),
        ("commune-2021-2025", 19, 55, 57, False),
        ("commune-2026-2030", 10, 0, 47, False),
        ("district-2016-2020", 9, 0, None, False),
        ("district-2021-2025", 9, 3, None, False),
    ],
)
def test_each_set_is_loaded_with_its_criteria_and_indicators(
    loaded, code, criteria, indicators, official_indicators, complete
):
    criteria_set = CriteriaSet.objects.with_counts().get(code=code)
    assert criteria_set.criteria_loaded == criteria == criteria_set.official_criterion_count
    assert criteria_set.indicators_loaded == indicators
    assert criteria_set.official_indicator_count == official_indicators
    assert CriteriaSet.objects.incomplete().filter(code=code).exists() is not complete


def test_nineteen_criterion_sets_have_groups_one_to_five(loaded):
    groups = dict(Criterion.objects.filter(criteria_set__code="commune-2021-2025").values_list("number", "group"))
    assert groups[1] == "I" and groups[9] == "II" and groups[13] == "III" and groups[17] == "IV" and groups[19] == "V"
    assert not Criterion.objects.filter(criteria_set__code__startswith="commune-20", group="").exclude(
        criteria_set__code="commune-2026-2030"
    )


def test_every_indicator_belongs_to_a_criterion_of_its_own_set(loaded):
    assert not Indicator.objects.exclude(criteria_set=F("criterion__criteria_set")).exists()
    for code, number in Indicator.objects.values_list("code", "criterion__number"):
        assert code == str(number) or code.startswith(f"{number}."), code


def test_indicator_codes_are_unique_within_a_set(loaded):
    duplicates = Indicator.objects.values("criteria_set", "code").annotate(n=Count("id")).filter(n__gt=1)
    assert list(duplicates) == []
    # The 1980 and 318 sets share most codes, so uniqueness is per set, not global.
    assert Indicator.objects.filter(code="17.1").count() == 2


def test_classifications_are_the_seven_regions_the_commune_classes_and_the_2026_groups(loaded):
    regions = set(Classification.objects.filter(scheme="region").values_list("code", flat=True))
    assert regions == REGIONS
    for code in ("DBKK", "ATK"):
        commune_class = Classification.objects.get(scheme="commune_class", code=code)
        assert commune_class.uses_thresholds_of.code == "TDMNPB"
        assert "318/QĐ-TTg" in commune_class.description
    groups = Classification.objects.filter(scheme="commune_group").select_related("criteria_set")
    assert {g.code: g.criteria_set.code for g in groups} == {
        "G1-2026": "commune-2026-2030",
        "G2-2026": "commune-2026-2030",
        "G3-2026": "commune-2026-2030",
    }
    # The final 51/2025 meaning, not the July-2025 draft's reversed numbering.
    assert "urban" in groups.get(code="G1-2026").description
    assert "ethnic-minority and mountain" in groups.get(code="G3-2026").description


def test_thresholds_carry_regions_parts_ceilings_and_gaps(loaded):
    stunting = Indicator.objects.get(criteria_set__code="commune-2016-2020", code="15.3")
    assert stunting.comparator == Indicator.Comparator.AT_MOST
    assert threshold("commune-2016-2020", "15.3").value == Decimal("21.8")
    assert threshold("commune-2016-2020", "15.3", "TN").value == Decimal("31.4")
    assert Indicator.objects.get(criteria_set__code="commune-2016-2020", code="11").comparator == "lte"

    assert threshold("commune-2016-2020", "17.1", part="hợp vệ sinh").value == 95
    assert threshold("commune-2016-2020", "17.1", part="trong đó nước sạch").value == 60
    assert threshold("commune-2016-2020", "10", "DNB", 2020).value == 59

    income_2022 = threshold("commune-2021-2025", "10", "TDMNPB", 2022)
    assert income_2022.value is None and income_2022.confidence == Confidence.UNSURE
    assert not Threshold.objects.filter(value__isnull=True).exclude(confidence=Confidence.UNSURE).exists()

    assert not Threshold.objects.filter(indicator__comparator="pass").exists()
    numeric = Indicator.objects.exclude(comparator="pass").annotate(n=Count("thresholds"))
    assert not numeric.filter(n=0).exists()

    labour = Indicator.objects.get(criteria_set__code="commune-2021-2025", code="12.1")
    assert labour.per_sex
    assert Indicator.objects.get(criteria_set__code="commune-2021-2025", code="13.4").not_applicable_allowed
    assert "932/QĐ-BGTVT" in Criterion.objects.get(criteria_set__code="commune-2021-2025", number=2).guidance


def test_loading_twice_creates_and_changes_nothing(loaded):
    before = snapshot()
    output = load()
    assert snapshot() == before
    total = sum(len(rows) for rows in before.values())
    assert f"Criteria loaded: created {total}, updated 0, unchanged 0." in loaded
    assert f"Criteria loaded: created 0, updated 0, unchanged {total}." in output


def test_a_threshold_edited_in_the_admin_survives_a_reload(loaded, admin_client):
    income = threshold("commune-2016-2020", "10", None, 2020)
    response = admin_client.post(
        reverse("admin:communes_threshold_change", args=[income.pk]),
        {
            "indicator": income.indicator_id,
            "scope": "",
            "year": 2020,
            "part": "",
            "value": "46",
            "confidence": Confidence.VERIFIED,
            "note": "Checked against the signed decision.",
        },
    )
    assert response.status_code == 302
    unknown = threshold("commune-2021-2025", "10", "TDMNPB", 2022)
    unknown.value, unknown.confidence, unknown.note = Decimal(40), Confidence.VERIFIED, "Signed annex of 318."
    unknown.save()

    output = load()

    income.refresh_from_db()
    unknown.refresh_from_db()
    assert (income.value, income.note) == (Decimal(46), "Checked against the signed decision.")
    assert (unknown.value, unknown.confidence) == (Decimal(40), Confidence.VERIFIED)
    assert "kept 2 edited in the database" in output
    assert "commune-2016-2020 10 [national, 2020]: kept the database row (value 46, V); the file has 45, V" in output


def test_a_reload_fills_a_threshold_value_that_is_still_empty(loaded):
    stunting = threshold("commune-2021-2025", "15.3", "TN")
    Threshold.objects.filter(pk=stunting.pk).update(value=None, confidence=Confidence.UNSURE, note="")

    output = load()

    stunting.refresh_from_db()
    assert (stunting.value, stunting.confidence) == (Decimal("26.5"), Confidence.VERIFIED)
    assert "updated 1" in output


def test_a_reload_keeps_rows_that_exist_only_in_the_database(loaded):
    criterion = Criterion.objects.get(criteria_set__code="commune-2021-2025", number=12)
    Indicator.objects.create(
        criterion=criterion, code="12.3", description_vi="Keyed in from the annex", comparator="gte"
    )

    output = load()

    assert Indicator.objects.filter(criteria_set__code="commune-2021-2025").count() == 56
    assert "indicators 12.3" in output


BAD_FILES = {
    "unknown scope": (
        "commune-2016-2020.json",
        lambda d: indicator_in(d, "15.3")["thresholds"][1].update(scope="XYZ"),
        ["commune-2016-2020.json", "indicator 15.3", "field 'scope'", "'XYZ'"],
    ),
    "duplicate indicator code": (
        "commune-2016-2020.json",
        lambda d: indicator_in(d, "1.2").update(code="1.1"),
        ["commune-2016-2020.json", "indicator 1.1", "field 'code'", "duplicate indicator code"],
    ),
    "comparator": (
        "commune-2021-2025.json",
        lambda d: indicator_in(d, "3.1").update(comparator="gt"),
        ["commune-2021-2025.json", "indicator 3.1", "field 'comparator'", "'gt'"],
    ),
    "count of a complete set": (
        "commune-2016-2020.json",
        lambda d: d["criteria"].pop(),
        ["commune-2016-2020.json", "field 'complete'", "lists 18 criteria; the official count is 19"],
    ),
    "empty value not marked unsure": (
        "commune-2021-2025.json",
        lambda d: indicator_in(d, "2.2")["thresholds"][0].update(confidence="V"),
        ["commune-2021-2025.json", "indicator 2.2, threshold #1", "field 'confidence'"],
    ),
    "year outside the period": (
        "commune-2021-2025.json",
        lambda d: indicator_in(d, "10")["thresholds"][0].update(year=2030),
        ["commune-2021-2025.json", "indicator 10, threshold #1", "field 'year'", "2021–2025"],
    ),
    "misspelt field": (
        "district-2021-2025.json",
        lambda d: indicator_in(d, "2.1").update(comparitor="pass"),
        ["district-2021-2025.json", "indicator 2.1", "field 'comparitor'", "unknown field"],
    ),
    "group of another set": (
        "commune-2016-2020.json",
        lambda d: indicator_in(d, "3.1")["thresholds"][0].update(scope="G1-2026"),
        ["commune-2016-2020.json", "indicator 3.1", "field 'scope'", "commune-2026-2030"],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_fails_with_a_specific_message_and_changes_nothing(loaded, data_copy, case):
    name, change, expected = case
    # A valid change in another file, which must not be written either.
    edit(data_copy, "district-2016-2020.json", lambda d: d["criteria"][0].update(name_vi="Đổi tên"))
    edit(data_copy, name, change)
    before = snapshot()

    with pytest.raises(CommandError) as excinfo:
        load(data_dir=data_copy)

    message = str(excinfo.value)
    for fragment in expected:
        assert fragment in message
    assert snapshot() == before


def test_invalid_json_names_the_file_and_line(data_copy):
    # A missing value is reported where the next token starts (line 4) by Python 3.12 and 3.13 alike;
    # a trailing comma is not (3.13 reports it on the line of the comma).
    (data_copy / "commune-2026-2030.json").write_text('{\n  "code": "x",\n  "name": \n}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"commune-2026-2030\.json: not valid JSON at line 4"):
        load(data_dir=data_copy)
    assert not CriteriaSet.objects.exists()


def test_an_error_while_writing_rolls_back_the_whole_load(monkeypatch):
    from communes.loaders import criteria as loader

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_write_threshold", fail)
    with pytest.raises(RuntimeError):
        load()
    assert not CriteriaSet.objects.exists()
    assert not Classification.objects.exists()


def test_set_option_loads_one_set_and_says_what_it_skipped():
    output = load(set_codes=["commune-2016-2020"])
    assert list(CriteriaSet.objects.values_list("code", flat=True)) == ["commune-2016-2020"]
    assert Classification.objects.filter(scheme="region").count() == 7
    assert not Classification.objects.filter(scheme="commune_group").exists()
    assert "G1-2026 skipped" in output

    with pytest.raises(CommandError, match="commune-1900"):
        load(set_codes=["commune-1900"])


def test_criteria_set_changelist_shows_counts_and_completeness(loaded, admin_client, django_assert_max_num_queries):
    url = reverse("admin:communes_criteriaset_changelist")
    with django_assert_max_num_queries(8):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 5
    assert "55 / 57" in response.text and "0 / 47" in response.text and "49 / 49" in response.text

    response = admin_client.get(url, {"complete": "no"})
    assert {s.code for s in response.context["cl"].result_list} == {
        "commune-2021-2025",
        "commune-2026-2030",
        "district-2016-2020",
        "district-2021-2025",
    }
    response = admin_client.get(url, {"complete": "yes", "level": "commune"})
    assert [s.code for s in response.context["cl"].result_list] == ["commune-2016-2020"]


def test_threshold_changelist_uses_a_bounded_number_of_queries(loaded, admin_client, django_assert_max_num_queries):
    url = reverse("admin:communes_threshold_changelist")
    with django_assert_max_num_queries(10):
        response = admin_client.get(url, {"verification": "unverified"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100
    assert response.context["cl"].result_count == Threshold.objects.exclude(confidence=Confidence.VERIFIED).count()


def test_threshold_filters_find_what_is_still_to_check(loaded, admin_client):
    url = reverse("admin:communes_threshold_changelist")
    district = CriteriaSet.objects.get(code="district-2021-2025")
    response = admin_client.get(url, {"verification": "missing", "indicator__criteria_set__id__exact": district.pk})
    assert [t.indicator.code for t in response.context["cl"].result_list] == ["2.2"]
    response = admin_client.get(
        url, {"verification": "verified", "scope__id__exact": Classification.objects.get(code="TN").pk}
    )
    assert {t.confidence for t in response.context["cl"].result_list} == {Confidence.VERIFIED}
    assert response.context["cl"].result_count == Threshold.objects.filter(scope__code="TN", confidence="V").count() > 0


@pytest.mark.parametrize("name", ["indicator", "criterion", "classification", "unitclassification"])
def test_other_changelists_use_a_bounded_number_of_queries(loaded, admin_client, django_assert_max_num_queries, name):
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse(f"admin:communes_{name}_changelist"))
    assert response.status_code == 200


def test_unit_classification_form_searches_units_instead_of_listing_them(admin_client):
    form = admin_client.get(reverse("admin:communes_unitclassification_add")).context["adminform"].form
    assert isinstance(form.fields["unit"].widget.widget, AutocompleteSelect)


def test_change_pages_open(loaded, admin_client):
    criteria_set = CriteriaSet.objects.get(code="commune-2021-2025")
    indicator = Indicator.objects.get(criteria_set=criteria_set, code="15.3")
    for url in (
        reverse("admin:communes_criteriaset_change", args=[criteria_set.pk]),
        reverse("admin:communes_criterion_change", args=[indicator.criterion_id]),
        reverse("admin:communes_indicator_change", args=[indicator.pk]),
    ):
        assert admin_client.get(url).status_code == 200

"""Dated units: as-of queries, the NTM denominator, validation of periods and parents."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from communes.models import Kind, Level, ReorganisationEvent, Unit, UnitChange
from tests.factories import CommuneFactory, DistrictFactory, ProvinceFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def test_as_of_returns_only_versions_in_force_on_that_date():
    province = ProvinceFactory(valid_to=D(2025, 6, 30))
    district = DistrictFactory(parent=province, valid_to=D(2025, 6, 30))
    old = CommuneFactory(parent=district, code="00100", valid_to=D(2019, 12, 31))
    new = CommuneFactory(
        parent=district, code="00100", name="Xã Mới", valid_from=D(2020, 1, 1), valid_to=D(2025, 6, 30)
    )

    assert list(Unit.objects.communes().as_of(D(2019, 6, 1))) == [old]
    assert list(Unit.objects.communes().as_of(D(2020, 1, 1))) == [new]
    assert list(Unit.objects.communes().as_of(D(2025, 7, 1))) == []


def test_denominator_counts_only_rural_communes_of_the_province():
    province = ProvinceFactory(code="06")
    district = DistrictFactory(parent=province)
    xa = CommuneFactory(parent=district, kind=Kind.COMMUNE)
    CommuneFactory(parent=district, kind=Kind.WARD)
    CommuneFactory(parent=district, kind=Kind.TOWNLET)
    CommuneFactory(parent=DistrictFactory(parent=ProvinceFactory(code="07")))

    assert list(Unit.objects.ntm_denominator(D(2022, 1, 1), province="06")) == [xa]


def test_commune_gets_province_and_district_from_its_parent():
    district = DistrictFactory()
    commune = CommuneFactory(parent=district)
    assert commune.district == district
    assert commune.province == district.parent


def test_it_rejects_an_overlapping_version_of_the_same_code():
    district = DistrictFactory()
    CommuneFactory(parent=district, code="00200", valid_to=D(2020, 12, 31))
    clash = Unit(
        code="00200", name="Xã Trùng", level=Level.COMMUNE, kind=Kind.COMMUNE, parent=district, valid_from=D(2020, 6, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        clash.full_clean()
    assert "00200" in str(excinfo.value.message_dict["valid_from"])


def test_it_rejects_a_parent_that_did_not_exist_during_the_childs_period():
    district = DistrictFactory(valid_from=D(2018, 1, 1), valid_to=D(2019, 12, 31))
    child = Unit(
        code="00300", name="Xã Con", level=Level.COMMUNE, kind=Kind.COMMUNE, parent=district, valid_from=D(2019, 1, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        child.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_it_rejects_a_kind_of_another_level():
    unit = Unit(code="99", name="Sai", level=Level.PROVINCE, kind=Kind.COMMUNE)
    with pytest.raises(ValidationError) as excinfo:
        unit.full_clean()
    assert "kind" in excinfo.value.message_dict


def test_event_rejects_a_successor_starting_before_the_effective_date():
    district = DistrictFactory()
    old = CommuneFactory(parent=district, valid_to=D(2019, 12, 31))
    new = CommuneFactory(parent=district, valid_from=D(2019, 6, 1))
    event = ReorganisationEvent(kind="merge", effective_date=D(2020, 1, 1), legal_basis="1/NQ-UBTVQH14")
    links = [UnitChange(unit=old, role="predecessor"), UnitChange(unit=new, role="successor")]
    with translation.override("en"), pytest.raises(ValidationError, match="before the event"):
        event.clean_links(links)


def test_successors_follow_a_chain_of_reorganisations_to_the_date_asked():
    district = DistrictFactory(valid_to=D(2025, 6, 30))
    a = CommuneFactory(parent=district, valid_to=D(2019, 12, 31))
    b = CommuneFactory(parent=district, valid_from=D(2020, 1, 1), valid_to=D(2025, 6, 30))
    province_2025 = ProvinceFactory(valid_from=D(2025, 7, 1))
    c = CommuneFactory(parent=province_2025, valid_from=D(2025, 7, 1))
    for date, pred, succ in [(D(2020, 1, 1), a, b), (D(2025, 7, 1), b, c)]:
        event = ReorganisationEvent.objects.create(kind="merge", effective_date=date, legal_basis="x")
        UnitChange.objects.create(event=event, unit=pred, role="predecessor")
        UnitChange.objects.create(event=event, unit=succ, role="successor")

    assert list(a.successors()) == [b]
    assert list(a.successors(as_of=D(2026, 1, 1))) == [c]
    assert list(c.predecessors()) == [b]
    assert c.district is None and c.province == province_2025

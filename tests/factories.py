"""factory_boy factories: Province -> District -> Commune -> Village chains of unit versions."""

import datetime

import factory

from communes.models import CriteriaSet, Criterion, Indicator, Kind, Level, Unit

OLD_STRUCTURE_END = datetime.date(2025, 6, 30)
NEW_STRUCTURE_START = datetime.date(2025, 7, 1)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh Thử {n}")
    level = Level.PROVINCE
    kind = Kind.PROVINCE
    valid_from = None
    valid_to = None


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    # Above every real district code (the highest is 973), so a factory unit never takes the code of a
    # unit that load_units or the area_tree fixture creates in the same test.
    code = factory.Sequence(lambda n: f"{974 + n % 26}")
    name = factory.Sequence(lambda n: f"Huyện Thử {n}")
    level = Level.DISTRICT
    kind = Kind.RURAL_DISTRICT
    parent = factory.SubFactory(ProvinceFactory)
    valid_from = None
    valid_to = None


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    # Above every real commune code (the highest is 32248); see DistrictFactory.
    code = factory.Sequence(lambda n: f"{90000 + n % 10000:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử {n}")
    level = Level.COMMUNE
    kind = Kind.COMMUNE
    parent = factory.SubFactory(DistrictFactory)
    valid_from = None
    valid_to = None


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"Thôn {n}")
    level = Level.VILLAGE
    kind = Kind.VILLAGE
    parent = factory.SubFactory(CommuneFactory)
    valid_from = None
    valid_to = None


class CriteriaSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriteriaSet

    code = factory.Sequence(lambda n: f"test-set-{n}")
    name_vi = factory.Sequence(lambda n: f"Bộ tiêu chí thử {n}")
    level = CriteriaSet.SetLevel.COMMUNE
    legal_basis = "1/QĐ-TEST"
    period_start = 2021
    period_end = 2025
    official_criterion_count = 19
    official_indicator_count = 57


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    criteria_set = factory.SubFactory(CriteriaSetFactory)
    number = factory.Sequence(lambda n: n + 1)
    name_vi = factory.Sequence(lambda n: f"Tiêu chí {n + 1}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    criterion = factory.SubFactory(CriterionFactory)
    code = factory.Sequence(lambda n: f"{n + 1}.1")
    description_vi = "Chỉ tiêu thử"
    comparator = Indicator.Comparator.AT_LEAST

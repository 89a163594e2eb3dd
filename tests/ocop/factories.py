"""factory_boy factories for OCOP: producers in a commune version, products, rating events.

The rules versions, authority rules and product groups come from the data migration; the
factories fetch them (get_or_create by code, so tests on a flushed transactional database work too).
"""

import datetime
from decimal import Decimal

import factory

from ocop.models import Producer, Product, ProductGroup, RatingEvent, RatingRules
from ocop.services import add_months, stars_for_total
from tests.factories import CommuneFactory

RULES_DATA = {
    "1048": {
        "legal_basis": "1048/QĐ-TTg ngày 21/08/2019",
        "effective_from": datetime.date(2019, 8, 21),
        "effective_to": datetime.date(2023, 2, 23),
        "max_part_a": 35,
        "max_part_b": 25,
        "max_part_c": 40,
    },
    "148": {
        "legal_basis": "148/QĐ-TTg ngày 24/02/2023",
        "effective_from": datetime.date(2023, 2, 24),
        "effective_to": None,
        "max_part_a": 40,
        "max_part_b": 25,
        "max_part_c": 35,
    },
}


def rules(code: str = "148") -> RatingRules:
    """A rules version of the data migration (recreated as it was if a flush removed it)."""
    return RatingRules.objects.get_or_create(code=code, defaults=RULES_DATA[code])[0]


def food_group() -> ProductGroup:
    return ProductGroup.objects.get_or_create(
        rules=rules("148"), code="TP", defaults={"name_vi": "Thực phẩm", "name_en": "Food"}
    )[0]


class ProducerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Producer

    kind = Producer.Kind.COOPERATIVE
    name = factory.Sequence(lambda n: f"HTX Thử {n}")
    registration_code = factory.Sequence(lambda n: f"47{n:08d}")
    commune = factory.SubFactory(CommuneFactory)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    producer = factory.SubFactory(ProducerFactory)
    name = factory.Sequence(lambda n: f"Sản phẩm thử {n}")
    group = factory.LazyFunction(food_group)


class RatingEventFactory(factory.django.DjangoModelFactory):
    """A consistent province recognition under 148 (75 points, 4★), certificate issued on the decision date.

    Written directly, not through the service: for building histories quickly in list tests.
    """

    class Meta:
        model = RatingEvent

    product = factory.SubFactory(ProductFactory)
    rules = factory.LazyFunction(rules)
    level = "province"
    kind = RatingEvent.Kind.NEW
    score_a = Decimal(30)
    score_b = Decimal(20)
    score_c = Decimal(25)
    total = factory.LazyAttribute(lambda o: o.score_a + o.score_b + o.score_c)
    stars = factory.LazyAttribute(lambda o: 4 if o.potential_five_stars else stars_for_total(o.total))
    potential_five_stars = factory.LazyAttribute(lambda o: o.level == "province" and o.total >= 90)
    decision_number = factory.Sequence(lambda n: f"{n + 100}/QĐ-UBND")
    decision_date = datetime.date(2024, 3, 1)
    certificate_number = factory.Sequence(lambda n: f"GCN-{n + 1}")
    certificate_issued_on = factory.LazyAttribute(lambda o: o.decision_date)
    valid_until = factory.LazyAttribute(
        lambda o: add_months(o.certificate_issued_on, 36) if o.certificate_issued_on else None
    )

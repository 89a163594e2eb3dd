"""Demo OCOP data: producers and products of the demo province with rating histories since 2019.

Products are rated first under 1048/QĐ-TTg (province, 3–4★), renewed or upgraded when their
36-month certificates run out, rated by districts (3★) under 148/QĐ-TTg between 2023 and mid-2025,
and by the province again under 1489/QĐ-TTg; some are left to expire. Every rating goes through
ocop.services.rating_record, so the demo obeys the same rules as staff input. Everything is marked
``is_demo``; generation is deterministic.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from communes.models import Unit
from ocop.models import EvaluatingLevel, Producer, Product, ProductGroup
from ocop.services import rating_record, stars_for_total

SEED = 2019
TODAY_FOR_DEMO = datetime.date(2026, 11, 1)
DISTRICT_STARS_FROM = datetime.date(2023, 2, 24)
DISTRICT_STARS_UNTIL = datetime.date(2025, 7, 5)

# (product name, 2023 group code, 2019 group code)
_PRODUCTS = [
    ("Chè xanh {place}", "DU-KC", "DU"),
    ("Chè búp {place}", "DU-KC", "DU"),
    ("Miến dong {place}", "TP-SC", "TP"),
    ("Gạo Bao Thai {place}", "TP-TS", "TP"),
    ("Cam sành {place}", "TP-TS", "TP"),
    ("Hồng không hạt {place}", "TP-TS", "TP"),
    ("Mật ong {place}", "TP-K", "TP"),
    ("Rượu men lá {place}", "DU-CC", "DU"),
    ("Trà hoa vàng {place}", "DL-TPCN", "TD"),
    ("Tinh dầu quế {place}", "DL-TD", "TD"),
    ("Nấm hương {place}", "TP-SC", "TP"),
    ("Măng khô {place}", "TP-SC", "TP"),
    ("Thịt lợn gác bếp {place}", "TP-SC", "TP"),
    ("Bánh chưng gù {place}", "TP-K", "TP"),
    ("Khăn thổ cẩm {place}", "TCMN-VM", "VMM"),
    ("Giỏ mây tre đan {place}", "TCMN-TC", "LNNT"),
    ("Lan kim tuyến {place}", "SVC-H", None),
    ("Điểm du lịch cộng đồng {place}", "DVDL", "DVDL"),
]
_PRODUCER_KINDS = [
    (Producer.Kind.COOPERATIVE, "Hợp tác xã {name}", 0.38),
    (Producer.Kind.ENTERPRISE, "Công ty TNHH {name}", 0.24),
    (Producer.Kind.HOUSEHOLD, "Hộ kinh doanh {name}", 0.33),
    (Producer.Kind.COOPERATIVE_GROUP, "Tổ hợp tác {name}", 0.05),
]
_PEOPLE = [
    "Hoàng Văn An",
    "Nông Thị Bích",
    "Triệu Văn Cường",
    "Lý Thị Dung",
    "Ma Văn Đức",
    "Hà Thị Hoa",
    "Lục Văn Hùng",
]


def ocop_demo_load(*, producers: int = 60) -> dict[str, int]:
    """Create demo producers, products and ratings (idempotent: nothing happens if demo products exist)."""
    if Product.objects.filter(is_demo=True).exists():
        return {"producers": 0, "products": 0, "ratings": 0}
    rng = random.Random(SEED)
    groups = {g.code: g for g in ProductGroup.objects.select_related("rules")}
    old_communes = list(
        Unit.objects.rural()
        .filter(valid_to=datetime.date(2025, 6, 30), province__code__in=["06", "19"])
        .order_by("code")
    )
    new_communes = list(
        Unit.objects.rural().filter(valid_from=datetime.date(2025, 7, 1), province__code="19").order_by("code")
    )
    if not old_communes or not new_communes or not groups:
        return {"producers": 0, "products": 0, "ratings": 0}
    counts = {"producers": 0, "products": 0, "ratings": 0}
    with transaction.atomic():
        for number in range(producers):
            late = number >= producers * 0.85  # registered after the 2025 reorganisation
            commune = rng.choice(new_communes if late else old_communes)
            kind, pattern, _share = _pick_kind(rng)
            place = _place(commune)
            producer = Producer.objects.create(
                kind=kind,
                name=pattern.format(name=f"{place} {number + 1}"),
                registration_code=f"DEMO-{commune.code}-{number + 1:03d}",
                commune=commune,
                address=f"{commune.name}, {commune.province.name}",
                representative=rng.choice(_PEOPLE),
                is_demo=True,
            )
            counts["producers"] += 1
            for name, new_group, old_group in rng.sample(_PRODUCTS, rng.randint(1, 3)):
                first = _first_rating_date(rng, late=late)
                group_code = old_group if first < DISTRICT_STARS_FROM and old_group else new_group
                product = Product.objects.create(
                    producer=producer,
                    name=name.format(place=place),
                    group=groups[group_code],
                    description="Sản phẩm mẫu (demo).",
                    is_demo=True,
                )
                counts["products"] += 1
                counts["ratings"] += _rating_history(rng, product, first=first, province_name=commune.province.name)
    return counts


def _pick_kind(rng: random.Random):
    roll, total = rng.random(), 0.0
    for option in _PRODUCER_KINDS:
        total += option[2]
        if roll <= total:
            return option
    return _PRODUCER_KINDS[0]


def _place(commune: Unit) -> str:
    for prefix in ("Xã ", "Phường ", "Thị trấn "):
        if commune.name.startswith(prefix):
            return commune.name.removeprefix(prefix)
    return commune.name


def _first_rating_date(rng: random.Random, *, late: bool) -> datetime.date:
    year = rng.randint(2025, 2026) if late else rng.choice([2019, 2020, 2020, 2021, 2021, 2022, 2023, 2024])
    date = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
    if late and date < datetime.date(2025, 7, 10):
        date = datetime.date(2025, rng.randint(8, 12), rng.randint(1, 28))
    date = max(date, datetime.date(2019, 9, 15))  # 1048/QĐ-TTg took effect on 21/08/2019
    return min(date, TODAY_FOR_DEMO - datetime.timedelta(days=30))


def _level_for(stars: int, date: datetime.date) -> str:
    if stars == 5:
        return EvaluatingLevel.CENTRAL
    if stars == 3 and DISTRICT_STARS_FROM <= date <= DISTRICT_STARS_UNTIL:
        return EvaluatingLevel.DISTRICT
    return EvaluatingLevel.PROVINCE


def _scores(rng: random.Random, target_total: float, rules) -> tuple[Decimal, Decimal, Decimal]:
    """Part scores summing to about ``target_total`` within the rules' part maxima."""
    maxima = [rules.max_part_a, rules.max_part_b, rules.max_part_c]
    share = target_total / 100
    parts = [min(m, max(0.0, round(m * share + rng.uniform(-2, 2), 1))) for m in maxima]
    return tuple(Decimal(f"{p:.1f}") for p in parts)


def _rating_history(rng: random.Random, product: Product, *, first: datetime.date, province_name: str) -> int:
    """Rate the product at ``first`` and again when its certificate ends, until the demo's today."""
    from ocop.services import rules_in_force

    date, stars_target, events, sequence = first, rng.choice([3, 3, 3, 4, 4]), 0, 0
    while date <= TODAY_FOR_DEMO:
        rules = rules_in_force(on=date)
        total_target = {3: rng.uniform(52, 69), 4: rng.uniform(71, 88), 5: rng.uniform(90, 95)}[stars_target]
        if stars_target == 4 and rng.random() < 0.06:
            total_target = rng.uniform(90, 93)  # a province score of 90+: potential 5 stars
        score_a, score_b, score_c = _scores(rng, total_target, rules)
        band_stars = stars_for_total(score_a + score_b + score_c)
        if band_stars < 3:
            break
        # 5 stars only centrally: a province score of 90+ stays 4 stars, "potential 5 stars".
        level = (
            EvaluatingLevel.CENTRAL if stars_target == 5 and band_stars == 5 else _level_for(min(band_stars, 4), date)
        )
        sequence += 1
        authority = {
            EvaluatingLevel.CENTRAL: "Bộ Nông nghiệp và Môi trường",
            EvaluatingLevel.DISTRICT: "UBND huyện",
            EvaluatingLevel.PROVINCE: "UBND " + province_name.replace("Tỉnh ", "tỉnh "),
        }[level]
        certificate_date = date + datetime.timedelta(days=rng.randint(0, 20))
        event = rating_record(
            product=product,
            level=level,
            score_a=score_a,
            score_b=score_b,
            score_c=score_c,
            decision_number=f"{rng.randint(100, 3999)}/{'QĐ-BNNMT' if level == EvaluatingLevel.CENTRAL else 'QĐ-UBND'} (demo)",
            decision_date=date,
            issued_by=authority,
            certificate_number=f"OCOP-DEMO-{product.pk:04d}-{sequence}",
            certificate_issued_on=certificate_date,
            is_demo=True,
            by=None,
        )
        events += 1
        if rng.random() < 0.2 or event.valid_until is None:  # some products are not renewed: they expire
            break
        date = event.valid_until - datetime.timedelta(days=rng.randint(10, 60))
        if stars_target == 3 and rng.random() < 0.3:
            stars_target = 4  # upgrade at the next rating
        elif stars_target == 4 and event.potential_five_stars and rng.random() < 0.5:
            stars_target = 5  # the central council rates it 5 stars
    return events

"""Demo targets, socio-economic figures, funding and disbursements for the demo province.

Yearly plans for 2021–2024 on the old provinces (Bắc Kạn 06, Thái Nguyên 19) and their districts, a
2021–2025 programme-period target, and 2026 plans on today's Thái Nguyên. Amounts are in VND and of
the order provincial reports give (hundreds of billions a year). Everything is marked ``is_demo``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from communes.models import Unit
from reports.models import (
    Basis,
    Disbursement,
    Funding,
    FundingSource,
    InKindContribution,
    Metric,
    SocioEconomicFigure,
    Target,
)

SEED = 2021
OLD_END = datetime.date(2025, 6, 30)
NEW_START = datetime.date(2025, 7, 1)
BILLION = Decimal(1_000_000_000)
PLAN = "Kế hoạch năm (dữ liệu mẫu)"
PERIOD_PLAN = "Nghị quyết Đại hội Đảng bộ tỉnh 2020–2025 (dữ liệu mẫu)"

# Billion VND a year for a province, by source (low, high).
_PROVINCE_FUNDING = {
    FundingSource.CENTRAL_INVESTMENT: (180, 320),
    FundingSource.CENTRAL_RECURRENT: (60, 120),
    FundingSource.PROVINCIAL_BUDGET: (50, 110),
    FundingSource.INTEGRATED: (250, 520),
    FundingSource.ENTERPRISES: (20, 80),
    FundingSource.COMMUNITY: (15, 45),
    FundingSource.CREDIT: (1500, 2600),
}
_DISTRICT_FUNDING = {FundingSource.DISTRICT_BUDGET: (4, 18), FundingSource.COMMUNE_BUDGET: (1, 6)}


def reports_demo_load() -> dict[str, int]:
    """Create the demo's targets, figures and money (idempotent: nothing happens if demo targets exist)."""
    if Target.objects.filter(is_demo=True).exists():
        return {"targets": 0, "figures": 0, "funding": 0, "disbursements": 0}
    rng = random.Random(SEED)
    old_provinces = list(Unit.objects.provinces().filter(code__in=["06", "19"], valid_to=OLD_END).order_by("code"))
    new_province = Unit.objects.provinces().filter(code="19", valid_from=NEW_START).first()
    if not old_provinces or new_province is None:
        return {"targets": 0, "figures": 0, "funding": 0, "disbursements": 0}
    targets, figures, funding, disbursements, in_kind = [], [], [], [], []
    for province in old_provinces:
        communes = Unit.objects.rural().filter(province=province, valid_to=OLD_END).count()
        mountain = province.code == "06"
        standard = round(communes * (0.05 if mountain else 0.12))
        for year in range(2021, 2025):
            standard += rng.randint(3, 8)
            targets += _year_targets(province, year, rng, standard=standard, communes=communes, mountain=mountain)
            figures += _figures(province, year, rng, mountain=mountain)
            funding += _funding(province, year, rng, _PROVINCE_FUNDING)
            disbursements += _disbursements(province, year, rng)
            in_kind.append(
                InKindContribution(
                    unit=province,
                    year=year,
                    land_m2=Decimal(rng.randint(80_000, 250_000)),
                    workdays=Decimal(rng.randint(60_000, 200_000)),
                    description="Hiến đất, ngày công, tháo dỡ tường rào (dữ liệu mẫu).",
                    is_demo=True,
                )
            )
            for district in Unit.objects.districts().filter(parent=province, valid_to=OLD_END).order_by("code"):
                funding += _funding(district, year, rng, _DISTRICT_FUNDING)
                targets.append(_target(district, year, Metric.COMMUNES_STANDARD, Basis.NEW_IN_YEAR, rng.randint(1, 3)))
        targets.append(
            Target(
                unit=province,
                scope=Target.Scope.PERIOD,
                year=2025,
                period_start=2021,
                metric=Metric.COMMUNES_STANDARD,
                basis=Basis.CUMULATIVE,
                value=Decimal(round(communes * (0.3 if mountain else 0.45))),
                decision=PERIOD_PLAN,
                is_demo=True,
            )
        )
    communes_2026 = Unit.objects.rural().filter(province=new_province).count()
    targets += _year_targets(
        new_province, 2026, rng, standard=round(communes_2026 * 0.2), communes=communes_2026, mountain=True
    )
    figures += _figures(new_province, 2026, rng, mountain=True)
    funding += _funding(new_province, 2026, rng, _PROVINCE_FUNDING)
    disbursements += _disbursements(new_province, 2026, rng, last_cutoff=datetime.date(2026, 9, 30))
    with transaction.atomic():
        Target.objects.bulk_create(targets)
        SocioEconomicFigure.objects.bulk_create(figures)
        Funding.objects.bulk_create(funding)
        Disbursement.objects.bulk_create(disbursements)
        InKindContribution.objects.bulk_create(in_kind)
    return {
        "targets": len(targets),
        "figures": len(figures),
        "funding": len(funding),
        "disbursements": len(disbursements),
    }


def _target(unit: Unit, year: int, metric: str, basis: str, value, parameter: int | None = None) -> Target:
    return Target(
        unit=unit,
        year=year,
        metric=metric,
        basis=basis,
        value=Decimal(str(value)),
        parameter=parameter,
        decision=PLAN,
        is_demo=True,
    )


def _year_targets(unit: Unit, year: int, rng: random.Random, *, standard: int, communes: int, mountain: bool) -> list:
    return [
        _target(unit, year, Metric.COMMUNES_STANDARD, Basis.CUMULATIVE, min(standard, communes)),
        _target(unit, year, Metric.COMMUNES_STANDARD, Basis.NEW_IN_YEAR, rng.randint(5, 12)),
        _target(unit, year, Metric.COMMUNES_ADVANCED, Basis.NEW_IN_YEAR, rng.randint(1, 4)),
        _target(unit, year, Metric.AVERAGE_CRITERIA, Basis.CUMULATIVE, round(rng.uniform(14.5, 17.5), 1)),
        _target(unit, year, Metric.COMMUNES_UNDER, Basis.CUMULATIVE, rng.randint(0, 8), parameter=10),
        _target(unit, year, Metric.OCOP_NEW, Basis.NEW_IN_YEAR, rng.randint(8, 20)),
        _target(unit, year, Metric.RURAL_INCOME, Basis.CUMULATIVE, round(30 + (year - 2020) * 3.5, 1)),
        _target(unit, year, Metric.POVERTY_RATE, Basis.CUMULATIVE, round((14 if mountain else 6) - (year - 2020), 1)),
        _target(unit, year, Metric.HEALTH_INSURANCE, Basis.CUMULATIVE, 95),
        _target(unit, year, Metric.HYGIENIC_WATER, Basis.CUMULATIVE, 97),
    ]


def _figures(unit: Unit, year: int, rng: random.Random, *, mountain: bool) -> list[SocioEconomicFigure]:
    income = (28 if mountain else 38) + (year - 2020) * rng.uniform(2.5, 4.5)
    poverty = max(1.0, (16 if mountain else 5) - (year - 2020) * rng.uniform(1.0, 2.2))
    values = {
        Metric.RURAL_INCOME: income,
        Metric.POVERTY_RATE: poverty,
        Metric.HEALTH_INSURANCE: rng.uniform(92, 98.5),
        Metric.HYGIENIC_WATER: rng.uniform(93, 99),
    }
    return [
        SocioEconomicFigure(
            unit=unit, year=year, metric=metric, value=Decimal(f"{value:.1f}"), source="Báo cáo mẫu", is_demo=True
        )
        for metric, value in values.items()
    ]


def _funding(unit: Unit, year: int, rng: random.Random, ranges: dict) -> list[Funding]:
    return [
        Funding(
            unit=unit,
            year=year,
            source=source,
            amount_vnd=Decimal(round(rng.uniform(low, high) * 1000)) * BILLION / 1000,
            is_demo=True,
        )
        for source, (low, high) in ranges.items()
    ]


def _disbursements(unit: Unit, year: int, rng: random.Random, *, last_cutoff: datetime.date | None = None) -> list:
    rows = []
    cutoffs = [datetime.date(year, 6, 30), last_cutoff or datetime.date(year, 12, 31)]
    for capital_type, (low, high) in (
        (Disbursement.CapitalType.INVESTMENT, (180, 320)),
        (Disbursement.CapitalType.RECURRENT, (60, 120)),
    ):
        allocated = Decimal(round(rng.uniform(low, high))) * BILLION
        for share, cutoff in zip((rng.uniform(0.3, 0.55), rng.uniform(0.75, 0.98)), cutoffs, strict=True):
            rows.append(
                Disbursement(
                    unit=unit,
                    year=year,
                    cutoff_date=cutoff,
                    capital_type=capital_type,
                    allocated_vnd=allocated,
                    disbursed_vnd=(allocated * Decimal(f"{share:.3f}")).quantize(Decimal(1)),
                    is_demo=True,
                )
            )
    return rows

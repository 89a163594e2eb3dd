"""Display helpers of the dashboards: money in the reader's unit, and percentages to one decimal."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

from reports.money import MoneyUnit, money_unit_get

register = template.Library()


@register.filter
def money(value_vnd: Decimal | int | None, unit: MoneyUnit | str = "million") -> str:
    """An amount stored in VND shown in million VND (no decimals) or billion VND (one decimal), in the
    active language's number format (1.274.790 / 312,5). Empty for a missing amount."""
    if value_vnd is None:
        return ""
    money_unit = unit if isinstance(unit, MoneyUnit) else money_unit_get(unit)
    return floatformat(Decimal(value_vnd) / money_unit.divisor, money_unit.format)


@register.filter
def percent(value: Decimal | float | None) -> str:
    """A percentage to one decimal in the active language (16,3); a dash when it cannot be computed."""
    if value is None:
        return "–"
    return floatformat(value, 1)


@register.filter
def item(mapping: dict, key: object) -> object:
    """``mapping[key]`` in a template (band counts keyed by values such as "15-18"); None when absent."""
    return mapping.get(key) if mapping else None


@register.filter
def minus(value: int | Decimal | None, other: int | Decimal | None) -> int | Decimal | None:
    """``value - other`` (e.g. communes assessed minus those meeting a criterion); None if either is missing."""
    if value is None or other is None:
        return None
    return value - other

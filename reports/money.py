"""Money is stored in VND and shown in million or billion VND, as the reader asks (``?money=``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MoneyUnit:
    key: str
    divisor: Decimal
    label: str | Promise
    format: str  # the floatformat argument: decimals, "g" for thousands grouping


MONEY_UNITS: dict[str, MoneyUnit] = {
    "million": MoneyUnit("million", Decimal(1_000_000), _("million VND"), "0g"),
    "billion": MoneyUnit("billion", Decimal(1_000_000_000), _("billion VND"), "1g"),
}
DEFAULT_MONEY_UNIT = "million"


def money_unit_get(key: str | None) -> MoneyUnit:
    """The unit named by ``key`` (``?money=million|billion``); million VND when missing or unknown."""
    return MONEY_UNITS.get(key or "", MONEY_UNITS[DEFAULT_MONEY_UNIT])

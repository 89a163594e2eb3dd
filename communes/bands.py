"""Bands of communes by the number of criteria met, as provincial reports count them (domain.md §7).

The reports use 19; 15–18; 10–14; 5–9; under 5 for the 19-criterion sets. "All criteria" is the top
band whatever the size of the set, so a 10-criterion set (2026–2030) gives all; 5–9; under 5.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Band(models.TextChoices):
    ALL = "all", _("All criteria met")
    FROM_15 = "15-18", _("15–18 criteria")
    FROM_10 = "10-14", _("10–14 criteria")
    FROM_5 = "5-9", _("5–9 criteria")
    UNDER_5 = "under-5", _("Under 5 criteria")


# Inclusive lower bound of each band below "all" (the upper bound is the next band's start minus one).
_BAND_FLOORS: list[tuple[str, int]] = [(Band.FROM_15, 15), (Band.FROM_10, 10), (Band.FROM_5, 5), (Band.UNDER_5, 0)]


def band_for(*, met_count: int, criteria_total: int) -> Band:
    """The band of an assessment from its stored standing (no query)."""
    if criteria_total > 0 and met_count >= criteria_total:
        return Band.ALL
    for band, floor in _BAND_FLOORS:
        if met_count >= floor:
            return Band(band)
    return Band.UNDER_5


def band_q(band: str, prefix: str = "") -> Q:
    """Assessments (or rows reaching one through ``prefix``) whose stored standing lies in ``band``."""
    met, total = f"{prefix}met_count", f"{prefix}criteria_total"
    complete = Q(**{f"{total}__gt": 0, met: F(total)})
    if band == Band.ALL:
        return complete
    ceiling = None
    for value, floor in _BAND_FLOORS:
        if value == band:
            condition = Q(**{f"{met}__gte": floor})
            if ceiling is not None:
                condition &= Q(**{f"{met}__lt": ceiling})
            return condition & ~complete
        ceiling = floor
    raise ValueError(f"Unknown band {band!r}.")

"""Reusable reads over administrative units: units as of a date, the NTM denominator, successors."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Avg, Case, Count, F, Max, Q, Value, When

from ntm_portal.db import count_related

if TYPE_CHECKING:
    from communes.models import Unit

# How many reorganisations deep successors_of follows a unit (mergers happen a few times a decade).
MAX_REORGANISATION_DEPTH = 20


def valid_on_q(date: datetime.date, prefix: str = "") -> Q:
    """Rows valid on ``date``; an unknown start counts as 'before'."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": date})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": date})
    )


def successors_in_force(
    units: Iterable[tuple[int, datetime.date | None, datetime.date | None]], date: datetime.date
) -> set[int]:
    """Ids of the units in force on ``date`` that the given units (pk, valid_from, valid_to) became,
    following reorganisations forward; a unit still in force on ``date`` is its own successor.
    One query per step of the chain for the whole set of units, never one per unit.
    """
    from communes.models import Unit

    found: set[int] = set()
    frontier: list[int] = []
    seen = set()
    for pk, valid_from, valid_to in units:
        seen.add(pk)
        if _in_force(valid_from, valid_to, date):
            found.add(pk)
        elif valid_to is not None and valid_to < date:
            frontier.append(pk)
    for _step in range(MAX_REORGANISATION_DEPTH):
        if not frontier:
            break
        rows = Unit.objects.direct_successors_of(frontier).values_list("pk", "valid_from", "valid_to").order_by()
        frontier = []
        for pk, valid_from, valid_to in rows:
            if pk in seen:
                continue
            seen.add(pk)
            if _in_force(valid_from, valid_to, date):
                found.add(pk)
            elif valid_to is not None and valid_to < date:
                frontier.append(pk)
    return found


def _in_force(valid_from: datetime.date | None, valid_to: datetime.date | None, date: datetime.date) -> bool:
    return (valid_from is None or valid_from <= date) and (valid_to is None or date <= valid_to)


class UnitQuerySet(models.QuerySet):
    def as_of(self, date: datetime.date) -> UnitQuerySet:
        """Versions in force on ``date``."""
        return self.filter(valid_on_q(date))

    def current(self) -> UnitQuerySet:
        return self.filter(valid_to__isnull=True)

    def overlapping(self, valid_from: datetime.date | None, valid_to: datetime.date | None) -> UnitQuerySet:
        """Versions whose validity period overlaps [valid_from, valid_to] (None = open end)."""
        qs = self
        if valid_to is not None:
            qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=valid_to))
        if valid_from is not None:
            qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        return qs

    def provinces(self) -> UnitQuerySet:
        return self.filter(level="province")

    def districts(self) -> UnitQuerySet:
        return self.filter(level="district")

    def communes(self) -> UnitQuerySet:
        """Commune-level units of every kind (xã, phường, thị trấn, đặc khu)."""
        return self.filter(level="commune")

    def villages(self) -> UnitQuerySet:
        return self.filter(level="village")

    def rural(self) -> UnitQuerySet:
        """Rural communes (xã): the only kind that counts in the NTM denominator."""
        return self.filter(level="commune", kind="xa")

    def in_province(self, province: Unit | str) -> UnitQuerySet:
        """Units under a province, given as a version or as an official code (any version of that code)."""
        if isinstance(province, str):
            return self.filter(province__code=province)
        return self.filter(province=province)

    def in_area(self, unit: Unit) -> UnitQuerySet:
        """Units inside ``unit`` (a province or district version) or the unit itself."""
        if unit.level == "province":
            return self.filter(Q(province=unit) | Q(pk=unit.pk))
        if unit.level == "district":
            return self.filter(Q(district=unit) | Q(pk=unit.pk))
        return self.filter(Q(parent=unit) | Q(pk=unit.pk))

    def ntm_denominator(self, date: datetime.date, province: Unit | str | None = None) -> UnitQuerySet:
        """The rural communes that count in the NTM denominator on ``date`` (optionally in one province)."""
        qs = self.rural().as_of(date)
        return qs.in_province(province) if province is not None else qs

    def with_names(self) -> UnitQuerySet:
        """Load the parent, province and district rows that lists display."""
        return self.select_related("parent", "province", "district")

    def for_user(self, user) -> UnitQuerySet:
        """Units in the user's area (communes.access.area_q)."""
        from communes.access import area_q

        return self.filter(area_q(user, ""))

    def predecessors_of(self, unit: Unit) -> UnitQuerySet:
        """Units that went into ``unit`` through the events it is a successor of (one step back)."""
        return self.filter(
            changes__role="predecessor",
            changes__event__links__unit=unit,
            changes__event__links__role="successor",
        ).distinct()

    def successors_of(self, unit: Unit, *, as_of: datetime.date | None = None) -> UnitQuerySet:
        """Units that ``unit`` became.

        Without ``as_of``: the direct successors (one step). With ``as_of``: follow the chain of
        reorganisations to the units in force on that date (a commune merged in 2020 and again in
        2025 leads to its 2025 successor). One query per step of the chain.
        """
        if as_of is None:
            return self.direct_successors_of([unit.pk])
        return self.filter(pk__in=successors_in_force([(unit.pk, unit.valid_from, unit.valid_to)], as_of))

    def direct_successors_of(self, unit_pks: list[int]) -> UnitQuerySet:
        """Units that the given units became in one reorganisation step."""
        return self.filter(
            changes__role="successor",
            changes__event__links__unit__in=unit_pks,
            changes__event__links__role="predecessor",
        ).distinct()


class CriteriaSetQuerySet(models.QuerySet):
    def with_counts(self) -> CriteriaSetQuerySet:
        """Annotate how many criteria and indicators are loaded, to compare with the official counts."""
        from communes.models import Criterion, Indicator

        return self.annotate(
            criteria_loaded=count_related(Criterion, "criteria_set"),
            indicators_loaded=count_related(Indicator, "criteria_set"),
        )

    def incomplete(self) -> CriteriaSetQuerySet:
        """Sets with fewer criteria or indicators loaded than the legal text has (or an unknown count)."""
        return self.with_counts().filter(
            Q(criteria_loaded__lt=F("official_criterion_count"))
            | Q(official_indicator_count__isnull=True)
            | Q(indicators_loaded__lt=F("official_indicator_count"))
        )


def _ids(units) -> list[int]:
    """Ids from a unit version or an iterable of versions or ids."""
    if hasattr(units, "pk"):
        return [units.pk]
    return [getattr(unit, "pk", unit) for unit in units]


class AssessmentQuerySet(models.QuerySet):
    """Reads over assessments; the standing methods use the stored met_count and met_mask."""

    def for_user(self, user) -> AssessmentQuerySet:
        """Assessments of units in the user's area (communes.access.area_q)."""
        from communes.access import area_q

        return self.filter(area_q(user, "unit__"))

    def for_year(self, year: int) -> AssessmentQuerySet:
        return self.filter(year=year)

    def approved(self) -> AssessmentQuerySet:
        return self.filter(status="approved")

    def with_band(self) -> AssessmentQuerySet:
        """Annotate ``band`` (a communes.bands.Band value) from the stored met_count and criteria_total.

        The reports' bands (19; 15–18; 10–14; 5–9; under 5) are written for the 19-criterion sets.
        communes.bands defines them for any set, so that the matrix, the filters and this annotation
        agree: "all" is every criterion of the assessment's own set met (19/19, or 10/10 from 2026),
        and the lower bands count criteria met, so a 10-criterion set only reaches "5-9" or "under-5"
        below "all". One CASE expression: no extra query.
        """
        from communes.bands import Band, band_q

        return self.annotate(
            band=Case(
                *(When(band_q(band), then=Value(band.value)) for band in Band),
                default=Value(None),
                output_field=models.CharField(),
            )
        )

    def standing(self, *, year: int, province=None, district=None, level: str = "commune") -> AssessmentQuerySet:
        """Assessments of ``year`` against a set of ``level`` (the standard commune set by default), in a
        province or district, with the unit loaded and the band annotated: one row per unit.

        ``province`` / ``district`` is a unit version or a list of version ids (historical versions
        included: communes.selectors.standing_rows passes every version the area had that year).
        """
        qs = self.filter(year=year, criteria_set__level=level)
        if province is not None:
            qs = qs.filter(unit__province_id__in=_ids(province))
        if district is not None:
            qs = qs.filter(unit__district_id__in=_ids(district))
        return qs.with_band().select_related("unit", "unit__district", "criteria_set")

    def standing_totals(self) -> dict:
        """Assessed, all criteria met, average criteria met and the count per band, in one query.

        Keys: ``assessed``, ``all_met``, ``average_met`` (None when nothing is assessed) and one key per
        communes.bands.Band value.
        """
        from communes.bands import Band, band_q

        return self.order_by().aggregate(
            assessed=Count("pk"),
            all_met=Count("pk", filter=Q(criteria_total__gt=0, met_count=F("criteria_total"))),
            average_met=Avg("met_count"),
            **{band.value: Count("pk", filter=band_q(band)) for band in Band},
        )


# Recognition levels (values of communes.models.RecognitionLevel) in ladder order, lowest first within
# each unit level. A commune "at standard" holds any commune level; "advanced" holds advanced or model.
RECOGNITION_LEVEL_ORDER: tuple[str, ...] = (
    "village_ntm",
    "village_model",
    "village_smart",
    "commune_standard",
    "commune_advanced",
    "commune_model",
    "commune_modern",
    "district_standard",
    "district_task_completed",
    "district_advanced",
    "district_model",
    "province_task_completed",
)
COMMUNE_LEVELS_AT_STANDARD: tuple[str, ...] = (
    "commune_standard",
    "commune_advanced",
    "commune_model",
    "commune_modern",
)
COMMUNE_LEVELS_ADVANCED: tuple[str, ...] = ("commune_advanced", "commune_model")


class RecognitionQuerySet(models.QuerySet):
    """Reads over recognition decisions."""

    def for_user(self, user) -> RecognitionQuerySet:
        """Recognitions of units in the user's area (communes.access.area_q)."""
        from communes.access import area_q

        return self.filter(area_q(user, "unit__"))

    def in_force_on(self, date: datetime.date) -> RecognitionQuerySet:
        """Recognitions decided by ``date`` and not revoked with effect on or before it."""
        return self.filter(decision_date__lte=date).exclude(revocation__effective_date__lte=date)

    def for_level(self, *levels: str) -> RecognitionQuerySet:
        """Recognitions at any of ``levels``."""
        return self.filter(level__in=levels)

    def highest_levels_on(self, date: datetime.date) -> dict[int, str]:
        """The highest level in force on ``date`` for each unit of the queryset, in one query.

        ``Recognition.objects.filter(unit__in=units).highest_levels_on(date)``; units without a
        recognition in force are absent from the result.
        """
        rank = Case(
            *(When(level=level, then=Value(n)) for n, level in enumerate(RECOGNITION_LEVEL_ORDER)),
            output_field=models.IntegerField(),
        )
        rows = self.in_force_on(date).order_by().values("unit_id").annotate(top=Max(rank)).values_list("unit_id", "top")
        return {unit_id: RECOGNITION_LEVEL_ORDER[top] for unit_id, top in rows}

"""Reads that span several models of the communes app."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from communes.bands import Band
from communes.models import (
    Assessment,
    CriteriaSet,
    Criterion,
    CriterionResult,
    CriterionStatus,
    Level,
    Recognition,
    Unit,
)
from communes.querysets import (
    COMMUNE_LEVELS_ADVANCED,
    COMMUNE_LEVELS_AT_STANDARD,
    MAX_REORGANISATION_DEPTH,
    valid_on_q,
)


def reference_data_summary(*, date: datetime.date) -> dict:
    """Counts of units in force on ``date`` by level and kind, and the criteria sets with their completeness."""
    units = Unit.objects.as_of(date).aggregate(
        provinces=Count("pk", filter=Q(level="province")),
        districts=Count("pk", filter=Q(level="district")),
        communes=Count("pk", filter=Q(level="commune")),
        rural_communes=Count("pk", filter=Q(level="commune", kind="xa")),
        wards=Count("pk", filter=Q(level="commune", kind="phuong")),
        townships=Count("pk", filter=Q(level="commune", kind="thi_tran")),
        special_zones=Count("pk", filter=Q(level="commune", kind="dac_khu")),
        villages=Count("pk", filter=Q(level="village")),
    )
    criteria_sets = CriteriaSet.objects.with_counts().order_by("level", "period_start")
    return {"units": units, "criteria_sets": list(criteria_sets)}


# District conditions of 320/QĐ-TTg (2021–2025): besides 100% of communes at standard, at least 10% advanced.
DISTRICT_ADVANCED_SHARE_YEARS = range(2021, 2026)
DISTRICT_ADVANCED_SHARE_MIN_PERCENT = 10


@dataclass(frozen=True)
class DistrictConditions:
    """The commune conditions for recognising a district, computed from the commune recognitions in force.

    Conditions 3 (towns are civilised urban areas) and 4 (resident satisfaction) of 320/QĐ-TTg are
    not held as data and are not computed here; condition 5 (the 9 district criteria) is the district
    assessment's.
    """

    district: Unit
    date: datetime.date
    rural_communes: int
    standard_count: int
    advanced_count: int
    missing: list[Unit]
    advanced_required: bool

    @property
    def standard_share(self) -> float | None:
        """Share (0–1) of the rural communes at standard or above; None when there are no rural communes."""
        return self.standard_count / self.rural_communes if self.rural_communes else None

    @property
    def advanced_share(self) -> float | None:
        return self.advanced_count / self.rural_communes if self.rural_communes else None

    @property
    def all_at_standard(self) -> bool:
        return self.rural_communes > 0 and self.standard_count == self.rural_communes

    @property
    def advanced_share_met(self) -> bool:
        # Integer comparison: 1 advanced commune of 10 is exactly 10%, whatever floats would say.
        return self.rural_communes > 0 and self.advanced_count * 100 >= (
            DISTRICT_ADVANCED_SHARE_MIN_PERCENT * self.rural_communes
        )

    @property
    def holds(self) -> bool:
        return self.all_at_standard and (self.advanced_share_met or not self.advanced_required)


def district_conditions(*, district: Unit, date: datetime.date, standard_year: int | None = None) -> DistrictConditions:
    """The rural communes of ``district`` on ``date`` and how many are recognised at standard and advanced.

    A commune counts at standard when any commune-level recognition (standard, advanced, model,
    modern) is in force on ``date``, advanced when an advanced or model one is. The share of advanced
    communes is required for a standard year in 2021–2025 (``standard_year``, or the year of ``date``).
    Two queries, whatever the number of communes.
    """
    in_force = Recognition.objects.in_force_on(date).filter(unit=OuterRef("pk"))
    at_standard = Exists(in_force.for_level(*COMMUNE_LEVELS_AT_STANDARD))
    advanced = Exists(in_force.for_level(*COMMUNE_LEVELS_ADVANCED))
    communes = Unit.objects.rural().as_of(date).filter(district=district)
    counts = communes.aggregate(
        total=Count("pk"),
        standard=Count("pk", filter=Q(at_standard)),
        advanced=Count("pk", filter=Q(advanced)),
    )
    missing = list(communes.filter(~at_standard).order_by("code"))
    year = standard_year if standard_year is not None else date.year
    return DistrictConditions(
        district=district,
        date=date,
        rural_communes=counts["total"],
        standard_count=counts["standard"],
        advanced_count=counts["advanced"],
        missing=missing,
        advanced_required=year in DISTRICT_ADVANCED_SHARE_YEARS,
    )


# The standing of the communes of an area for a year (shared/domain.md §7: two denominators).


@dataclass(frozen=True)
class StandingRow:
    """One assessed unit of a standing list: the stored standing, its band and its unmet criteria."""

    assessment: Assessment
    unit: Unit
    met_count: int
    criteria_total: int
    band: str | None
    unmet: list[int]


@dataclass(frozen=True)
class StandingSummary:
    """The standing of an area's communes for a year, with both denominators.

    ``communes_that_year``: rural communes (xã) in force on 31/12 of the year in the area as it was then
    (every version of the province or district that year, e.g. both provinces later merged), the base
    of cumulative shares. ``communes_today``: rural communes in force today in what the area became
    (its successor; for an abolished district, the communes its communes became), the base of
    per-criterion shares. ``bands`` maps each communes.bands.Band value to a count.
    """

    year: int
    area: Unit
    assessed: int
    all_met: int
    average_met: float | None
    bands: dict[str, int]
    communes_that_year: int
    communes_today: int


def standing_rows(*, year: int, area: Unit, approved_only: bool = False) -> list[StandingRow]:
    """The assessed communes of ``area`` (a province or district version) for ``year`` against the
    standard commune set, ordered by code. The area's versions of that year count (a few queries for
    them when ``area`` is not in force that year), then one query for the rows."""
    versions = area_versions_on(area=area, date=datetime.date(year, 12, 31))
    qs = Assessment.objects.standing(year=year, **{_area_kwarg(area): versions})
    if approved_only:
        qs = qs.approved()
    return [
        StandingRow(
            assessment=assessment,
            unit=assessment.unit,
            met_count=assessment.met_count,
            criteria_total=assessment.criteria_total,
            band=assessment.band,
            unmet=assessment.unmet_numbers(),
        )
        for assessment in qs.order_by("unit__code", "pk")
    ]


def standing_summary(*, year: int, area: Unit, approved_only: bool = False) -> StandingSummary:
    """Assessed, all criteria met, average criteria met, communes per band and both denominators.

    Two queries when ``area`` is in force both that year and today (one over assessments, one over
    units), plus one per reorganisation step otherwise; never one per commune.
    """
    year_end = datetime.date(year, 12, 31)
    today = timezone.localdate()
    kwarg = _area_kwarg(area)
    versions = area_versions_on(area=area, date=year_end)
    qs = Assessment.objects.standing(year=year, **{kwarg: versions})
    if approved_only:
        qs = qs.approved()
    totals = qs.standing_totals()

    field = f"{kwarg}_id__in"
    today_versions = area_versions_on(area=area, date=today)
    if today_versions:
        today_q = Q(**{field: today_versions})
    else:  # an abolished district: the communes in force today that its communes became
        then = Unit.objects.ntm_denominator(year_end).filter(**{field: versions}).values_list("pk", flat=True)
        today_q = Q(pk__in=versions_walk(list(then), today, forward=True, level=Level.COMMUNE))
    denominators = Unit.objects.rural().aggregate(
        that_year=Count("pk", filter=valid_on_q(year_end) & Q(**{field: versions})),
        today=Count("pk", filter=valid_on_q(today) & today_q),
    )
    average = totals["average_met"]
    return StandingSummary(
        year=year,
        area=area,
        assessed=totals["assessed"],
        all_met=totals["all_met"],
        average_met=float(average) if average is not None else None,
        bands={band.value: totals[band.value] for band in Band},
        communes_that_year=denominators["that_year"],
        communes_today=denominators["today"],
    )


def area_versions_on(*, area: Unit, date: datetime.date) -> list[int]:
    """Ids of the versions of the same level in force on ``date`` that ``area`` came from (when it starts
    later) or became (when it ended earlier); ``[area.pk]`` when it is in force then. One query per
    reorganisation step walked."""
    if area.is_valid_on(date):
        return [area.pk]
    forward = area.valid_to is not None and area.valid_to < date
    return sorted(versions_walk([area.pk], date, forward=forward, level=area.level))


def versions_walk(start: list[int], date: datetime.date, *, forward: bool, level: str) -> set[int]:
    """Units of ``level`` in force on ``date`` reached from ``start`` (none of which is in force then)
    through successors (``forward``) or predecessors, a whole frontier per query."""
    found: set[int] = set()
    frontier, seen = list(start), set(start)
    for _step in range(MAX_REORGANISATION_DEPTH):
        if not frontier:
            break
        if forward:
            step = Unit.objects.direct_successors_of(frontier)
        else:
            step = Unit.objects.filter(
                changes__role="predecessor",
                changes__event__links__unit__in=frontier,
                changes__event__links__role="successor",
            ).distinct()
        rows = step.filter(level=level).values_list("pk", "valid_from", "valid_to").order_by()
        frontier = []
        for pk, valid_from, valid_to in rows:
            if pk in seen:
                continue
            seen.add(pk)
            if (valid_from is None or valid_from <= date) and (valid_to is None or date <= valid_to):
                found.add(pk)
            elif (forward and valid_to is not None and valid_to < date) or (
                not forward and valid_from is not None and valid_from > date
            ):
                frontier.append(pk)
    return found


def _area_kwarg(area: Unit) -> str:
    if area.level not in (Level.PROVINCE, Level.DISTRICT):
        raise ValueError(f"A standing is computed for a province or a district, not for a {area.level}.")
    return str(area.level)


def assessment_standing_recount(*, assessment: Assessment) -> dict[str, int]:
    """The standing recounted from the criterion results (two queries), to compare with the stored
    criteria_total, met_count, substantially_met_count and met_mask."""
    criteria_total = Criterion.objects.filter(criteria_set_id=assessment.criteria_set_id).count()
    rows = list(CriterionResult.objects.filter(assessment=assessment).values_list("criterion__number", "status"))
    return {
        "criteria_total": criteria_total,
        "met_count": sum(1 for _number, status in rows if status == CriterionStatus.MET),
        "substantially_met_count": sum(1 for _number, status in rows if status == CriterionStatus.SUBSTANTIALLY_MET),
        "met_mask": sum(1 << (number - 1) for number, status in rows if status == CriterionStatus.MET),
    }

"""Every dashboard number: progress against targets, pass rates, districts side by side, the trend over
the years, communes nearest to standard, funding and disbursement, and a commune's profile.

HTML pages and the API call these functions (STYLE.md rule 7). ``area`` is a province or district
version; the area of a year is the set of its versions in force on 31 December of that year
(communes.selectors.area_versions_on: today's province asked about 2024 covers the provinces it was
formed from). Counts are aggregated in the database; every function runs a fixed number of queries
whatever the number of communes (plus one per reorganisation step walked to find the area's versions).

Choices, after shared/domain.md §7:

* "Communes at standard" counts **recognitions**, never communes that merely completed every
  criterion (completed is shown beside it). Cumulative = communes (of the area that year, in force on
  31/12) holding a recognition in force on 31/12 (decided by then, not revoked with effect by then);
  a commune at standard holds any commune level, an advanced one advanced or model.
* "New in the year" counts recognitions by **standard year**, not decision year: a decision of
  March 2025 recognising a commune "đạt chuẩn NTM năm 2024" counts in 2024's flow, as the reports
  count it (so a past year's flow may still grow when late decisions arrive). Only recognitions of the
  exact level count (an advanced recognition is not a new standard commune), acknowledgements after a
  merger (thừa nhận) are not new, and a recognition revoked with effect by 31/12 of the year does not
  count.
* Averages and bands come from the stored standing of the year's assessments against the standard
  commune set (all statuses, like communes.selectors.standing_summary).
* OCOP products belong to the area through their producer's commune version; the area's earlier
  versions count too (a producer registered in the former Bắc Kạn is in today's Thái Nguyên).
* Money: Funding and Disbursement rows of every unit of the area that year (the province or district
  versions themselves, their districts and their communes) are summed; each row is what was mobilised
  or disbursed at that unit's own level, so nothing is counted twice.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Sum, Value
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext

from communes.bands import Band, band_for, band_q
from communes.models import Assessment, Criterion, Level, Recognition, RecognitionLevel, Unit
from communes.querysets import COMMUNE_LEVELS_ADVANCED, COMMUNE_LEVELS_AT_STANDARD, MAX_REORGANISATION_DEPTH, valid_on_q
from communes.selectors import area_versions_on, versions_walk
from ocop.models import Product, RatingEvent
from reports.models import (
    ENTERED_METRICS,
    LOWER_IS_BETTER,
    Basis,
    Disbursement,
    Funding,
    FundingSource,
    InKindContribution,
    Metric,
    SocioEconomicFigure,
    Target,
)

ONE_DECIMAL = Decimal("0.1")
# "Communes under N criteria" without N: Biểu 02 of the provincial reports counts communes under 10.
DEFAULT_UNDER_CRITERIA = 10
COMMUNE_SET_LEVEL = "commune"

# Recognition levels per metric: (levels counted cumulatively, levels counted as new in the year).
RECOGNITION_METRICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Metric.COMMUNES_STANDARD: (COMMUNE_LEVELS_AT_STANDARD, (RecognitionLevel.COMMUNE_STANDARD,)),
    Metric.COMMUNES_ADVANCED: (COMMUNE_LEVELS_ADVANCED, (RecognitionLevel.COMMUNE_ADVANCED,)),
    Metric.COMMUNES_MODEL: ((RecognitionLevel.COMMUNE_MODEL,), (RecognitionLevel.COMMUNE_MODEL,)),
    # A model or smart village is an NTM village too; new NTM villages are the NTM decisions of the year.
    Metric.VILLAGES_NTM: (
        (RecognitionLevel.VILLAGE_NTM, RecognitionLevel.VILLAGE_MODEL, RecognitionLevel.VILLAGE_SMART),
        (RecognitionLevel.VILLAGE_NTM,),
    ),
    Metric.VILLAGES_MODEL: ((RecognitionLevel.VILLAGE_MODEL,), (RecognitionLevel.VILLAGE_MODEL,)),
    Metric.DISTRICTS_STANDARD: (
        (
            RecognitionLevel.DISTRICT_STANDARD,
            RecognitionLevel.DISTRICT_TASK_COMPLETED,
            RecognitionLevel.DISTRICT_ADVANCED,
            RecognitionLevel.DISTRICT_MODEL,
        ),
        (RecognitionLevel.DISTRICT_STANDARD, RecognitionLevel.DISTRICT_TASK_COMPLETED),
    ),
}
_RECOGNISED_UNIT_LEVEL = {
    Metric.COMMUNES_STANDARD: Level.COMMUNE,
    Metric.COMMUNES_ADVANCED: Level.COMMUNE,
    Metric.COMMUNES_MODEL: Level.COMMUNE,
    Metric.VILLAGES_NTM: Level.VILLAGE,
    Metric.VILLAGES_MODEL: Level.VILLAGE,
    Metric.DISTRICTS_STANDARD: Level.DISTRICT,
}


def percent(part: Decimal | int | float | None, whole: Decimal | int | float | None) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal (half up); None when either is missing or whole is 0."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def one_decimal(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


# The area of a year


@dataclass(frozen=True)
class AreaYear:
    """An area (province or district version) as it was on 31/12 of a year: the versions in force then."""

    area: Unit
    year: int
    field: str  # "province" or "district": the ancestor column of the units inside the area
    versions: tuple[int, ...]

    @property
    def year_end(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    def inside_q(self, prefix: str = "") -> Q:
        """Units (reached through ``prefix``) whose province or district is one of the versions."""
        return Q(**{f"{prefix}{self.field}_id__in": self.versions})

    def inside_or_self_q(self, prefix: str = "") -> Q:
        """The versions themselves and every unit inside them."""
        return self.inside_q(prefix) | Q(**{f"{prefix}id__in": self.versions})


def area_year(*, area: Unit, year: int) -> AreaYear:
    """The area's versions in force on 31/12 of ``year`` (no query when ``area`` is in force then)."""
    if area.level not in (Level.PROVINCE, Level.DISTRICT):
        raise ValueError(f"Dashboards are computed for a province or a district, not for a {area.level} ({area}).")
    versions = area_versions_on(area=area, date=datetime.date(year, 12, 31))
    return AreaYear(area=area, year=year, field=str(area.level), versions=tuple(versions))


def _with_predecessors(unit_ids: Iterable[int], level: str) -> list[int]:
    """The units and every unit of ``level`` that went into them: one query per reorganisation step back."""
    found = set(unit_ids)
    frontier = list(found)
    for _step in range(MAX_REORGANISATION_DEPTH):
        if not frontier:
            break
        rows = (
            Unit.objects.filter(
                level=level,
                changes__role="predecessor",
                changes__event__links__unit__in=frontier,
                changes__event__links__role="successor",
            )
            .values_list("pk", flat=True)
            .distinct()
            .order_by()
        )
        frontier = [pk for pk in rows if pk not in found]
        found.update(frontier)
    return sorted(found)


def _standard_assessments(scope: AreaYear):
    """The year's assessments of the area's communes against the standard commune set."""
    return Assessment.objects.filter(
        scope.inside_q("unit__"), year=scope.year, criteria_set__level=COMMUNE_SET_LEVEL
    ).order_by()


# 1. Actuals of the metrics and progress against the targets


def metric_actual(
    *,
    metric: str,
    area: Unit,
    year: int,
    basis: str,
    parameter: int | None = None,
    first_year: int | None = None,
) -> Decimal | None:
    """The actual of ``metric`` for ``area`` in ``year`` on ``basis`` (Basis.NEW_IN_YEAR or CUMULATIVE).

    ``first_year`` widens a flow to the years first_year..year (a programme-period target). Levels
    (average criteria, communes under N, entered figures) are the same on both bases. None when the
    figure is unknown (nothing assessed, no entered figure). One or two queries.
    """
    spec = ActualSpec(metric=metric, basis=basis, parameter=parameter, first_year=first_year)
    return metric_actuals(scope=area_year(area=area, year=year), specs=[spec])[spec]


@dataclass(frozen=True)
class ActualSpec:
    """Which actual to compute: a metric on a basis (with N for "communes under N", and the first year
    of a flow over a programme period)."""

    metric: str
    basis: str
    parameter: int | None = None
    first_year: int | None = None


def metric_actuals(*, scope: AreaYear, specs: Iterable[ActualSpec]) -> dict[ActualSpec, Decimal | None]:
    """Several actuals of one area and year at once: one query per family of metrics (recognitions,
    assessments, OCOP events, OCOP products, entered figures) whatever the number of specs."""
    specs = list(dict.fromkeys(specs))
    for spec in specs:
        if spec.basis not in Basis.values:
            raise ValueError(f"Unknown basis {spec.basis!r}; expected one of {', '.join(Basis.values)}.")
        if spec.metric not in Metric.values:
            raise ValueError(f"Unknown metric {spec.metric!r}.")
    results: dict[ActualSpec, Decimal | None] = {}
    results |= _recognition_actuals(scope, [s for s in specs if s.metric in RECOGNITION_METRICS])
    results |= _assessment_actuals(
        scope, [s for s in specs if s.metric in (Metric.AVERAGE_CRITERIA, Metric.COMMUNES_UNDER)]
    )
    results |= _ocop_actuals(scope, [s for s in specs if s.metric in (Metric.OCOP_NEW, Metric.OCOP_FIVE_STAR)])
    results |= _entered_actuals(scope, [s for s in specs if s.metric in ENTERED_METRICS])
    return results


def _recognition_actuals(scope: AreaYear, specs: list[ActualSpec]) -> dict[ActualSpec, Decimal | None]:
    """Distinct units recognised, one conditional count per spec in one query."""
    if not specs:
        return {}
    year_end = scope.year_end
    in_force = (
        Q(decision_date__lte=year_end)
        & (Q(revocation__isnull=True) | Q(revocation__effective_date__gt=year_end))
        & valid_on_q(year_end, "unit__")
    )
    not_revoked = Q(revocation__isnull=True) | Q(revocation__effective_date__gt=year_end)
    counts = {}
    for n, spec in enumerate(specs):
        cumulative_levels, flow_levels = RECOGNITION_METRICS[spec.metric]
        unit_level = _RECOGNISED_UNIT_LEVEL[spec.metric]
        if unit_level == Level.DISTRICT and scope.field == Level.DISTRICT:
            inside = Q(unit_id__in=scope.versions)
        else:
            inside = scope.inside_q("unit__")
        inside &= Q(unit__level=unit_level)
        if spec.basis == Basis.CUMULATIVE:
            condition = inside & Q(level__in=cumulative_levels) & in_force
        else:
            first = spec.first_year if spec.first_year is not None else scope.year
            condition = (
                inside
                & Q(level__in=flow_levels, kind=Recognition.Kind.RECOGNITION)
                & Q(standard_year__gte=first, standard_year__lte=scope.year)
                & not_revoked
            )
        counts[f"n{n}"] = Count("unit", distinct=True, filter=condition)
    row = Recognition.objects.filter(scope.inside_or_self_q("unit__")).order_by().aggregate(**counts)
    return {spec: Decimal(row[f"n{n}"]) for n, spec in enumerate(specs)}


def _assessment_actuals(scope: AreaYear, specs: list[ActualSpec]) -> dict[ActualSpec, Decimal | None]:
    """Average criteria met and communes under N from the stored standing: one query."""
    if not specs:
        return {}
    under = {s.parameter if s.parameter is not None else DEFAULT_UNDER_CRITERIA for s in specs}
    row = _standard_assessments(scope).aggregate(
        assessed=Count("pk"),
        average=Avg("met_count"),
        **{f"under_{n}": Count("pk", filter=Q(met_count__lt=n)) for n in under},
    )
    results: dict[ActualSpec, Decimal | None] = {}
    for spec in specs:
        if spec.metric == Metric.AVERAGE_CRITERIA:
            results[spec] = one_decimal(row["average"])
        else:  # nothing assessed: unknown, not zero
            n = spec.parameter if spec.parameter is not None else DEFAULT_UNDER_CRITERIA
            results[spec] = Decimal(row[f"under_{n}"]) if row["assessed"] else None
    return results


def _ocop_actuals(scope: AreaYear, specs: list[ActualSpec]) -> dict[ActualSpec, Decimal | None]:
    """New 3-star-and-up products and 5-star products: one query over rating events, one over products
    when the 5-star total is asked, after the area's earlier versions (one query per step back)."""
    if not specs:
        return {}
    area_ids = _with_predecessors(scope.versions, scope.field)
    inside = f"producer__commune__{scope.field}_id__in"
    year_end = scope.year_end
    results: dict[ActualSpec, Decimal | None] = {}
    counts = {}
    for n, spec in enumerate(specs):
        if spec.metric == Metric.OCOP_FIVE_STAR and spec.basis == Basis.CUMULATIVE:
            continue
        if spec.metric == Metric.OCOP_NEW:
            condition = Q(kind=RatingEvent.Kind.NEW, stars__gte=3)
        else:  # products reaching 5 stars: a new 5-star product or an upgrade to 5 stars
            condition = Q(kind__in=[RatingEvent.Kind.NEW, RatingEvent.Kind.UPGRADE], stars=5)
        condition &= Q(decision_date__lte=year_end)
        if spec.basis == Basis.NEW_IN_YEAR:
            first = spec.first_year if spec.first_year is not None else scope.year
            condition &= Q(decision_date__gte=datetime.date(first, 1, 1))
        counts[f"n{n}"] = Count("product", distinct=True, filter=condition)
    if counts:
        events = RatingEvent.objects.recognitions().filter(**{f"product__{inside}": area_ids}).order_by()
        row = events.aggregate(**counts)
        results |= {spec: Decimal(row[f"n{n}"]) for n, spec in enumerate(specs) if f"n{n}" in counts}
    five_star_totals = [s for s in specs if s.metric == Metric.OCOP_FIVE_STAR and s.basis == Basis.CUMULATIVE]
    if five_star_totals:
        # Products whose certificate in force on 31/12 is a 5-star one.
        products = Product.objects.filter(**{inside: area_ids}).order_by()
        total = products.with_current_status(on=year_end).filter(current_stars=5).count()
        results |= dict.fromkeys(five_star_totals, Decimal(total))
    return results


def _entered_actuals(scope: AreaYear, specs: list[ActualSpec]) -> dict[ActualSpec, Decimal | None]:
    """The area's own entered figure; for a year before today's province existed, the figure of its
    one version of that year (figures of two merged provinces cannot be added up). One query."""
    if not specs:
        return {}
    rows = {
        (unit_id, metric): value
        for unit_id, metric, value in SocioEconomicFigure.objects.filter(
            unit_id__in={scope.area.pk, *scope.versions}, year=scope.year, metric__in=[s.metric for s in specs]
        ).values_list("unit_id", "metric", "value")
    }
    results: dict[ActualSpec, Decimal | None] = {}
    for spec in specs:
        value = rows.get((scope.area.pk, spec.metric))
        if value is None and len(scope.versions) == 1:
            value = rows.get((scope.versions[0], spec.metric))
        results[spec] = value
    return results


def percent_of_plan(*, metric: str, target_value: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """actual / target in %, one decimal; target / actual for a metric where lower is better (poverty
    rate, communes under N). None when it cannot be computed (no actual, or a zero divisor)."""
    if actual is None or target_value is None:
        return None
    if metric in LOWER_IS_BETTER:
        return percent(target_value, actual)
    return percent(actual, target_value)


@dataclass(frozen=True)
class ProgressRow:
    """A target with its actual on the target's own basis, % of plan and the change from last year."""

    target: Target
    metric: str
    label: str
    basis: str
    target_value: Decimal
    actual: Decimal | None
    percent_of_plan: Decimal | None
    previous_actual: Decimal | None
    change: Decimal | None

    @property
    def lower_is_better(self) -> bool:
        return self.metric in LOWER_IS_BETTER


def metric_label(*, metric: str, parameter: int | None = None) -> str:
    if metric == Metric.COMMUNES_UNDER:
        n = parameter if parameter is not None else DEFAULT_UNDER_CRITERIA
        return gettext("Communes under %(n)s criteria") % {"n": n}
    return str(Metric(metric).label)


def target_progress(*, area: Unit, year: int) -> list[ProgressRow]:
    """The targets of ``area`` for ``year`` (scope year) and its programme-period targets covering
    ``year``, each with its actual, % of plan and last year's actual.

    History stays on the units of its time: today's province asked about a year before it was formed
    also gives the targets of the provinces it was formed from, each with the actual of that
    province, labelled with its name (one set of queries per such version).
    """
    on = datetime.date(year, 12, 31)
    rows = _target_progress(area=area, year=year)
    if area.is_valid_on(on):
        return rows
    for version in Unit.objects.filter(pk__in=area_versions_on(area=area, date=on)).order_by("code"):
        for row in _target_progress(area=version, year=year):
            rows.append(dataclasses.replace(row, label=f"{row.label} ({version.name})"))
    return rows


def _target_progress(*, area: Unit, year: int) -> list[ProgressRow]:
    """target_progress for a version in force in ``year``.

    A flow target of a period compares with the new units of period_start..year; a cumulative target
    with the total on 31/12 of ``year``. Targets are those set for ``area`` itself (the version passed).
    One query for the targets, then per year (this one and the last) one query per family of metrics
    (metric_actuals) plus the area's versions: never one per target or per commune.
    """
    targets = list(
        Target.objects.filter(unit=area)
        .filter(
            Q(scope=Target.Scope.YEAR, year=year) | Q(scope=Target.Scope.PERIOD, year__gte=year, period_start__lte=year)
        )
        .select_related("unit")
        .order_by("scope", "metric", "basis", "parameter", "pk")
    )
    # Every actual asked (this year's and last year's), then one batch per year.
    wanted: dict[int, set[ActualSpec]] = {year: set(), year - 1: set()}
    keys = []
    for target in targets:
        first = target.period_start if target.scope == Target.Scope.PERIOD else None
        spec = ActualSpec(metric=target.metric, basis=target.basis, parameter=target.parameter, first_year=first)
        wanted[year].add(spec)
        # A period target has no "last year" before its first year.
        has_previous = first is None or first <= year - 1
        if has_previous:
            wanted[year - 1].add(spec)
        keys.append((target, spec, has_previous))
    actuals = {
        y: metric_actuals(scope=area_year(area=area, year=y), specs=specs) if specs else {}
        for y, specs in wanted.items()
    }
    rows = []
    for target, spec, has_previous in keys:
        value = actuals[year][spec]
        previous = actuals[year - 1][spec] if has_previous else None
        rows.append(
            ProgressRow(
                target=target,
                metric=target.metric,
                label=metric_label(metric=target.metric, parameter=target.parameter),
                basis=target.basis,
                target_value=target.value,
                actual=value,
                percent_of_plan=percent_of_plan(metric=target.metric, target_value=target.value, actual=value),
                previous_actual=previous,
                change=value - previous if value is not None and previous is not None else None,
            )
        )
    return rows


# 2. Pass rate per criterion


@dataclass(frozen=True)
class CriterionPassRate:
    criterion: Criterion
    number: int
    name: str
    met: int
    assessed: int
    share: Decimal | None


def _bit_set(number: int) -> Q:
    """Assessments whose stored mask has criterion ``number`` met (bitwise AND: SQLite and PostgreSQL)."""
    return Q(GreaterThan(F("met_mask").bitand(Value(1 << (number - 1), output_field=IntegerField())), 0))


def criteria_pass_rates(*, area: Unit, year: int) -> list[CriterionPassRate]:
    """Per criterion of the set the year's assessments use: communes meeting it, communes assessed, share.

    Read from the stored masks (no criterion results are scanned): one query for the criteria, one
    grouped aggregate with a bit test per criterion.
    """
    assessments = _standard_assessments(area_year(area=area, year=year))
    criteria = list(
        Criterion.objects.filter(criteria_set__in=assessments.values("criteria_set"))
        .select_related("criteria_set")
        .order_by("criteria_set__period_start", "criteria_set_id", "number")
    )
    if not criteria:
        return []
    numbers = sorted({c.number for c in criteria})
    counts = {
        row["criteria_set_id"]: row
        for row in assessments.values("criteria_set_id").annotate(
            assessed=Count("pk"), **{f"met_{n}": Count("pk", filter=_bit_set(n)) for n in numbers}
        )
    }
    rows = []
    for criterion in criteria:
        row = counts.get(criterion.criteria_set_id, {})
        met, assessed = row.get(f"met_{criterion.number}", 0), row.get("assessed", 0)
        rows.append(
            CriterionPassRate(
                criterion=criterion,
                number=criterion.number,
                name=criterion.name_vi,
                met=met,
                assessed=assessed,
                share=percent(met, assessed),
            )
        )
    return rows


# 3. Districts side by side


@dataclass(frozen=True)
class DistrictRow:
    """One district of the year (or, after 2025, the province itself) with its communes' standing."""

    unit: Unit
    communes: int  # rural communes in force on 31/12: the denominator of that year
    assessed: int
    all_met: int  # completed every criterion (not the same as recognised)
    recognised_standard: int  # recognised at standard or above, in force on 31/12
    advanced: int
    average_met: Decimal | None
    bands: dict[str, int]

    @property
    def recognised_share(self) -> Decimal | None:
        return percent(self.recognised_standard, self.communes)


def _recognition_exists(levels: tuple[str, ...], date: datetime.date) -> Exists:
    return Exists(Recognition.objects.in_force_on(date).for_level(*levels).filter(unit=OuterRef("pk")))


def districts_side_by_side(*, area: Unit, year: int) -> list[DistrictRow]:
    """Per district of ``area`` in ``year`` (a district: itself; a province without districts that year,
    i.e. after 1 July 2025: the province as one row). Three queries after the area's versions: the
    districts, the communes grouped by district, the assessments grouped by district."""
    scope = area_year(area=area, year=year)
    year_end = scope.year_end
    key = "district"
    if scope.field == Level.PROVINCE:
        units = list(Unit.objects.districts().as_of(year_end).filter(province_id__in=scope.versions).order_by("code"))
        if not units:
            key = "province"
            units = list(Unit.objects.filter(pk__in=scope.versions).order_by("code"))
    else:
        units = list(Unit.objects.filter(pk__in=scope.versions).order_by("code"))
    ids = [unit.pk for unit in units]
    communes = {
        row[f"{key}_id"]: row
        for row in Unit.objects.rural()
        .as_of(year_end)
        .filter(**{f"{key}_id__in": ids})
        .order_by()
        .values(f"{key}_id")
        .annotate(
            communes=Count("pk"),
            standard=Count("pk", filter=Q(_recognition_exists(COMMUNE_LEVELS_AT_STANDARD, year_end))),
            advanced=Count("pk", filter=Q(_recognition_exists(COMMUNE_LEVELS_ADVANCED, year_end))),
        )
    }
    standing = {
        row[f"unit__{key}_id"]: row
        for row in Assessment.objects.filter(
            year=year, criteria_set__level=COMMUNE_SET_LEVEL, **{f"unit__{key}_id__in": ids}
        )
        .order_by()
        .values(f"unit__{key}_id")
        .annotate(
            assessed=Count("pk"),
            all_met=Count("pk", filter=band_q(Band.ALL)),
            average_met=Avg("met_count"),
            **{f"band_{band.value}": Count("pk", filter=band_q(band)) for band in Band},
        )
    }
    rows = []
    for unit in units:
        c, s = communes.get(unit.pk, {}), standing.get(unit.pk, {})
        rows.append(
            DistrictRow(
                unit=unit,
                communes=c.get("communes", 0),
                assessed=s.get("assessed", 0),
                all_met=s.get("all_met", 0),
                recognised_standard=c.get("standard", 0),
                advanced=c.get("advanced", 0),
                average_met=one_decimal(s.get("average_met")),
                bands={band.value: s.get(f"band_{band.value}", 0) for band in Band},
            )
        )
    return rows


# 4. The trend over the years


@dataclass(frozen=True)
class TrendPoint:
    """The standing of the area in one year, with both denominators (domain.md §7)."""

    year: int
    communes_that_year: int  # rural communes of the area as it was on 31/12 of the year
    communes_today: int  # rural communes in force today in what the area became
    assessed: int
    all_met: int
    recognised_standard: int  # communes of that year holding a recognition in force on 31/12
    average_met: Decimal | None

    @property
    def share_that_year(self) -> Decimal | None:
        return percent(self.recognised_standard, self.communes_that_year)

    @property
    def share_today(self) -> Decimal | None:
        return percent(self.recognised_standard, self.communes_today)

    @property
    def completed_share_that_year(self) -> Decimal | None:
        return percent(self.all_met, self.communes_that_year)


def _lineage(area: Unit) -> tuple[list[tuple], list[tuple]]:
    """(pk, valid_from, valid_to) of the versions of the area's level it came from (walking back) and it
    became (walking forward): one query per reorganisation step, done once for every year of a trend."""

    def walk(forward: bool) -> list[tuple]:
        found: list[tuple] = []
        frontier, seen = [area.pk], {area.pk}
        for _step in range(MAX_REORGANISATION_DEPTH):
            if not frontier:
                break
            role_from, role_to = ("predecessor", "successor") if forward else ("successor", "predecessor")
            rows = (
                Unit.objects.filter(
                    level=area.level,
                    changes__role=role_to,
                    changes__event__links__unit__in=frontier,
                    changes__event__links__role=role_from,
                )
                .values_list("pk", "valid_from", "valid_to")
                .distinct()
                .order_by()
            )
            frontier = []
            for row in rows:
                if row[0] not in seen:
                    seen.add(row[0])
                    found.append(row)
                    frontier.append(row[0])
        return found

    back = walk(forward=False) if area.valid_from is not None else []
    ahead = walk(forward=True) if area.valid_to is not None else []
    return back, ahead


def _versions_from_lineage(area: Unit, lineage: tuple[list[tuple], list[tuple]], date: datetime.date) -> list[int]:
    """What area_versions_on answers, read from a lineage already walked (no query)."""
    if area.is_valid_on(date):
        return [area.pk]
    back, ahead = lineage
    rows = ahead if area.valid_to is not None and area.valid_to < date else back
    return sorted(
        pk
        for pk, valid_from, valid_to in rows
        if (valid_from is None or valid_from <= date) and (valid_to is None or date <= valid_to)
    )


def _today_q(area: Unit, lineage: tuple[list[tuple], list[tuple]], today: datetime.date) -> Q:
    """Communes in force today in what the area became (for an abolished district: what its communes became)."""
    today_versions = _versions_from_lineage(area, lineage, today)
    if today_versions:
        return Q(**{f"{area.level}_id__in": today_versions})
    then = list(Unit.objects.rural().filter(**{f"{area.level}_id": area.pk}).values_list("pk", flat=True))
    return Q(pk__in=versions_walk(then, today, forward=True, level=Level.COMMUNE))


def standing_trend(*, area: Unit, years: Iterable[int]) -> list[TrendPoint]:
    """Per year: both denominators, assessed, completed all criteria, recognised at standard (in force on
    31/12) and the average criteria met. The area's lineage is walked once (one query per
    reorganisation step), then two queries whatever the number of years and communes: one over units
    (a conditional count per year) and one over assessments grouped by year."""
    years = list(years)
    if not years:
        return []
    if area.level not in (Level.PROVINCE, Level.DISTRICT):
        raise ValueError(f"A trend is computed for a province or a district, not for a {area.level} ({area}).")
    lineage = _lineage(area)
    today = timezone.localdate()
    column = f"{area.level}_id__in"
    versions = {year: _versions_from_lineage(area, lineage, datetime.date(year, 12, 31)) for year in years}
    counts: dict[str, Count] = {
        "today": Count("pk", filter=valid_on_q(today) & _today_q(area, lineage, today)),
    }
    for year in years:
        year_end = datetime.date(year, 12, 31)
        inside = valid_on_q(year_end) & Q(**{column: versions[year]})
        counts[f"n_{year}"] = Count("pk", filter=inside)
        counts[f"r_{year}"] = Count("pk", filter=inside & Q(_recognition_exists(COMMUNE_LEVELS_AT_STANDARD, year_end)))
    units = Unit.objects.rural().order_by().aggregate(**counts)
    assessed_q = Q(pk__in=[])
    for year in years:
        assessed_q |= Q(year=year, **{f"unit__{column}": versions[year]})
    standing = {
        row["year"]: row
        for row in Assessment.objects.filter(assessed_q, criteria_set__level=COMMUNE_SET_LEVEL)
        .order_by()
        .values("year")
        .annotate(assessed=Count("pk"), all_met=Count("pk", filter=band_q(Band.ALL)), average_met=Avg("met_count"))
    }
    return [
        TrendPoint(
            year=year,
            communes_that_year=units[f"n_{year}"],
            communes_today=units["today"],
            assessed=standing.get(year, {}).get("assessed", 0),
            all_met=standing.get(year, {}).get("all_met", 0),
            recognised_standard=units[f"r_{year}"],
            average_met=one_decimal(standing.get(year, {}).get("average_met")),
        )
        for year in years
    ]


# 5. Communes nearest to standard


@dataclass(frozen=True)
class NearRow:
    commune: Unit
    assessment: Assessment
    met: int
    criteria_total: int
    missing: list[tuple[int, str]]  # (number, name) of each criterion not met
    recognised: bool  # already holds a commune recognition in force on 31/12 (e.g. under an earlier set)


def communes_nearest_standard(*, area: Unit, year: int, max_missing: int = 2) -> list[NearRow]:
    """Communes assessed in ``year`` missing between 1 and ``max_missing`` criteria, fewest missing first,
    with the criteria they miss read from the stored mask. Two queries after the area's versions."""
    scope = area_year(area=area, year=year)
    assessments = list(
        _standard_assessments(scope)
        .annotate(
            missing_count=F("criteria_total") - F("met_count"),
            recognised=Exists(
                Recognition.objects.in_force_on(scope.year_end)
                .for_level(*COMMUNE_LEVELS_AT_STANDARD)
                .filter(unit=OuterRef("unit"))
            ),
        )
        .filter(criteria_total__gt=0, missing_count__gte=1, missing_count__lte=max_missing)
        .select_related("unit", "unit__district")
        .order_by("missing_count", "unit__code", "pk")
    )
    names = _criterion_names({a.criteria_set_id for a in assessments})
    return [
        NearRow(
            commune=a.unit,
            assessment=a,
            met=a.met_count,
            criteria_total=a.criteria_total,
            missing=[(n, names.get((a.criteria_set_id, n), "")) for n in a.unmet_numbers()],
            recognised=a.recognised,
        )
        for a in assessments
    ]


def _criterion_names(set_ids: set[int]) -> dict[tuple[int, int], str]:
    """{(criteria set id, number): Vietnamese name}: one query (none for no set)."""
    if not set_ids:
        return {}
    rows = Criterion.objects.filter(criteria_set_id__in=set_ids).values_list("criteria_set_id", "number", "name_vi")
    return {(set_id, number): name for set_id, number, name in rows}


# 6. Funding and disbursement


@dataclass(frozen=True)
class FundingRow:
    source: str
    label: str
    amount_vnd: Decimal
    share: Decimal | None  # of the total excluding credit; None for credit


@dataclass(frozen=True)
class InKindTotal:
    land_m2: Decimal | None
    workdays: Decimal | None
    notes: list[tuple[Unit, str]]  # (unit, description) of the contributions described in words


@dataclass(frozen=True)
class FundingSummary:
    """Money mobilised by source (Biểu 01): shares of the total excluding credit, credit apart, in kind noted."""

    year: int
    rows: list[FundingRow]
    total_vnd: Decimal  # excluding credit
    credit_vnd: Decimal
    in_kind: InKindTotal


def funding_summary(*, area: Unit, year: int) -> FundingSummary:
    """Funding of every unit of the area that year (the area's versions, their districts and communes),
    by source, in VND. Three queries after the area's versions: sums by source, in-kind sums, in-kind notes."""
    scope = area_year(area=area, year=year)
    inside = scope.inside_or_self_q("unit__")
    sums = dict(
        Funding.objects.filter(inside, year=year)
        .order_by()
        .values("source")
        .annotate(amount=Sum("amount_vnd"))
        .values_list("source", "amount")
    )
    credit = sums.pop(FundingSource.CREDIT, None) or Decimal(0)
    total = sum(sums.values(), Decimal(0))
    rows = [
        FundingRow(source=source, label=str(label), amount_vnd=sums[source], share=percent(sums[source], total))
        for source, label in FundingSource.choices
        if source in sums
    ]
    if credit:
        rows.append(
            FundingRow(
                source=FundingSource.CREDIT, label=str(FundingSource.CREDIT.label), amount_vnd=credit, share=None
            )
        )
    contributions = InKindContribution.objects.filter(inside, year=year).order_by()
    in_kind = contributions.aggregate(land=Sum("land_m2"), workdays=Sum("workdays"))
    notes = [
        (c.unit, c.description)
        for c in contributions.exclude(description="").select_related("unit").order_by("unit__code")
    ]
    return FundingSummary(
        year=year,
        rows=rows,
        total_vnd=total,
        credit_vnd=credit,
        in_kind=InKindTotal(land_m2=in_kind["land"], workdays=in_kind["workdays"], notes=notes),
    )


@dataclass(frozen=True)
class DisbursementRow:
    cutoff_date: datetime.date
    capital_type: str
    label: str
    allocated_vnd: Decimal
    disbursed_vnd: Decimal

    @property
    def rate(self) -> Decimal | None:
        return percent(self.disbursed_vnd, self.allocated_vnd)


@dataclass(frozen=True)
class DisbursementSummary:
    year: int
    latest: list[DisbursementRow]  # per capital type, at its latest cut-off
    cutoffs: list[DisbursementRow]  # every cut-off date and capital type, oldest first

    @property
    def latest_total(self) -> DisbursementRow | None:
        """Both capital types together when they share the latest cut-off date."""
        if not self.latest or len({row.cutoff_date for row in self.latest}) != 1:
            return None
        return DisbursementRow(
            cutoff_date=self.latest[0].cutoff_date,
            capital_type="",
            label=gettext("Total"),
            allocated_vnd=sum((row.allocated_vnd for row in self.latest), Decimal(0)),
            disbursed_vnd=sum((row.disbursed_vnd for row in self.latest), Decimal(0)),
        )


def disbursement_summary(*, area: Unit, year: int) -> DisbursementSummary:
    """Allocated and disbursed capital of the area's units that year, summed per cut-off date and capital
    type, and the latest cut-off per capital type. One query after the area's versions."""
    scope = area_year(area=area, year=year)
    labels = dict(Disbursement.CapitalType.choices)
    cutoffs = [
        DisbursementRow(
            cutoff_date=row["cutoff_date"],
            capital_type=row["capital_type"],
            label=str(labels.get(row["capital_type"], row["capital_type"])),
            allocated_vnd=row["allocated"],
            disbursed_vnd=row["disbursed"],
        )
        for row in Disbursement.objects.filter(scope.inside_or_self_q("unit__"), year=year)
        .order_by()
        .values("cutoff_date", "capital_type")
        .annotate(allocated=Sum("allocated_vnd"), disbursed=Sum("disbursed_vnd"))
        .order_by("cutoff_date", "capital_type")
    ]
    latest: dict[str, DisbursementRow] = {}
    for row in cutoffs:  # ordered by date: the last row of each type is its latest cut-off
        latest[row.capital_type] = row
    order = [value for value, _label in Disbursement.CapitalType.choices]
    return DisbursementSummary(year=year, latest=[latest[t] for t in order if t in latest], cutoffs=cutoffs)


# 7. A commune's profile


@dataclass(frozen=True)
class HistoryRow:
    """One year of a commune's criteria history (one row per version assessed that year)."""

    year: int
    unit: Unit
    assessment: Assessment
    met: int
    criteria_total: int
    band: str
    unmet: list[tuple[int, str]]


@dataclass(frozen=True)
class VillageRow:
    village: Unit
    recognitions: list[Recognition]


@dataclass
class CommuneProfile:
    commune: Unit
    versions: list[Unit]  # the commune and every commune version that went into it
    history: list[HistoryRow] = field(default_factory=list)
    recognitions: list[Recognition] = field(default_factory=list)
    villages: list[VillageRow] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)


def commune_profile(*, commune: Unit, years: Iterable[int]) -> CommuneProfile:
    """Criteria history over ``years``, recognitions timeline, villages and their recognitions, OCOP
    products of the commune's producers (status on 31/12 of the last year) and the funding it received.

    History stays on the versions of its time: the commune's predecessors (merged into it) are
    included. Queries: one per reorganisation step back, then eight, whatever the history's length.
    """
    if commune.level != Level.COMMUNE:
        raise ValueError(f"A commune profile needs a commune-level unit, not a {commune.level} ({commune}).")
    years = sorted(set(years))
    version_ids = _with_predecessors([commune.pk], Level.COMMUNE)
    versions = list(Unit.objects.filter(pk__in=version_ids).order_by("valid_from", "code"))
    profile = CommuneProfile(commune=commune, versions=versions)
    if not years:
        return profile
    first_day, last_day = datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31)

    assessments = list(
        Assessment.objects.filter(unit_id__in=version_ids, year__in=years)
        .select_related("unit", "criteria_set")
        .order_by("year", "unit__code")
    )
    names = _criterion_names({a.criteria_set_id for a in assessments})
    profile.history = [
        HistoryRow(
            year=a.year,
            unit=a.unit,
            assessment=a,
            met=a.met_count,
            criteria_total=a.criteria_total,
            band=band_for(met_count=a.met_count, criteria_total=a.criteria_total).value,
            unmet=[(n, names.get((a.criteria_set_id, n), "")) for n in a.unmet_numbers()],
        )
        for a in assessments
    ]
    profile.recognitions = list(
        Recognition.objects.filter(unit_id__in=version_ids)
        .select_related("unit", "revocation", "criteria_set")
        .order_by("decision_date", "pk")
    )
    villages = (
        Unit.objects.villages()
        .filter(parent_id__in=version_ids)
        .overlapping(first_day, last_day)
        .prefetch_related(
            Prefetch(
                "recognitions",
                queryset=Recognition.objects.select_related("revocation").order_by("decision_date", "pk"),
            )
        )
        .order_by("code", "valid_from")
    )
    profile.villages = [VillageRow(village=v, recognitions=list(v.recognitions.all())) for v in villages]
    profile.products = list(
        Product.objects.filter(producer__commune_id__in=version_ids)
        .with_current_status(on=min(last_day, timezone.localdate()))
        .select_related("producer", "group")
        .order_by("name", "pk")
    )
    profile.funding = list(
        Funding.objects.filter(unit_id__in=version_ids, year__in=years)
        .select_related("unit")
        .order_by("year", "source")
    )
    return profile

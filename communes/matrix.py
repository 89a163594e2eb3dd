"""The communes × criteria matrix of a district or province for one year (reads).

A fixed number of queries whatever the number of communes: the communes, their assessments (filtered
by AssessmentFilterSet), the criterion results of those assessments, two aggregates and the criteria.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from communes.bands import Band, band_for, band_q
from communes.filters import AssessmentFilterSet
from communes.models import Assessment, CriteriaSet, Criterion, CriterionResult, CriterionStatus, Level, Unit
from communes.selectors import area_versions_on
from communes.services.assessments import criteria_set_in_force

NOT_ASSESSED = "not_assessed"


@dataclass
class MatrixCell:
    criterion: Criterion
    status: str  # a CriterionStatus value, or NOT_ASSESSED


@dataclass
class MatrixRow:
    unit: Unit
    assessment: Assessment | None
    cells: list[MatrixCell]
    band: Band | None
    can_create: bool = False  # set by the view: the user may create the missing assessment


@dataclass
class MatrixSection:
    """The communes of one district (or, after 2025, of the province directly)."""

    district: Unit | None
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class CriterionTotal:
    criterion: Criterion
    met: int
    substantially_met: int
    not_met: int


@dataclass
class Matrix:
    area: Unit
    year: int
    criteria_set: CriteriaSet | None
    criteria: list[Criterion]
    sections: list[MatrixSection]
    totals: list[CriterionTotal]
    band_counts: list[tuple[Band, int]]
    assessed: int
    communes: int
    filtered: bool
    filterset: AssessmentFilterSet

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for section in self.sections for row in section.rows]


def area_communes(*, area: Unit, year: int, user: AbstractBaseUser) -> list[Unit]:
    """Rural communes of a district or province that existed at some time in ``year``, in the user's area.

    History stays on the units of its time: today's province asked about 2024 shows the communes of
    the provinces it was formed from, as they were then (area_versions_on, one query per step)."""
    versions = area_versions_on(area=area, date=datetime.date(year, 12, 31))
    qs = Unit.objects.rural().overlapping(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    qs = qs.filter(district__in=versions) if area.level == Level.DISTRICT else qs.filter(province__in=versions)
    return list(qs.for_user(user).select_related("district").order_by("district__code", "code", "valid_from"))


def commune_matrix(
    *, area: Unit, year: int, user: AbstractBaseUser, filters: Mapping[str, str] | None = None
) -> Matrix:
    """The matrix of the rural communes of ``area`` (a district or province version) for ``year``.

    ``filters`` (band, unmet_criterion, status) narrow the rows to communes whose assessment matches;
    without them every commune is listed, those not assessed included.
    """
    communes = area_communes(area=area, year=year, user=user)
    params = {k: v for k, v in (filters or {}).items() if k in ("band", "unmet_criterion", "status") and v}
    base = Assessment.objects.for_user(user).filter(year=year, unit__in=[c.pk for c in communes])
    filterset = AssessmentFilterSet(params, queryset=base)
    filtered = bool(params) and filterset.is_valid()
    assessments_qs = filterset.qs if filterset.is_valid() else base
    assessments = {a.unit_id: a for a in assessments_qs.select_related("criteria_set").order_by()}

    criteria_set = _matrix_criteria_set(assessments=list(assessments.values()), communes=communes, year=year)
    criteria = list(Criterion.objects.filter(criteria_set=criteria_set).order_by("number")) if criteria_set else []

    statuses: dict[tuple[int, int], str] = {}
    totals: list[CriterionTotal] = []
    if assessments:
        results = CriterionResult.objects.filter(assessment_id__in=list(a.pk for a in assessments.values()))
        for assessment_id, number, status in results.values_list("assessment_id", "criterion__number", "status"):
            statuses[(assessment_id, number)] = status or NOT_ASSESSED
        per_criterion = {
            row["criterion__number"]: row
            for row in results.order_by()
            .values("criterion__number")
            .annotate(
                met=Count("pk", filter=Q(status=CriterionStatus.MET)),
                substantially_met=Count("pk", filter=Q(status=CriterionStatus.SUBSTANTIALLY_MET)),
                not_met=Count("pk", filter=Q(status=CriterionStatus.NOT_MET)),
            )
        }
        totals = [
            CriterionTotal(
                criterion=c,
                met=per_criterion.get(c.number, {}).get("met", 0),
                substantially_met=per_criterion.get(c.number, {}).get("substantially_met", 0),
                not_met=per_criterion.get(c.number, {}).get("not_met", 0),
            )
            for c in criteria
        ]
    else:
        totals = [CriterionTotal(criterion=c, met=0, substantially_met=0, not_met=0) for c in criteria]
    # Bands of every assessment of the area, filtered or not: the summary above the filters.
    counts = base.order_by().aggregate(**{band.value: Count("pk", filter=band_q(band)) for band in Band})
    band_counts = [(band, counts[band.value] or 0) for band in Band]

    sections: list[MatrixSection] = []
    for commune in communes:
        assessment = assessments.get(commune.pk)
        if filtered and assessment is None:
            continue
        cells = [
            MatrixCell(
                criterion=c,
                status=statuses.get((assessment.pk, c.number), NOT_ASSESSED) if assessment else NOT_ASSESSED,
            )
            for c in criteria
        ]
        band = (
            band_for(met_count=assessment.met_count, criteria_total=assessment.criteria_total) if assessment else None
        )
        if not sections or sections[-1].district != commune.district:
            sections.append(MatrixSection(district=commune.district))
        sections[-1].rows.append(MatrixRow(unit=commune, assessment=assessment, cells=cells, band=band))

    return Matrix(
        area=area,
        year=year,
        criteria_set=criteria_set,
        criteria=criteria,
        sections=sections,
        totals=totals,
        band_counts=band_counts,
        assessed=len(assessments),
        communes=len(communes),
        filtered=filtered,
        filterset=filterset,
    )


def _matrix_criteria_set(*, assessments: list[Assessment], communes: list[Unit], year: int) -> CriteriaSet | None:
    """The set the assessments use, else the set in force for the communes that year (None if none)."""
    if assessments:
        # One year, one kind of unit: one set in practice; take the earliest id should there be more.
        return min((a.criteria_set for a in assessments), key=lambda criteria_set: criteria_set.pk)
    if not communes:
        return None
    try:
        return criteria_set_in_force(unit=communes[0], year=year)
    except ValidationError:
        return None

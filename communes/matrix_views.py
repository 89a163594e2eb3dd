"""Matrix pages: the communes × criteria matrix of a district or a province for one year, and the list of
areas the user can open one for."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.access import user_can
from communes.bands import Band
from communes.matrix import NOT_ASSESSED, commune_matrix
from communes.models import Assessment, CriterionStatus, Level, Unit

FIRST_YEAR, LAST_YEAR = 2010, 2100


def _year(request: HttpRequest) -> int:
    """``?year=``, or the current year when it is missing or not a plausible year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if FIRST_YEAR <= year <= LAST_YEAR else timezone.localdate().year


def _matrix_page(request: HttpRequest, area: Unit) -> HttpResponse:
    year = _year(request)
    matrix = commune_matrix(area=area, year=year, user=request.user, filters=request.GET)
    for row in matrix.rows:
        row.can_create = row.assessment is None and user_can(request.user, "enter", row.unit)
    context = {
        "area": area,
        "year": year,
        "matrix": matrix,
        "bands": Band.choices,
        "selected_band": request.GET.get("band", ""),
        "selected_unmet": request.GET.get("unmet_criterion", ""),
        "legend": [*CriterionStatus.choices, (NOT_ASSESSED, _("Not assessed"))],
        "columns": len(matrix.criteria) + 4,
        "by_district": area.level == Level.PROVINCE,
    }
    return render(request, "communes/matrix.html", context)


@login_required
def district_matrix(request: HttpRequest, pk: int) -> HttpResponse:
    """Communes × criteria of one district version for ``?year=``."""
    district = get_object_or_404(Unit.objects.districts().for_user(request.user).select_related("province"), pk=pk)
    return _matrix_page(request, district)


@login_required
def province_matrix(request: HttpRequest, pk: int) -> HttpResponse:
    """Communes × criteria of one province version for ``?year=``, grouped by district (none after 2025)."""
    province = get_object_or_404(Unit.objects.provinces().for_user(request.user), pk=pk)
    return _matrix_page(request, province)


@login_required
def matrix_index(request: HttpRequest) -> HttpResponse:
    """The provinces, districts and communes in the user's area, with links to their matrices and assessments."""
    year = _year(request)
    provinces = list(Unit.objects.provinces().for_user(request.user).order_by("code", "valid_from"))
    districts = list(
        Unit.objects.districts()
        .for_user(request.user)
        .exclude(province__in=[p.pk for p in provinces])
        .select_related("province")
        .order_by("code", "valid_from")
    )
    # Communes outside the listed provinces and districts: commune staff's own, and what a district
    # official's communes became after districts were abolished.
    communes = list(
        Unit.objects.communes()
        .for_user(request.user)
        .exclude(province__in=[p.pk for p in provinces])
        .exclude(district__in=[d.pk for d in districts])
        .select_related("province")
        .order_by("code", "valid_from")
    )
    assessments = {a.unit_id: a for a in Assessment.objects.for_user(request.user).filter(year=year, unit__in=communes)}
    for commune in communes:
        commune.year_assessment = assessments.get(commune.pk)
        commune.can_create = commune.year_assessment is None and user_can(request.user, "enter", commune)
    context = {"year": year, "provinces": provinces, "districts": districts, "communes": communes}
    return render(request, "communes/matrix_index.html", context)

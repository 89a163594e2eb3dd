"""Reports API: targets, entered figures, funding and disbursements (CRUD within the area), and the
progress of an area in a year (/api/v1/progress/), computed by the dashboards' own selectors.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from communes.access import area_q, user_officer
from communes.filters import MAX_ID
from communes.models import ApiToken, Level, Unit
from communes.selectors import standing_summary
from ntm_portal.api.viewsets import ScopedModelViewSet
from reports.filters import DisbursementFilterSet, FundingFilterSet, SocioEconomicFigureFilterSet, TargetFilterSet
from reports.models import Disbursement, Funding, SocioEconomicFigure, Target
from reports.selectors import criteria_pass_rates, disbursement_summary, funding_summary, target_progress
from reports.serializers import (
    DisbursementSerializer,
    FundingSerializer,
    ProgressSerializer,
    SocioEconomicFigureSerializer,
    TargetSerializer,
)

FIRST_YEAR, LAST_YEAR = 2010, 2100


class UnitRowViewSet(ScopedModelViewSet):
    """Rows keyed by a unit and a year, scoped by the unit (area_q on "unit__")."""

    unit_field = "unit"

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(area_q(self.request.user, "unit__"))


class TargetViewSet(UnitRowViewSet):
    """Targets of provinces and districts in your area: a metric's planned value for a year or a
    programme period. Their actuals are on /api/v1/progress/."""

    queryset = Target.objects.select_related("unit").order_by("-year", "unit__code", "metric", "pk")
    serializer_class = TargetSerializer
    filterset_class = TargetFilterSet
    ordering_fields = ["year", "metric", "unit__code"]


class SocioEconomicFigureViewSet(UnitRowViewSet):
    """Figures the portal cannot derive (rural income, poverty rate, coverage), per unit and year."""

    queryset = SocioEconomicFigure.objects.select_related("unit").order_by("-year", "unit__code", "metric", "pk")
    serializer_class = SocioEconomicFigureSerializer
    filterset_class = SocioEconomicFigureFilterSet
    ordering_fields = ["year", "metric", "unit__code"]


class FundingViewSet(UnitRowViewSet):
    """Money mobilised per unit, year and source (VND)."""

    queryset = Funding.objects.select_related("unit").order_by("-year", "unit__code", "source", "pk")
    serializer_class = FundingSerializer
    filterset_class = FundingFilterSet
    ordering_fields = ["year", "source", "amount_vnd", "unit__code"]


class DisbursementViewSet(UnitRowViewSet):
    """Capital allocated and disbursed per unit, year, cut-off date and capital type (VND)."""

    queryset = Disbursement.objects.select_related("unit").order_by("-year", "unit__code", "-cutoff_date", "pk")
    serializer_class = DisbursementSerializer
    filterset_class = DisbursementFilterSet
    ordering_fields = ["year", "cutoff_date", "unit__code"]


class ProgressQuerySerializer(serializers.Serializer):
    area = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of a province or district version. Without area and area_code: your own area.",
    )
    area_code = serializers.CharField(
        required=False,
        max_length=12,
        help_text="Code of a province or district (empty: not given): the version in force at the end of the year, else the latest "
        "one before. With area too, it must be that unit's code.",
    )
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)


class ObjectResponseSchema(AutoSchema):
    """The progress "list" answers one object, not an array (drf-spectacular assumes an array for list)."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class ProgressViewSet(viewsets.ViewSet):
    """Progress of a province or district in a year: each target with its actual, % of plan and last
    year's actual (reports.selectors.target_progress), the standing of the year's assessments, the
    pass rate per criterion, and the funding and disbursement summaries: the numbers the dashboard
    shows, from the same functions. A unit outside your area, or not a province or district, is 404."""

    schema = ObjectResponseSchema()

    @extend_schema(parameters=[ProgressQuerySerializer], responses={200: ProgressSerializer})
    def list(self, request: Request) -> Response:
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data["year"]
        area = progress_area(
            request, year=year, pk=query.validated_data.get("area"), code=query.validated_data.get("area_code")
        )
        return Response(
            ProgressSerializer(
                {
                    "area": area,
                    "year": year,
                    "targets": target_progress(area=area, year=year),
                    "standing": standing_summary(year=year, area=area),
                    "criteria_pass_rates": criteria_pass_rates(area=area, year=year),
                    "funding": funding_summary(area=area, year=year),
                    "disbursement": disbursement_summary(area=area, year=year),
                }
            ).data
        )


def progress_area(request: Request, *, year: int, pk: int | None, code: str | None) -> Unit:
    """The province or district asked about (by id, by code, or the caller's own area), inside the
    caller's area; Http404 otherwise."""
    units = Unit.objects.filter(level__in=(Level.PROVINCE, Level.DISTRICT)).filter(area_q(request.user, ""))
    if pk is None and code is None:
        # The token's area, else the officer's.
        own = (
            request.auth.area
            if isinstance(request.auth, ApiToken)
            else getattr(user_officer(request.user), "area", None)
        )
        if own is None:
            raise Http404(gettext("Give the area (a unit id) or area_code (a unit code)."))
        pk = own.pk
    if pk is not None:
        units = units.filter(pk=pk)
    if code is not None:
        units = units.filter(code=code)
    year_end = datetime.date(year, 12, 31)
    in_force = units.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=year_end)).order_by("-valid_from", "-pk")
    # The version in force at the end of the year, else the latest before it, else the first after.
    area = in_force.first() or units.order_by("valid_from", "pk").first()
    if area is None:
        raise Http404(gettext("No province or district with this id or code in your area."))
    return area


def register(router: BaseRouter) -> None:
    router.register("targets", TargetViewSet, basename="target")
    router.register("figures", SocioEconomicFigureViewSet, basename="figure")
    router.register("funding", FundingViewSet, basename="funding")
    router.register("disbursements", DisbursementViewSet, basename="disbursement")
    router.register("progress", ProgressViewSet, basename="progress")

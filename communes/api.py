"""REST API of the communes app: units, commune standing, assessments, recognitions, criteria sets.

Every write calls the same services as the admin and the data-entry screens (one set of rules);
the base viewsets (ntm_portal.api.viewsets) scope every queryset to the caller's area.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import Case, F, FilteredRelation, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from communes.filters import (
    STANDING_YEAR_MAX,
    STANDING_YEAR_MIN,
    AssessmentFilterSet,
    CommuneStatusFilterSet,
    CriteriaSetFilterSet,
    RecognitionFilterSet,
    ReorganisationEventFilterSet,
    UnitFilterSet,
)
from communes.models import (
    Assessment,
    CriteriaSet,
    Criterion,
    CriterionResult,
    Indicator,
    IndicatorValue,
    Recognition,
    ReorganisationEvent,
    Threshold,
    Unit,
    UnitChange,
)
from communes.querysets import RECOGNITION_LEVEL_ORDER, valid_on_q
from communes.serializers import (
    AssessmentCreateSerializer,
    AssessmentSerializer,
    AssessmentValuesSerializer,
    BulkUpsertResultSerializer,
    BulkUpsertSerializer,
    CommuneStatusSerializer,
    CriteriaSetSerializer,
    RecognitionCreateSerializer,
    RecognitionSerializer,
    ReopenSerializer,
    ReorganisationEventSerializer,
    RevocationSerializer,
    UnitSerializer,
)
from communes.services.assessment_bulk import BulkUpsertError, assessment_bulk_upsert, assessment_inputs, error_rows
from communes.services.assessments import (
    StaleAssessmentError,
    assessment_approve,
    assessment_create,
    assessment_reopen,
    assessment_save_values,
    assessment_submit,
)
from communes.services.recognitions import recognition_record, recognition_revoke
from ntm_portal.api.exceptions import Conflict, PreconditionFailed
from ntm_portal.api.viewsets import ScopedModelViewSet, ScopedReadOnlyModelViewSet

YEAR_PARAMETER = OpenApiParameter(
    "year",
    {"type": "integer", "minimum": STANDING_YEAR_MIN, "maximum": STANDING_YEAR_MAX},
    description=f"Year of the standing, {STANDING_YEAR_MIN}–{STANDING_YEAR_MAX} (default: last year).",
    required=False,
)


def register(router: BaseRouter) -> None:
    router.register("units", UnitViewSet, basename="unit")
    router.register("reorganisation-events", ReorganisationEventViewSet, basename="reorganisation-event")
    router.register("communes", CommuneStatusViewSet, basename="commune")
    router.register("assessments", AssessmentViewSet, basename="assessment")
    router.register("recognitions", RecognitionViewSet, basename="recognition")
    router.register("criteria-sets", CriteriaSetViewSet, basename="criteria-set")


class UnitViewSet(ScopedReadOnlyModelViewSet):
    """Administrative units: every dated version, its parent, province, district and the
    reorganisation events it took part in. ``?as_of=`` keeps the versions in force on a date."""

    queryset = Unit.objects.with_names().prefetch_related(
        Prefetch("changes", queryset=UnitChange.objects.select_related("event").order_by("event__effective_date"))
    )
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    unit_field = ""
    ordering_fields = ["code", "name", "level", "valid_from", "valid_to"]


class ReorganisationEventViewSet(ScopedReadOnlyModelViewSet):
    """Reorganisation events (mergers, splits, abolitions, ...) touching a unit in the caller's area."""

    queryset = ReorganisationEvent.objects.prefetch_related(
        Prefetch("links", queryset=UnitChange.objects.select_related("unit").order_by("role", "unit__code"))
    ).order_by("-effective_date", "pk")
    serializer_class = ReorganisationEventSerializer
    filterset_class = ReorganisationEventFilterSet
    unit_field = ""
    ordering_fields = ["effective_date"]

    def scope_queryset(self, queryset):
        units = Unit.objects.for_user(self.request.user)
        return queryset.filter(pk__in=UnitChange.objects.filter(unit__in=units).values("event_id"))


@extend_schema_view(
    list=extend_schema(parameters=[YEAR_PARAMETER]), retrieve=extend_schema(parameters=[YEAR_PARAMETER])
)
class CommuneStatusViewSet(ScopedReadOnlyModelViewSet):
    """Commune-level units with their standing for ``?year=`` (default: last year): the stored
    criteria met and unmet, the band, the assessment's status and version, and the highest
    recognition in force on 31 December of that year. The list holds the communes in force on
    that date and those assessed that year. One query per page (plus the count)."""

    queryset = Unit.objects.communes().select_related("province", "district")
    serializer_class = CommuneStatusSerializer
    filterset_class = CommuneStatusFilterSet
    unit_field = ""
    ordering_fields = ["code", "name", "met_count", "criteria_total"]
    ordering = ["code", "pk"]

    @property
    def year(self) -> int:
        raw = self.request.query_params.get("year")
        if raw in (None, ""):
            return timezone.localdate().year - 1
        year = int(raw) if raw.isascii() and raw.isdigit() else 0
        if not STANDING_YEAR_MIN <= year <= STANDING_YEAR_MAX:
            raise ValidationError({"year": [_("Give a year between 1990 and 2100.")]})  # STANDING_YEAR_MIN/MAX
        return year

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "year": self.year}

    def get_queryset(self):
        year = self.year
        year_end = datetime.date(year, 12, 31)
        rank = Case(
            *(When(level=level, then=Value(n)) for n, level in enumerate(RECOGNITION_LEVEL_ORDER)),
            output_field=models.IntegerField(),
        )
        top = (
            Recognition.objects.in_force_on(year_end)
            .filter(unit=OuterRef("pk"))
            .annotate(rank=rank)
            .order_by("-rank", "-decision_date", "-pk")
        )
        # One assessment per unit and year (a unique constraint): a LEFT JOIN, no row fan-out.
        qs = (
            super()
            .get_queryset()
            .annotate(standing=FilteredRelation("assessments", condition=Q(assessments__year=year)))
        )
        if self.action == "list":
            qs = qs.filter(valid_on_q(year_end) | Q(standing__isnull=False))
        return qs.annotate(
            assessment_id=F("standing__id"),
            assessment_status=F("standing__status"),
            assessment_version=F("standing__version"),
            assessment_criteria_set_id=F("standing__criteria_set_id"),
            met_count=F("standing__met_count"),
            criteria_total=F("standing__criteria_total"),
            met_mask=F("standing__met_mask"),
            recognition_level=Subquery(top.values("level")[:1]),
            recognition_decision_number=Subquery(top.values("decision_number")[:1]),
            recognition_decision_date=Subquery(top.values("decision_date")[:1]),
        )


ASSESSMENT_WRITE_RESPONSES = {
    400: OpenApiResponse(description='Invalid values: {"results": [{"field": "indicator 17.1", "error": ...}]}'),
    412: OpenApiResponse(description="If-Match names an older version: nothing was changed."),
    428: OpenApiResponse(description="If-Match is missing."),
}


class AssessmentViewSet(ScopedModelViewSet):
    """Assessments with their criterion results and indicator values.

    Create a draft with POST (assessment_create). Update values with PATCH and the ETag you read
    in If-Match (428 without it, 412 if the assessment changed since): values are keyed by indicator
    code and merge into what is stored. Workflow steps are POST actions (submit and approve take
    If-Match too). bulk-upsert writes one province-year at once, all or nothing.
    """

    queryset = (
        Assessment.objects.select_related("unit")
        .prefetch_related(
            Prefetch("criterion_results", queryset=CriterionResult.objects.select_related("criterion")),
            Prefetch("indicator_values", queryset=IndicatorValue.objects.select_related("indicator__criterion")),
        )
        .order_by("-year", "unit__code", "pk")
    )
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilterSet
    ordering_fields = ["year", "met_count", "unit__code", "updated_at"]
    write_action = "enter"
    action_write_actions = {"submit": "submit", "approve": "approve", "reopen": "reopen", "bulk_upsert": "enter"}
    action_permissions = {
        "submit": ["communes.change_assessment"],
        "approve": ["communes.change_assessment"],
        "reopen": ["communes.change_assessment"],
        "bulk_upsert": ["communes.add_assessment", "communes.change_assessment"],
    }
    require_if_match = True
    http_method_names = ["get", "post", "patch", "head", "options"]

    def respond(self, assessment: Assessment, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=assessment.pk)
        return self.with_etag(Response(AssessmentSerializer(fresh).data, status=status_code), fresh)

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = AssessmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            assessment = assessment_create(
                unit=data["unit"],
                year=data["year"],
                criteria_set=data.get("criteria_set"),
                review_date=data.get("review_date"),
                copy_from_previous=data["copy_from_previous"],
                by=request.user,
            )
            self.check_write_scope(assessment)
        return self.respond(assessment, status.HTTP_201_CREATED)

    @extend_schema(
        request=AssessmentValuesSerializer,
        responses={200: AssessmentSerializer, **ASSESSMENT_WRITE_RESPONSES},
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
    )
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        assessment = self.get_object()
        matched = self.check_if_match(assessment)
        serializer = AssessmentValuesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        values, overrides, problems = assessment_inputs(
            criteria_set_id=assessment.criteria_set_id, values=data["values"], statuses=data["statuses"]
        )
        if problems:
            return Response({"results": error_rows(problems)}, status=status.HTTP_400_BAD_REQUEST)
        try:
            saved = assessment_save_values(
                assessment=assessment,
                expected_version=int(matched) if matched else assessment.version,
                values=values,
                overrides=overrides,
                note=data["note"],
                by=request.user,
            )
        except StaleAssessmentError as error:
            raise PreconditionFailed() from error
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict"):
                raise Conflict(" ".join(error.messages)) from error
            return Response({"results": error_rows(error.message_dict)}, status=status.HTTP_400_BAD_REQUEST)
        return self.respond(saved)

    def _step(self, service, **kwargs) -> Response:
        assessment = self.get_object()
        if "expected_version" in kwargs:
            matched = self.check_if_match(assessment)
            kwargs["expected_version"] = int(matched) if matched else assessment.version
        try:
            saved = service(assessment=assessment, by=self.request.user, **kwargs)
        except StaleAssessmentError as error:
            raise PreconditionFailed() from error
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            raise Conflict(" ".join(error.messages)) from error
        return self.respond(saved)

    @extend_schema(
        request=None,
        responses={
            200: AssessmentSerializer,
            409: OpenApiResponse(description="Not a draft, or criteria without status."),
        },
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Draft → submitted (district officials, provincial staff)."""
        return self._step(assessment_submit, expected_version=None)

    @extend_schema(
        request=None,
        responses={200: AssessmentSerializer, 409: OpenApiResponse(description="Not submitted.")},
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Submitted → approved (provincial staff); an approved assessment is locked."""
        return self._step(assessment_approve, expected_version=None)

    @extend_schema(request=ReopenSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Submitted or approved → draft (provincial staff), with a reason."""
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._step(assessment_reopen, reason=serializer.validated_data["reason"])

    @extend_schema(
        request=BulkUpsertSerializer,
        responses={
            200: BulkUpsertResultSerializer(many=True),
            400: OpenApiResponse(description='{"results": [{"row": 12, "field": "indicator 17.1", "error": ...}]}'),
        },
    )
    @action(detail=False, methods=["post"], url_path="bulk-upsert")
    def bulk_upsert(self, request: Request) -> Response:
        """Create or update the assessments of one province and year, all or nothing: rows of
        {commune_code, values: {"17.1": 96.5, ...}, statuses: {"5": {"status", "reason"}}, note,
        version}. A row's version, when given, must be the stored one (else 409 and nothing saved)."""
        serializer = BulkUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            results = assessment_bulk_upsert(
                province_code=data["province"], year=data["year"], rows=data["rows"], by=request.user
            )
        except BulkUpsertError as error:
            return Response({"results": error.rows}, status=error.status_code)
        return Response({"results": results})


class RecognitionViewSet(ScopedModelViewSet):
    """Recognition decisions (and acknowledgements after a merger) with their revocation, if any.
    POST records one through recognition_record (the same rules as the admin); revoke is an action."""

    queryset = (
        Recognition.objects.select_related("unit", "revocation")
        .prefetch_related("acknowledges")
        .order_by("-decision_date", "unit__code", "pk")
    )
    serializer_class = RecognitionSerializer
    filterset_class = RecognitionFilterSet
    ordering_fields = ["decision_date", "standard_year"]
    write_action = "record_recognition"
    action_permissions = {"revoke": ["communes.add_revocation"]}
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=RecognitionCreateSerializer, responses={201: RecognitionSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = RecognitionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        with transaction.atomic():
            recognition = recognition_record(**data, by=request.user)
            self.check_write_scope(recognition)
        fresh = self.get_queryset().get(pk=recognition.pk)
        return Response(RecognitionSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevocationSerializer, responses={200: RecognitionSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Record the decision revoking this recognition (recognition_revoke)."""
        recognition = self.get_object()
        serializer = RevocationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recognition_revoke(recognition=recognition, **serializer.validated_data, by=request.user)
        fresh = self.get_queryset().get(pk=recognition.pk)
        return Response(RecognitionSerializer(fresh).data)


class CriteriaSetViewSet(ScopedReadOnlyModelViewSet):
    """Criteria sets with their criteria, indicators and thresholds (reference data: every signed-in
    caller sees every set)."""

    queryset = CriteriaSet.objects.prefetch_related(
        Prefetch(
            "criteria",
            queryset=Criterion.objects.order_by("number").prefetch_related(
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.prefetch_related(
                        Prefetch("thresholds", queryset=Threshold.objects.select_related("scope"))
                    ),
                )
            ),
        )
    ).order_by("level", "period_start", "code")
    serializer_class = CriteriaSetSerializer
    filterset_class = CriteriaSetFilterSet

    def scope_queryset(self, queryset):
        return queryset

"""API representations of the communes app: units, commune standing, assessments, recognitions,
criteria sets. Related rows are nested in brief form ({id, code, name}); writes go through the
services (communes.services), so these serializers only read and parse input."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communes.bands import band_for
from communes.models import (
    Assessment,
    CriteriaSet,
    Criterion,
    CriterionResult,
    Indicator,
    IndicatorValue,
    Recognition,
    ReorganisationEvent,
    Revocation,
    Threshold,
    Unit,
    UnitChange,
)


class UnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level", "valid_from", "valid_to"]


class UnitEventSerializer(serializers.ModelSerializer):
    """A reorganisation event a unit took part in, with the unit's role in it."""

    id = serializers.IntegerField(source="event.id")
    kind = serializers.CharField(source="event.kind")
    effective_date = serializers.DateField(source="event.effective_date")
    legal_basis = serializers.CharField(source="event.legal_basis")

    class Meta:
        model = UnitChange
        fields = ["id", "kind", "effective_date", "legal_basis", "role", "partial"]


class UnitSerializer(serializers.ModelSerializer):
    """One dated version of an administrative unit, its ancestors and its reorganisation events."""

    parent = UnitBriefSerializer(read_only=True, allow_null=True)
    province = UnitBriefSerializer(read_only=True, allow_null=True)
    district = UnitBriefSerializer(read_only=True, allow_null=True)
    events = UnitEventSerializer(source="changes", many=True, read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "level",
            "kind",
            "valid_from",
            "valid_to",
            "parent",
            "province",
            "district",
            "latitude",
            "longitude",
            "area_km2",
            "source",
            "events",
        ]


class EventLinkSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer(read_only=True)

    class Meta:
        model = UnitChange
        fields = ["unit", "role", "partial"]


class ReorganisationEventSerializer(serializers.ModelSerializer):
    links = EventLinkSerializer(many=True, read_only=True)

    class Meta:
        model = ReorganisationEvent
        fields = ["id", "kind", "effective_date", "legal_basis", "description", "source", "links"]


class StandingAssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Assessment.Status.choices)
    criteria_set = serializers.IntegerField()
    version = serializers.IntegerField()


class StandingRecognitionSerializer(serializers.Serializer):
    level = serializers.CharField()
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()


class CommuneStatusSerializer(serializers.ModelSerializer):
    """A commune-level unit with its standing for the requested year, read from the stored
    standing (met_count, met_mask) and its highest recognition in force at the end of that year;
    annotated by communes.api.CommuneStatusViewSet (no query per row)."""

    province = UnitBriefSerializer(read_only=True, allow_null=True)
    district = UnitBriefSerializer(read_only=True, allow_null=True)
    year = serializers.SerializerMethodField()
    assessment = serializers.SerializerMethodField()
    criteria_total = serializers.IntegerField(read_only=True, allow_null=True)
    met_count = serializers.IntegerField(read_only=True, allow_null=True)
    unmet_criteria = serializers.SerializerMethodField()
    band = serializers.SerializerMethodField()
    recognition = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "valid_from",
            "valid_to",
            "province",
            "district",
            "year",
            "assessment",
            "criteria_total",
            "met_count",
            "unmet_criteria",
            "band",
            "recognition",
        ]

    def get_year(self, unit: Unit) -> int:
        return self.context["year"]

    @extend_schema_field(StandingAssessmentSerializer(allow_null=True))
    def get_assessment(self, unit: Unit) -> dict | None:
        if unit.assessment_id is None:
            return None
        return {
            "id": unit.assessment_id,
            "status": unit.assessment_status,
            "criteria_set": unit.assessment_criteria_set_id,
            "version": unit.assessment_version,
        }

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_unmet_criteria(self, unit: Unit) -> list[int]:
        if unit.assessment_id is None:
            return []
        mask, total = unit.met_mask or 0, unit.criteria_total or 0
        return [n for n in range(1, total + 1) if not mask >> (n - 1) & 1]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_band(self, unit: Unit) -> str | None:
        if unit.assessment_id is None:
            return None
        return band_for(met_count=unit.met_count, criteria_total=unit.criteria_total).value

    @extend_schema_field(StandingRecognitionSerializer(allow_null=True))
    def get_recognition(self, unit: Unit) -> dict | None:
        if unit.recognition_level is None:
            return None
        return {
            "level": unit.recognition_level,
            "decision_number": unit.recognition_decision_number,
            "decision_date": unit.recognition_decision_date,
        }


class CriterionResultSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(source="criterion.number", read_only=True)
    name = serializers.CharField(source="criterion.name_vi", read_only=True)

    class Meta:
        model = CriterionResult
        fields = ["number", "name", "status", "is_manual", "manual_reason", "note"]


class IndicatorValueSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="indicator.code", read_only=True)
    criterion = serializers.IntegerField(source="indicator.criterion.number", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["code", "criterion", "part", "value", "passed", "not_applicable", "evidence", "met", "threshold"]


class AssessmentSerializer(serializers.ModelSerializer):
    """An assessment with its stored standing, criterion results and indicator values."""

    unit = UnitBriefSerializer(read_only=True)
    band = serializers.SerializerMethodField()
    unmet_criteria = serializers.SerializerMethodField()
    criterion_results = CriterionResultSerializer(many=True, read_only=True)
    indicator_values = IndicatorValueSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "unit",
            "year",
            "review_date",
            "criteria_set",
            "status",
            "version",
            "criteria_total",
            "met_count",
            "substantially_met_count",
            "band",
            "unmet_criteria",
            "submitted_at",
            "approved_at",
            "note",
            "updated_at",
            "criterion_results",
            "indicator_values",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_band(self, assessment: Assessment) -> str:
        return band_for(met_count=assessment.met_count, criteria_total=assessment.criteria_total).value

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_unmet_criteria(self, assessment: Assessment) -> list[int]:
        return assessment.unmet_numbers()


class AssessmentCreateSerializer(serializers.Serializer):
    """Input of POST /assessments/: a draft for a unit and year (assessment_create)."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    criteria_set = serializers.PrimaryKeyRelatedField(queryset=CriteriaSet.objects.all(), required=False)
    review_date = serializers.DateField(required=False, allow_null=True)
    copy_from_previous = serializers.BooleanField(default=False)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "boolean"},
            {
                "type": "object",
                "properties": {
                    "value": {"type": "number", "nullable": True},
                    "passed": {"type": "boolean", "nullable": True},
                    "not_applicable": {"type": "boolean"},
                    "evidence": {"type": "string"},
                },
                "additionalProperties": False,
            },
        ],
        "nullable": True,
    }
)
class IndicatorInputField(serializers.JSONField):
    """One entered value: a number, true/false (pass/fail indicators), null (clear), or an object
    {value, passed, not_applicable, evidence}."""


class CriterionStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[("", "computed"), *CriterionResult._meta.get_field("status").choices])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentValuesSerializer(serializers.Serializer):
    """Input of PATCH /assessments/{id}/ and of each bulk-upsert row: values keyed by indicator code
    ("17.1", or "17.1:<part>" for a part of a compound indicator) and statuses set by hand keyed by
    criterion number; both merge into what is stored."""

    values = serializers.DictField(child=IndicatorInputField(allow_null=True), required=False, default=dict)
    statuses = serializers.DictField(child=CriterionStatusInputSerializer(), required=False, default=dict)
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)


class BulkUpsertRowSerializer(AssessmentValuesSerializer):
    commune_code = serializers.CharField(max_length=12)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The version of the existing assessment the row was based on; a stale one refuses the batch.",
    )


class BulkUpsertSerializer(serializers.Serializer):
    """Input of POST /assessments/bulk-upsert/: one province (official code) and year, and rows."""

    province = serializers.CharField(max_length=12)
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    rows = BulkUpsertRowSerializer(many=True, allow_empty=False, max_length=5000)


class BulkUpsertResultSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    commune_code = serializers.CharField()
    assessment = serializers.IntegerField()
    created = serializers.BooleanField()
    version = serializers.IntegerField()
    met_count = serializers.IntegerField()
    criteria_total = serializers.IntegerField()


class VersionSerializer(serializers.Serializer):
    """The version a workflow step was based on (also accepted as If-Match)."""

    version = serializers.IntegerField(required=False, min_value=1)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()


class RevocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Revocation
        fields = ["decision_number", "decision_date", "effective_date", "issued_by", "signer", "reason"]


# What a client gives to record a recognition; the read representation adds its id and revocation.
RECOGNITION_INPUT_FIELDS = [
    "unit",
    "level",
    "kind",
    "decision_number",
    "decision_date",
    "issued_by",
    "signer",
    "standard_year",
    "criteria_set",
    "assessment",
    "acknowledges",
    "note",
]


class RecognitionSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer(read_only=True)
    revocation = RevocationSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Recognition
        fields = ["id", *RECOGNITION_INPUT_FIELDS, "revocation"]
        read_only_fields = fields


class RecognitionCreateSerializer(serializers.ModelSerializer):
    """Input of POST /recognitions/ (recognition_record checks the rules)."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    acknowledges = serializers.PrimaryKeyRelatedField(queryset=Recognition.objects.all(), many=True, required=False)

    class Meta:
        model = Recognition
        fields = RECOGNITION_INPUT_FIELDS
        # The service checks the decision's uniqueness with a message of its own.
        validators: list = []


class ThresholdSerializer(serializers.ModelSerializer):
    scope = serializers.CharField(source="scope.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Threshold
        fields = ["id", "scope", "year", "part", "value", "confidence", "note"]


class IndicatorSerializer(serializers.ModelSerializer):
    thresholds = ThresholdSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "description_vi",
            "description_en",
            "unit",
            "min_value",
            "max_value",
            "comparator",
            "not_applicable_allowed",
            "per_sex",
            "confidence",
            "thresholds",
        ]


class CriterionSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "number", "group", "group_name", "name_vi", "name_en", "confidence", "indicators"]


class CriteriaSetSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = CriteriaSet
        fields = [
            "id",
            "code",
            "name_vi",
            "name_en",
            "level",
            "legal_basis",
            "issued_on",
            "effective_from",
            "period_start",
            "period_end",
            "province",
            "official_criterion_count",
            "official_indicator_count",
            "criteria",
        ]

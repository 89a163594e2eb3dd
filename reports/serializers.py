"""API representations of targets, entered figures, funding and disbursements, and of the dashboard
numbers (reports.selectors) the progress endpoint returns.

Writes are validated by the admin's own forms (reports.admin: the unit's level and area, a period
target's first year, the parameter of "communes under N criteria", a disbursement's cut-off year,
the unique constraints): one set of rules, errors keyed by field.
"""

from __future__ import annotations

import copy

from django import forms
from rest_framework import serializers

from communes.access import area_q
from communes.models import Unit
from reports.admin import DisbursementForm, FigureForm, FundingForm, TargetForm
from reports.models import Disbursement, Funding, SocioEconomicFigure, Target
from reports.selectors import metric_label


class AreaUnitField(serializers.PrimaryKeyRelatedField):
    """The row's unit, limited to units in the requesting user's area (others are "does not exist")."""

    def get_queryset(self):
        request = self.context.get("request")
        queryset = Unit.objects.all()
        return queryset.none() if request is None else queryset.filter(area_q(request.user, ""))


class AdminFormValidatedSerializer(serializers.ModelSerializer):
    """Validates a write with the admin's form for the model (``form_class``): the same rules and
    messages as the admin, reported by field ("non_field_errors" for the form's own)."""

    form_class: type[forms.ModelForm]

    unit = AreaUnitField()
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    unit_level = serializers.CharField(source="unit.level", read_only=True)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        fields = self.form_class._meta.fields
        data = {}
        for name in fields:
            value = attrs[name] if name in attrs else getattr(self.instance, name, None)
            data[name] = value.pk if isinstance(value, Unit) else value
        # The form writes into its instance; a copy keeps the request's object untouched on failure.
        instance = copy.copy(self.instance) if self.instance is not None else None
        form = self.form_class(data=data, instance=instance)
        form.user = self.context["request"].user
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): [error["message"] for error in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        return attrs


class TargetSerializer(AdminFormValidatedSerializer):
    """A planned value of a metric for a province or district and a year or programme period."""

    form_class = TargetForm
    # Declared: DRF would make every field of the unique constraints required, defaults or not.
    scope = serializers.ChoiceField(choices=Target.Scope.choices, default=Target.Scope.YEAR)
    metric_label = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "unit",
            "unit_code",
            "unit_name",
            "unit_level",
            "scope",
            "year",
            "period_start",
            "metric",
            "metric_label",
            "parameter",
            "basis",
            "value",
            "decision",
            "note",
        ]
        validators = []  # the unique constraints are checked by the form, with the admin's message

    def get_metric_label(self, target: Target) -> str:
        return metric_label(metric=target.metric, parameter=target.parameter)


class SocioEconomicFigureSerializer(AdminFormValidatedSerializer):
    """A figure the portal cannot derive (rural income, poverty rate, coverage) for a unit and year."""

    form_class = FigureForm

    class Meta:
        model = SocioEconomicFigure
        fields = ["id", "unit", "unit_code", "unit_name", "unit_level", "year", "metric", "value", "source"]
        validators = []


class FundingSerializer(AdminFormValidatedSerializer):
    """Money mobilised in a unit and year from one source, in VND."""

    form_class = FundingForm

    class Meta:
        model = Funding
        fields = ["id", "unit", "unit_code", "unit_name", "unit_level", "year", "source", "amount_vnd", "note"]
        validators = []


class DisbursementSerializer(AdminFormValidatedSerializer):
    """Capital allocated and disbursed at a cut-off date, by capital type, in VND."""

    form_class = DisbursementForm

    class Meta:
        model = Disbursement
        fields = [
            "id",
            "unit",
            "unit_code",
            "unit_name",
            "unit_level",
            "year",
            "cutoff_date",
            "capital_type",
            "allocated_vnd",
            "disbursed_vnd",
        ]
        validators = []


# The progress endpoint: plain serializers over the selectors' dataclasses.


class AreaBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)


class ProgressRowSerializer(serializers.Serializer):
    """reports.selectors.ProgressRow: a target with its actual, % of plan and last year's actual."""

    target = serializers.IntegerField(source="target.pk")
    unit = serializers.IntegerField(source="target.unit_id")
    unit_name = serializers.CharField(source="target.unit.name")
    scope = serializers.CharField(source="target.scope")
    period_start = serializers.IntegerField(source="target.period_start", allow_null=True)
    metric = serializers.CharField()
    parameter = serializers.IntegerField(source="target.parameter", allow_null=True)
    label = serializers.CharField()
    basis = serializers.CharField()
    target_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    actual = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    percent_of_plan = serializers.DecimalField(max_digits=20, decimal_places=1, allow_null=True)
    previous_actual = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    lower_is_better = serializers.BooleanField()


class StandingSerializer(serializers.Serializer):
    """communes.selectors.StandingSummary: the year's assessments against the standard commune set."""

    assessed = serializers.IntegerField()
    all_met = serializers.IntegerField()
    average_met = serializers.FloatField(allow_null=True)
    bands = serializers.DictField(child=serializers.IntegerField())
    communes_that_year = serializers.IntegerField()
    communes_today = serializers.IntegerField()


class CriterionPassRateSerializer(serializers.Serializer):
    criteria_set = serializers.IntegerField(source="criterion.criteria_set_id")
    number = serializers.IntegerField()
    name = serializers.CharField()
    met = serializers.IntegerField()
    assessed = serializers.IntegerField()
    share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class FundingRowSerializer(serializers.Serializer):
    source = serializers.CharField()
    label = serializers.CharField()
    amount_vnd = serializers.DecimalField(max_digits=20, decimal_places=0)
    share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class FundingSummarySerializer(serializers.Serializer):
    """reports.selectors.FundingSummary: by source, shares of the total excluding credit."""

    rows = FundingRowSerializer(many=True)
    total_vnd = serializers.DecimalField(max_digits=20, decimal_places=0)
    credit_vnd = serializers.DecimalField(max_digits=20, decimal_places=0)
    land_m2 = serializers.DecimalField(source="in_kind.land_m2", max_digits=20, decimal_places=0, allow_null=True)
    workdays = serializers.DecimalField(source="in_kind.workdays", max_digits=20, decimal_places=0, allow_null=True)


class DisbursementRowSerializer(serializers.Serializer):
    cutoff_date = serializers.DateField()
    capital_type = serializers.CharField()
    label = serializers.CharField()
    allocated_vnd = serializers.DecimalField(max_digits=20, decimal_places=0)
    disbursed_vnd = serializers.DecimalField(max_digits=20, decimal_places=0)
    rate = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)


class DisbursementSummarySerializer(serializers.Serializer):
    latest = DisbursementRowSerializer(many=True)
    cutoffs = DisbursementRowSerializer(many=True)


class ProgressSerializer(serializers.Serializer):
    """The progress of an area in a year: the dashboards' numbers, from the same selectors."""

    area = AreaBriefSerializer()
    year = serializers.IntegerField()
    targets = ProgressRowSerializer(many=True)
    standing = StandingSerializer()
    criteria_pass_rates = CriterionPassRateSerializer(many=True)
    funding = FundingSummarySerializer()
    disbursement = DisbursementSummarySerializer()

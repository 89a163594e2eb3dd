"""API representations of OCOP producers, products (with their current status) and rating events.

Flat foreign-key ids with read-only names beside them. A product's nested producer is brief (name,
type, commune): contact data is only on the producer's own endpoint, which is not public. Rating
events are written through ocop.services.rating_record, the admin's code path, so the same rules
apply and an error is keyed by the field at fault.
"""

from __future__ import annotations

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers

from communes.access import area_q
from communes.models import Level, Unit
from ocop.models import EvaluatingLevel, Producer, Product, ProductGroup, RatingEvent, RatingRules
from ocop.querysets import STATUS_EXPIRED, STATUS_NEVER, STATUS_VALID
from ocop.services import rating_record


def django_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as DRF's error body: {field: [messages]}, "non_field_errors" for the rest."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


class AreaScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A writable foreign key limited to rows in the requesting user's area (others are "does not exist").

    ``unit_path`` is the area_q path of the related model ("" for Unit itself).
    """

    def __init__(self, *, unit_path: str, **kwargs):
        self.unit_path = unit_path
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.filter(area_q(request.user, self.unit_path))


class ModelCleanMixin:
    """Run the model's own validation (field checks and named constraints, as the admin does) on the
    instance the write would produce, and report Django's errors keyed by field."""

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        # A copy: a failed validation must not leave the request's instance half changed.
        instance = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            instance.full_clean(exclude=self.model_clean_exclude())
        except DjangoValidationError as error:
            raise serializers.ValidationError(django_errors(error)) from error
        return attrs

    def model_clean_exclude(self) -> list[str]:
        """Fields the model validation skips: the ones the serializer does not write."""
        writable = {name for name, field in self.fields.items() if not field.read_only}
        return [f.name for f in self.Meta.model._meta.concrete_fields if f.name not in writable]


class ProducerSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """A producer with its commune (the version of its time) and province, and its contact data."""

    commune = AreaScopedPrimaryKeyField(unit_path="", queryset=Unit.objects.filter(level=Level.COMMUNE))
    commune_code = serializers.CharField(source="commune.code", read_only=True)
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    district_code = serializers.CharField(source="commune.district.code", read_only=True, default=None, allow_null=True)
    province_code = serializers.CharField(source="commune.province.code", read_only=True, default=None, allow_null=True)
    province_name = serializers.CharField(source="commune.province.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Producer
        fields = [
            "id",
            "kind",
            "name",
            "registration_code",
            "commune",
            "commune_code",
            "commune_name",
            "district_code",
            "province_code",
            "province_name",
            "address",
            "representative",
            "phone",
            "email",
            "created_at",
            "updated_at",
        ]
        # The partial unique constraint on registration_code is checked by the model validation, with
        # the admin's message.
        validators = []
        extra_kwargs = {"registration_code": {"validators": []}}


class ProducerBriefSerializer(serializers.ModelSerializer):
    """What the public catalogue shows of a producer: no contact data."""

    commune_code = serializers.CharField(source="commune.code", read_only=True)
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    province_code = serializers.CharField(source="commune.province.code", read_only=True, default=None, allow_null=True)
    province_name = serializers.CharField(source="commune.province.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Producer
        fields = ["id", "kind", "name", "commune_code", "commune_name", "province_code", "province_name"]
        read_only_fields = fields


class ProductSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """A product with its status on today's date (ProductQuerySet.with_current_status) and its group
    in the 2023 list (a 1048 group counted under the 148 group it maps to)."""

    producer = AreaScopedPrimaryKeyField(unit_path="commune__", queryset=Producer.objects.all())
    producer_detail = ProducerBriefSerializer(source="producer", read_only=True)
    group = serializers.PrimaryKeyRelatedField(queryset=ProductGroup.objects.all())
    group_code = serializers.CharField(source="group.code", read_only=True)
    group_name = serializers.CharField(source="group.name_vi", read_only=True)
    group_2023 = serializers.IntegerField(source="group_2023_id", read_only=True)
    group_2023_name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        choices=[STATUS_VALID, STATUS_EXPIRED, STATUS_NEVER],
        read_only=True,
        help_text="valid: a certificate is in force today; expired: every certificate has ended; never: none issued.",
    )
    current_stars = serializers.IntegerField(read_only=True, allow_null=True)
    current_potential_five_stars = serializers.BooleanField(read_only=True, allow_null=True)
    current_valid_until = serializers.DateField(read_only=True, allow_null=True)
    current_decision_number = serializers.CharField(read_only=True, allow_null=True)
    current_decision_date = serializers.DateField(read_only=True, allow_null=True)
    last_valid_until = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "description",
            "producer",
            "producer_detail",
            "group",
            "group_code",
            "group_name",
            "group_2023",
            "group_2023_name",
            "status",
            "current_stars",
            "current_potential_five_stars",
            "current_valid_until",
            "current_decision_number",
            "current_decision_date",
            "last_valid_until",
            "created_at",
            "updated_at",
        ]


class RatingEventSerializer(serializers.ModelSerializer):
    """A rating event. Written through ocop.services.rating_record: total, stars, kind, potential
    5 stars and valid until are computed (total and stars must match when given); errors are keyed
    by field (score_a, total, stars, level, decision_date, certificate_issued_on, ...)."""

    product = AreaScopedPrimaryKeyField(unit_path="producer__commune__", queryset=Product.objects.all())
    product_name = serializers.CharField(source="product.name", read_only=True)
    rules = serializers.SlugRelatedField(
        slug_field="code",
        queryset=RatingRules.objects.all(),
        required=False,
        help_text="Code of the rules version (1048, 148, 1489); by default the one in force on the decision date.",
    )
    level = serializers.ChoiceField(choices=EvaluatingLevel.choices)
    kind = serializers.ChoiceField(
        choices=RatingEvent.Kind.choices,
        required=False,
        help_text="Derived from the product's earlier recognitions when not given.",
    )
    total = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    stars = serializers.IntegerField(min_value=1, max_value=5, required=False)
    is_recognition = serializers.BooleanField(read_only=True)

    class Meta:
        model = RatingEvent
        fields = [
            "id",
            "product",
            "product_name",
            "rules",
            "level",
            "kind",
            "score_a",
            "score_b",
            "score_c",
            "total",
            "stars",
            "potential_five_stars",
            "council",
            "decision_number",
            "decision_date",
            "issued_by",
            "certificate_number",
            "certificate_issued_on",
            "valid_until",
            "is_recognition",
            "created_at",
        ]
        read_only_fields = ["potential_five_stars", "valid_until", "created_at"]

    def create(self, validated_data: dict) -> RatingEvent:
        request = self.context["request"]
        try:
            return rating_record(**validated_data, by=request.user)
        except DjangoValidationError as error:
            raise serializers.ValidationError(django_errors(error)) from error
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error

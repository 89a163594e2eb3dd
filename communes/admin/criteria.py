"""Admin for criteria sets, criteria, indicators, thresholds and classifications.

Staff correct thresholds here; ``manage.py load_criteria`` never overwrites a threshold that holds
a value (see communes/loaders/criteria.py).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from communes.models import (
    Classification,
    Confidence,
    CriteriaSet,
    Criterion,
    Indicator,
    Threshold,
    UnitClassification,
)


def _criterion_label(criterion: Criterion) -> str:
    # Criterion.__str__ ("1. Quy hoạch") repeats in every set; name the set in choice lists.
    return f"{criterion.criteria_set.code} · {criterion}"


def _indicator_label(indicator: Indicator) -> str:
    return f"{indicator.criteria_set.code} · {indicator}"


class CompletenessFilter(admin.SimpleListFilter):
    """Sets with fewer criteria or indicators loaded than the legal text has (CriteriaSet.objects.incomplete())."""

    title = _("completeness")
    parameter_name = "complete"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Complete")), ("no", _("Incomplete"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        incomplete = CriteriaSet.objects.incomplete().values("pk")
        if self.value() == "yes":
            return queryset.exclude(pk__in=incomplete)
        if self.value() == "no":
            return queryset.filter(pk__in=incomplete)
        return queryset


class VerificationFilter(admin.SimpleListFilter):
    """Thresholds still to check against the legal text, and those with no value yet."""

    title = _("verification")
    parameter_name = "verification"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("verified", _("Verified")),
            ("unverified", _("Unverified (general knowledge or unsure)")),
            ("missing", _("Value missing")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "verified":
            return queryset.filter(confidence=Confidence.VERIFIED)
        if self.value() == "unverified":
            return queryset.exclude(confidence=Confidence.VERIFIED)
        if self.value() == "missing":
            return queryset.filter(value__isnull=True)
        return queryset


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["number", "group", "name_vi", "name_en", "confidence"]
    extra = 0
    show_change_link = True


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = [
        "name_vi",
        "legal_basis",
        "level",
        "period",
        "criteria_count",
        "indicator_count",
        "is_complete",
    ]
    list_filter = ["level", CompletenessFilter]
    search_fields = ["code", "name_vi", "name_en", "legal_basis"]
    inlines = [CriterionInline]
    fieldsets = [
        (None, {"fields": ["code", "name_vi", "name_en", "level", "legal_basis", "province"]}),
        (_("Dates"), {"fields": ["issued_on", "effective_from", "period_start", "period_end"]}),
        (_("Official counts"), {"fields": ["official_criterion_count", "official_indicator_count"]}),
        (_("Amendments and notes"), {"fields": ["amendments", "notes"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # "Complete" reuses incomplete() so that the column, the filter and the QuerySet agree.
        incomplete = CriteriaSet.objects.incomplete().filter(pk=OuterRef("pk"))
        return super().get_queryset(request).with_counts().annotate(complete=~Exists(incomplete))

    @admin.display(description=_("period"), ordering="period_start")
    def period(self, obj: CriteriaSet) -> str:
        return f"{obj.period_start}–{obj.period_end}"

    @admin.display(description=_("criteria loaded / official"), ordering="criteria_loaded")
    def criteria_count(self, obj: CriteriaSet) -> str:
        return f"{obj.criteria_loaded} / {obj.official_criterion_count}"

    @admin.display(description=_("indicators loaded / official"), ordering="indicators_loaded")
    def indicator_count(self, obj: CriteriaSet) -> str:
        official = obj.official_indicator_count if obj.official_indicator_count is not None else "?"
        return f"{obj.indicators_loaded} / {official}"

    @admin.display(description=_("complete"), boolean=True, ordering="complete")
    def is_complete(self, obj: CriteriaSet) -> bool:
        return obj.complete


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["code", "sort_order", "description_vi", "unit", "comparator", "confidence"]
    extra = 0
    show_change_link = True


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "criteria_set", "group", "confidence"]
    list_select_related = ["criteria_set"]
    list_filter = ["criteria_set", "confidence"]
    search_fields = ["name_vi", "name_en"]
    inlines = [IndicatorInline]


class ThresholdInline(admin.TabularInline):
    model = Threshold
    fields = ["scope", "year", "part", "value", "confidence", "note"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "short_description", "criterion", "criteria_set", "comparator", "unit", "confidence"]
    list_select_related = ["criterion", "criteria_set"]
    list_filter = ["criteria_set", "comparator", "confidence", "not_applicable_allowed", "per_sex"]
    search_fields = ["code", "description_vi", "description_en"]
    readonly_fields = ["criteria_set"]
    inlines = [ThresholdInline]

    @admin.display(description=_("description"))
    def short_description(self, obj: Indicator) -> str:
        text = obj.description_vi
        return text if len(text) <= 80 else text[:79] + "…"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "criterion":
            formfield.queryset = formfield.queryset.select_related("criteria_set")
            formfield.label_from_instance = _criterion_label
        return formfield


@admin.register(Threshold)
class ThresholdAdmin(admin.ModelAdmin):
    list_display = ["indicator_code", "criteria_set", "scope", "year", "part", "value", "confidence", "note"]
    list_display_links = ["indicator_code"]
    list_editable = ["value", "confidence"]
    list_select_related = ["indicator__criteria_set", "scope"]
    list_filter = [VerificationFilter, "confidence", "scope", "indicator__criteria_set"]
    search_fields = ["indicator__code", "indicator__description_vi", "part", "note"]
    ordering = ["indicator__criteria_set", "indicator__sort_order", "part", "scope__code", "year"]

    @admin.display(description=_("indicator"), ordering="indicator__sort_order")
    def indicator_code(self, obj: Threshold) -> str:
        return obj.indicator.code

    @admin.display(description=_("criteria set"), ordering="indicator__criteria_set__code")
    def criteria_set(self, obj: Threshold) -> str:
        return obj.indicator.criteria_set.code

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "indicator":
            formfield.queryset = formfield.queryset.select_related("criteria_set")
            formfield.label_from_instance = _indicator_label
        return formfield


@admin.register(Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "scheme", "uses_thresholds_of", "criteria_set"]
    list_select_related = ["uses_thresholds_of", "criteria_set"]
    list_filter = ["scheme"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(UnitClassification)
class UnitClassificationAdmin(admin.ModelAdmin):
    list_display = ["unit", "classification", "valid_from", "valid_to", "legal_basis"]
    list_select_related = ["unit", "classification"]
    list_filter = ["classification__scheme", "classification"]
    search_fields = ["unit__name", "unit__code", "legal_basis"]
    # Never a plain select of every unit version: the Unit admin (communes/admin/units.py) provides the search.
    autocomplete_fields = ["unit", "classification"]

"""FilterSets shared by the HTML pages and the API."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import set_override

from communes.bands import Band, band_q
from communes.models import (
    Assessment,
    CriteriaSet,
    Kind,
    Level,
    Recognition,
    RecognitionLevel,
    ReorganisationEvent,
    Unit,
)

# met_mask is a BigIntegerField: criterion numbers above 63 cannot be stored in it.
MAX_CRITERION_NUMBER = 63
# The years the commune standing (communes.api.CommuneStatusViewSet) can be asked for.
STANDING_YEAR_MIN, STANDING_YEAR_MAX = 1990, 2100
# Row ids are (big) auto fields; ids in filters stay within a 32-bit integer.
MAX_ID = 2**31 - 1
# Years are PositiveSmallIntegerFields.
MAX_YEAR = 32767


class IntegerFilter(django_filters.NumberFilter):
    """A whole number from ``min_value`` to ``max_value``; anything else is refused (400 in the API).

    NumberFilter would take decimals ("2020.5" silently filtering on 2020) and document a bare
    "number"; this one documents an integer with its bounds, so API clients (and schemathesis) know
    what is accepted.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        set_override(self, "field", {"type": "integer", "minimum": min_value, "maximum": max_value})


class IdFilter(IntegerFilter):
    """A row id: an unknown one gives an empty list (a ModelChoiceFilter would answer 400)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YearFilter(IntegerFilter):
    """A year as stored (a small positive integer): a year without rows gives an empty list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


def documented(filter_: django_filters.Filter, schema: dict) -> django_filters.Filter:
    """``filter_`` with its OpenAPI schema given (a method filter is otherwise documented as a string)."""
    return set_override(filter_, "field", schema)


def search_q(value: str, prefix: str = "") -> Q:
    """Units whose name contains ``value`` or whose official code starts with it."""
    value = value.strip()
    return Q(**{f"{prefix}name__icontains": value}) | Q(**{f"{prefix}code__startswith": value})


def unmet_criterion_q(queryset, number: int, prefix: str = ""):
    """Rows whose assessment (at ``prefix``) has criterion ``number`` in its set and not met (stored mask)."""
    return queryset.annotate(_criterion_bit=F(f"{prefix}met_mask").bitand(1 << (number - 1))).filter(
        Q(_criterion_bit=0) & Q(**{f"{prefix}criteria_total__gte": number})
    )


class StandingFilterSet(django_filters.FilterSet):
    """The filters on a stored standing (band, criteria met range, a criterion not met) shared by
    assessments and by communes with their standing; ``standing_prefix`` reaches the assessment's
    stored met_count/criteria_total/met_mask from the filtered rows ("" on assessments)."""

    standing_prefix = ""

    band = django_filters.ChoiceFilter(label=_("Band"), choices=Band.choices, method="filter_band")
    unmet_criterion = IntegerFilter(
        label=_("Criterion not met"),
        method="filter_unmet_criterion",
        min_value=1,
        max_value=MAX_CRITERION_NUMBER,
    )

    met_min = IntegerFilter(
        field_name="met_count",
        lookup_expr="gte",
        label=_("At least criteria met"),
        min_value=0,
        max_value=MAX_CRITERION_NUMBER,
    )
    met_max = IntegerFilter(
        field_name="met_count",
        lookup_expr="lte",
        label=_("At most criteria met"),
        min_value=0,
        max_value=MAX_CRITERION_NUMBER,
    )

    def filter_band(self, queryset, name: str, value: str):
        return queryset.filter(band_q(value, prefix=self.standing_prefix)) if value else queryset

    def filter_unmet_criterion(self, queryset, name: str, value):
        """Rows whose criteria set has criterion ``value`` and whose stored mask bit for it is not set."""
        if value is None:
            return queryset
        return unmet_criterion_q(queryset, int(value), prefix=self.standing_prefix)


class AssessmentFilterSet(StandingFilterSet):
    """Assessments by year, status, band of criteria met, a criterion that is not met, criteria met
    range, and where: province or district (official code, any version), unit (id or code)."""

    year = YearFilter(field_name="year")
    status = django_filters.ChoiceFilter(choices=Assessment.Status.choices)
    criteria_set = IdFilter(label=_("Criteria set"), field_name="criteria_set_id")
    unit = IdFilter(label=_("Unit id"), field_name="unit_id")
    province = django_filters.CharFilter(field_name="unit__province__code", label=_("Province (official code)"))
    district = django_filters.CharFilter(field_name="unit__district__code", label=_("District (official code)"))
    unit_code = django_filters.CharFilter(field_name="unit__code", label=_("Unit (official code)"))

    class Meta:
        model = Assessment
        fields = [
            "year",
            "status",
            "criteria_set",
            "unit",
            "band",
            "unmet_criterion",
            "met_min",
            "met_max",
            "province",
            "district",
            "unit_code",
        ]


class UnitFilterSet(django_filters.FilterSet):
    """Unit versions by date in force, level, kind, parent, province or district, name or code."""

    as_of = documented(
        django_filters.DateFilter(label=_("In force on"), method="filter_as_of"), {"type": "string", "format": "date"}
    )
    level = django_filters.ChoiceFilter(choices=Level.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    code = django_filters.CharFilter(field_name="code")
    parent = IdFilter(label=_("Parent unit"), field_name="parent_id")
    province = django_filters.CharFilter(label=_("Province (official code)"), method="filter_province")
    district = django_filters.CharFilter(field_name="district__code", label=_("District (official code)"))
    search = django_filters.CharFilter(label=_("Name or code"), method="filter_search")

    class Meta:
        model = Unit
        fields = ["as_of", "level", "kind", "code", "parent", "province", "district", "search"]

    def filter_as_of(self, queryset, name: str, value: datetime.date | None):
        return queryset.as_of(value) if value else queryset

    def filter_province(self, queryset, name: str, value: str):
        """Units under any version of the province with that code, and those versions themselves."""
        if not value:
            return queryset
        return queryset.filter(Q(province__code=value) | Q(level=Level.PROVINCE, code=value))

    def filter_search(self, queryset, name: str, value: str):
        return queryset.filter(search_q(value)) if value.strip() else queryset


class CommuneStatusFilterSet(StandingFilterSet):
    """Commune-level units with their standing for a year (annotated by the caller, see
    communes.api.CommuneStatusViewSet): where, band, criteria met range, a criterion not met, the
    recognised level, the assessment's status; ``year`` is read by the viewset."""

    standing_prefix = "standing__"

    year = IntegerFilter(
        label=_("Year of the standing (default: last year)"),
        method="filter_nothing",
        min_value=STANDING_YEAR_MIN,
        max_value=STANDING_YEAR_MAX,
    )
    province = django_filters.CharFilter(field_name="province__code", label=_("Province (official code)"))
    district = django_filters.CharFilter(field_name="district__code", label=_("District (official code)"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    level = django_filters.ChoiceFilter(
        label=_("Recognised level"), choices=RecognitionLevel.choices, field_name="recognition_level"
    )
    status = django_filters.ChoiceFilter(
        label=_("Assessment status"), choices=Assessment.Status.choices, field_name="assessment_status"
    )
    assessed = documented(
        django_filters.BooleanFilter(label=_("Assessed that year"), method="filter_assessed"), {"type": "boolean"}
    )
    search = django_filters.CharFilter(label=_("Name or code"), method="filter_search")

    class Meta:
        model = Unit
        fields = [
            "year",
            "province",
            "district",
            "kind",
            "band",
            "met_min",
            "met_max",
            "unmet_criterion",
            "level",
            "status",
            "assessed",
            "search",
        ]

    def filter_nothing(self, queryset, name: str, value):
        return queryset

    def filter_assessed(self, queryset, name: str, value: bool | None):
        if value is None:
            return queryset
        return queryset.filter(standing__isnull=not value)

    def filter_search(self, queryset, name: str, value: str):
        return queryset.filter(search_q(value)) if value.strip() else queryset


class RecognitionFilterSet(django_filters.FilterSet):
    """Recognition decisions by level, kind, standard year, where, in force on a date, revoked."""

    level = django_filters.ChoiceFilter(choices=RecognitionLevel.choices)
    kind = django_filters.ChoiceFilter(choices=Recognition.Kind.choices)
    province = django_filters.CharFilter(field_name="unit__province__code", label=_("Province (official code)"))
    district = django_filters.CharFilter(field_name="unit__district__code", label=_("District (official code)"))
    unit_code = django_filters.CharFilter(field_name="unit__code", label=_("Unit (official code)"))
    standard_year = YearFilter(label=_("standard year"), field_name="standard_year")
    unit = IdFilter(label=_("Unit id"), field_name="unit_id")
    in_force_on = documented(
        django_filters.DateFilter(label=_("In force on"), method="filter_in_force_on"),
        {"type": "string", "format": "date"},
    )
    revoked = django_filters.BooleanFilter(
        label=_("Revoked"), field_name="revocation", lookup_expr="isnull", exclude=True
    )
    decided_from = django_filters.DateFilter(field_name="decision_date", lookup_expr="gte")
    decided_to = django_filters.DateFilter(field_name="decision_date", lookup_expr="lte")

    class Meta:
        model = Recognition
        fields = [
            "level",
            "kind",
            "standard_year",
            "unit",
            "province",
            "district",
            "unit_code",
            "in_force_on",
            "revoked",
        ]

    def filter_in_force_on(self, queryset, name: str, value: datetime.date | None):
        return queryset.in_force_on(value) if value else queryset


class CriteriaSetFilterSet(django_filters.FilterSet):
    """Criteria sets by level and by the years their period starts and ends."""

    level = django_filters.ChoiceFilter(choices=CriteriaSet._meta.get_field("level").choices)
    period_start = YearFilter(label=_("period start (year)"), field_name="period_start")
    period_end = YearFilter(label=_("period end (year)"), field_name="period_end")

    class Meta:
        model = CriteriaSet
        fields = ["level", "period_start", "period_end"]


class ReorganisationEventFilterSet(django_filters.FilterSet):
    """Reorganisation events by kind and effective date."""

    kind = django_filters.ChoiceFilter(choices=ReorganisationEvent.EventKind.choices)
    effective_from = django_filters.DateFilter(field_name="effective_date", lookup_expr="gte")
    effective_to = django_filters.DateFilter(field_name="effective_date", lookup_expr="lte")

    class Meta:
        model = ReorganisationEvent
        fields = ["kind", "effective_from", "effective_to"]

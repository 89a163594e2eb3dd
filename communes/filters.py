"""FilterSets shared by the HTML pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from communes.bands import Band, band_q
from communes.models import Assessment

# met_mask is a BigIntegerField: criterion numbers above 63 cannot be stored in it.
MAX_CRITERION_NUMBER = 63


class AssessmentFilterSet(django_filters.FilterSet):
    """Assessments by year, status, band of criteria met, and a criterion that is not met."""

    year = django_filters.NumberFilter(field_name="year")
    status = django_filters.ChoiceFilter(choices=Assessment.Status.choices)
    band = django_filters.ChoiceFilter(label=_("Band"), choices=Band.choices, method="filter_band")
    unmet_criterion = django_filters.NumberFilter(
        label=_("Criterion not met"),
        method="filter_unmet_criterion",
        min_value=1,
        max_value=MAX_CRITERION_NUMBER,
    )

    class Meta:
        model = Assessment
        fields = ["year", "status", "criteria_set", "band", "unmet_criterion"]

    def filter_band(self, queryset, name: str, value: str):
        return queryset.filter(band_q(value)) if value else queryset

    def filter_unmet_criterion(self, queryset, name: str, value):
        """Assessments of a set having criterion ``value`` whose stored mask bit is not set."""
        if value is None:
            return queryset
        number = int(value)
        return queryset.annotate(_criterion_bit=F("met_mask").bitand(1 << (number - 1))).filter(
            _criterion_bit=0, criteria_total__gte=number
        )

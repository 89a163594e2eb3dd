"""FilterSets of the plans and money rows, shared by the admin-like lists and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communes.filters import IdFilter, YearFilter
from reports.models import Basis, Disbursement, Funding, FundingSource, Metric, SocioEconomicFigure, Target


def unit_area_q(code: str) -> Q:
    """Rows of the unit with ``code`` or of a unit inside the province or district of that code; every
    version sharing the code counts (today's Thái Nguyên 19 and the former one alike)."""
    return Q(unit__code=code) | Q(unit__district__code=code) | Q(unit__province__code=code)


class UnitYearFilterSet(django_filters.FilterSet):
    """The filters every row keyed by unit and year has: the unit's code, an area's code, the year."""

    unit = django_filters.CharFilter(label=_("Unit code"), field_name="unit__code")
    unit_id = IdFilter(label=_("Unit id"), field_name="unit_id")
    area = django_filters.CharFilter(label=_("Unit code, or a province or district code"), method="filter_area")
    year = YearFilter(label=_("Year"), field_name="year")

    def filter_area(self, queryset, name: str, value: str):
        value = value.strip()
        return queryset.filter(unit_area_q(value)) if value else queryset


class TargetFilterSet(UnitYearFilterSet):
    """Targets by unit, year, metric, basis and scope (year or programme period)."""

    metric = django_filters.ChoiceFilter(label=_("Metric"), choices=Metric.choices)
    basis = django_filters.ChoiceFilter(label=_("Basis"), choices=Basis.choices)
    scope = django_filters.ChoiceFilter(label=_("Scope"), choices=Target.Scope.choices)

    class Meta:
        model = Target
        fields = ["unit", "unit_id", "area", "year", "metric", "basis", "scope"]


class SocioEconomicFigureFilterSet(UnitYearFilterSet):
    metric = django_filters.ChoiceFilter(
        label=_("Metric"), choices=SocioEconomicFigure._meta.get_field("metric").choices
    )

    class Meta:
        model = SocioEconomicFigure
        fields = ["unit", "unit_id", "area", "year", "metric"]


class FundingFilterSet(UnitYearFilterSet):
    source = django_filters.ChoiceFilter(label=_("Source"), choices=FundingSource.choices)

    class Meta:
        model = Funding
        fields = ["unit", "unit_id", "area", "year", "source"]


class DisbursementFilterSet(UnitYearFilterSet):
    capital_type = django_filters.ChoiceFilter(label=_("Capital type"), choices=Disbursement.CapitalType.choices)

    class Meta:
        model = Disbursement
        fields = ["unit", "unit_id", "area", "year", "capital_type"]

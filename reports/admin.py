"""Admin for targets, entered socio-economic figures, funding, contributions in kind and disbursements.

Every list and form is scoped to the user's area (communes.access.area_q on the row's unit), and a
saved row is checked again: nobody records a figure for a unit outside their area. Money is stored
in VND and listed in million VND. Lists load the unit with the rows: a fixed number of queries per page.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.access import area_q, user_area
from communes.admin.forms import version_autocomplete
from communes.admin.units import ProvinceListFilter
from communes.models import Level, Unit
from reports.models import (
    Disbursement,
    Funding,
    InKindContribution,
    Metric,
    SocioEconomicFigure,
    Target,
)
from reports.money import MONEY_UNITS
from reports.selectors import percent

# Levels whose units may hold each kind of row.
TARGET_LEVELS = (Level.PROVINCE, Level.DISTRICT)
MONEY_LEVELS = (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)


def million_vnd(amount_vnd: Decimal | None) -> str:
    """An amount stored in VND shown in million VND with the locale's separators (1.274.790,5)."""
    if amount_vnd is None:
        return "–"
    amount = (amount_vnd / MONEY_UNITS["million"].divisor).quantize(Decimal("0.1"))
    return number_format(amount, decimal_pos=1, force_grouping=True)


class UnitProvinceFilter(ProvinceListFilter):
    """The province of the row's unit (every version of a province code together, the province's own rows too)."""

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        return queryset.filter(
            Q(unit__province__code=self.value()) | Q(unit__level=Level.PROVINCE, unit__code=self.value())
        )


class ScopedForm(forms.ModelForm):
    """A row's unit must lie in the user's area and be of a level that holds such rows."""

    user = None  # set by ScopedAdmin.get_form
    unit_levels: tuple[str, ...] = MONEY_LEVELS

    def clean_unit(self) -> Unit:
        unit = self.cleaned_data["unit"]
        if unit.level not in self.unit_levels:
            raise forms.ValidationError(
                gettext("%(unit)s is a %(level)s unit; choose one of: %(levels)s.")
                % {
                    "unit": unit,
                    "level": Level(unit.level).label,
                    "levels": ", ".join(str(Level(level).label) for level in self.unit_levels),
                }
            )
        if self.user is not None and not user_area(self.user).contains(unit):
            raise forms.ValidationError(gettext("%(unit)s is outside your area.") % {"unit": unit})
        return unit


class TargetForm(ScopedForm):
    unit_levels = TARGET_LEVELS

    class Meta:
        model = Target
        fields = ["unit", "scope", "year", "period_start", "metric", "parameter", "basis", "value", "decision", "note"]

    def clean(self) -> dict:
        cleaned = super().clean()
        scope, year, start = cleaned.get("scope"), cleaned.get("year"), cleaned.get("period_start")
        if scope == Target.Scope.PERIOD:
            if start is None:
                self.add_error("period_start", gettext("A programme-period target needs the period's first year."))
            elif year is not None and start > year:
                self.add_error(
                    "period_start", gettext("The period starts after its last year (%(year)s).") % {"year": year}
                )
        elif scope == Target.Scope.YEAR and start is not None:
            self.add_error("period_start", gettext("Only a programme-period target has a period start."))
        metric, parameter = cleaned.get("metric"), cleaned.get("parameter")
        if metric == Metric.COMMUNES_UNDER and parameter is None:
            self.add_error("parameter", gettext("Give N for “communes under N criteria”."))
        elif metric and metric != Metric.COMMUNES_UNDER and parameter is not None:
            self.add_error("parameter", gettext("Only “communes under N criteria” takes a parameter."))
        return cleaned


class ScopedAdmin(admin.ModelAdmin):
    """Rows of units in the user's area; a save outside it is refused even past the form."""

    list_select_related = ["unit"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(area_q(request.user, "unit__")).select_related("unit")

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # a class made for this request by modelform_factory
        return form

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "unit":
            kwargs["widget"] = version_autocomplete(self.admin_site, "unit", self.model)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not user_area(request.user).contains(obj.unit):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


@admin.register(Target)
class TargetAdmin(ScopedAdmin):
    form = TargetForm
    list_display = ["unit", "scope", "year", "period_start", "metric", "parameter", "basis", "value", "decision"]
    list_filter = ["metric", "basis", "scope", "year", UnitProvinceFilter, "is_demo"]
    search_fields = ["unit__name", "unit__code", "decision"]
    autocomplete_fields = ["unit"]
    ordering = ["-year", "unit__code", "metric"]


class FigureForm(ScopedForm):
    class Meta:
        model = SocioEconomicFigure
        fields = ["unit", "year", "metric", "value", "source"]


@admin.register(SocioEconomicFigure)
class SocioEconomicFigureAdmin(ScopedAdmin):
    form = FigureForm
    list_display = ["unit", "year", "metric", "value", "source"]
    list_filter = ["metric", "year", UnitProvinceFilter, "is_demo"]
    search_fields = ["unit__name", "unit__code", "source"]
    autocomplete_fields = ["unit"]
    ordering = ["-year", "unit__code", "metric"]


class FundingForm(ScopedForm):
    class Meta:
        model = Funding
        fields = ["unit", "year", "source", "amount_vnd", "note"]


@admin.register(Funding)
class FundingAdmin(ScopedAdmin):
    form = FundingForm
    list_display = ["unit", "year", "source", "amount_million", "note"]
    list_filter = ["source", "year", UnitProvinceFilter, "is_demo"]
    search_fields = ["unit__name", "unit__code", "note"]
    autocomplete_fields = ["unit"]
    ordering = ["-year", "unit__code", "source"]

    @admin.display(description=_("amount (million VND)"), ordering="amount_vnd")
    def amount_million(self, obj: Funding) -> str:
        return million_vnd(obj.amount_vnd)


class InKindForm(ScopedForm):
    class Meta:
        model = InKindContribution
        fields = ["unit", "year", "land_m2", "workdays", "description"]


@admin.register(InKindContribution)
class InKindContributionAdmin(ScopedAdmin):
    form = InKindForm
    list_display = ["unit", "year", "land_m2", "workdays", "description"]
    list_filter = ["year", UnitProvinceFilter, "is_demo"]
    search_fields = ["unit__name", "unit__code", "description"]
    autocomplete_fields = ["unit"]
    ordering = ["-year", "unit__code"]


class DisbursementForm(ScopedForm):
    class Meta:
        model = Disbursement
        fields = ["unit", "year", "cutoff_date", "capital_type", "allocated_vnd", "disbursed_vnd"]

    def clean(self) -> dict:
        cleaned = super().clean()
        year, cutoff = cleaned.get("year"), cleaned.get("cutoff_date")
        if year is not None and cutoff is not None and cutoff.year not in (year, year + 1):
            # Year-end figures are often closed in January of the next year; anything else is a typo.
            self.add_error(
                "cutoff_date",
                gettext("A cut-off of %(date)s cannot report the year %(year)s.")
                % {"date": cutoff.strftime("%d/%m/%Y"), "year": year},
            )
        return cleaned


@admin.register(Disbursement)
class DisbursementAdmin(ScopedAdmin):
    form = DisbursementForm
    list_display = ["unit", "year", "cutoff_date", "capital_type", "allocated_million", "disbursed_million", "rate"]
    list_filter = ["capital_type", "year", UnitProvinceFilter, "is_demo"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    ordering = ["-year", "unit__code", "-cutoff_date"]
    date_hierarchy = "cutoff_date"

    @admin.display(description=_("allocated (million VND)"), ordering="allocated_vnd")
    def allocated_million(self, obj: Disbursement) -> str:
        return million_vnd(obj.allocated_vnd)

    @admin.display(description=_("disbursed (million VND)"), ordering="disbursed_vnd")
    def disbursed_million(self, obj: Disbursement) -> str:
        return million_vnd(obj.disbursed_vnd)

    @admin.display(description=_("disbursement rate (%)"))
    def rate(self, obj: Disbursement) -> str:
        value = percent(obj.disbursed_vnd, obj.allocated_vnd)
        return "–" if value is None else number_format(value, decimal_pos=1)

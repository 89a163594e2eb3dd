"""Yearly targets, figures the portal cannot derive, and the money mobilised and disbursed.

Targets name a metric from a fixed catalogue (Metric): the actual of each metric is computed by
reports.selectors from assessments, recognitions and OCOP data, or read from the entered figures.
Money is stored in VND (whole đồng) and shown in million or billion as the reader asks.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    COMMUNES_STANDARD = "communes_standard", _("Communes at NTM standard")
    COMMUNES_ADVANCED = "communes_advanced", _("Communes at advanced NTM")
    COMMUNES_MODEL = "communes_model", _("Communes at model NTM")
    VILLAGES_NTM = "villages_ntm", _("NTM villages")
    VILLAGES_MODEL = "villages_model", _("Model villages")
    DISTRICTS_STANDARD = "districts_standard", _("Districts at NTM standard")
    AVERAGE_CRITERIA = "average_criteria", _("Average criteria met per commune")
    COMMUNES_UNDER = "communes_under", _("Communes under N criteria")
    OCOP_NEW = "ocop_new", _("New OCOP products (3 stars and up)")
    OCOP_FIVE_STAR = "ocop_five_star", _("5-star OCOP products")
    RURAL_INCOME = "rural_income", _("Rural income per person (million VND/year)")
    POVERTY_RATE = "poverty_rate", _("Multidimensional poverty rate (%)")
    HEALTH_INSURANCE = "health_insurance", _("Health-insurance coverage (%)")
    HYGIENIC_WATER = "hygienic_water", _("Households using hygienic water (%)")


# Metrics the portal cannot derive: their actuals come from SocioEconomicFigure rows.
ENTERED_METRICS = {Metric.RURAL_INCOME, Metric.POVERTY_RATE, Metric.HEALTH_INSURANCE, Metric.HYGIENIC_WATER}
# Metrics where a lower actual is better (% of plan is then target / actual).
LOWER_IS_BETTER = {Metric.POVERTY_RATE, Metric.COMMUNES_UNDER}


class Basis(models.TextChoices):
    NEW_IN_YEAR = "flow", _("New in the year")
    CUMULATIVE = "cumulative", _("Cumulative")


class Target(models.Model):
    """A planned value of a metric for a unit (province or district) and a year or programme period."""

    class Scope(models.TextChoices):
        YEAR = "year", _("Year")
        PERIOD = "period", _("Programme period")

    unit = models.ForeignKey("communes.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="targets")
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.YEAR)
    year = models.PositiveSmallIntegerField(_("year"), help_text=_("For a period target: its last year."))
    period_start = models.PositiveSmallIntegerField(_("period start"), null=True, blank=True)
    metric = models.CharField(_("metric"), max_length=24, choices=Metric.choices)
    parameter = models.PositiveSmallIntegerField(
        _("parameter"), null=True, blank=True, help_text=_("N for “communes under N criteria”.")
    )
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    decision = models.CharField(_("decision"), max_length=200, blank=True, help_text=_("The plan it comes from."))
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["unit", "year", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "scope", "year", "metric", "basis"],
                condition=Q(parameter__isnull=True),
                name="target_unique",
                violation_error_message=_("This unit already has a target for that metric, year and basis."),
            ),
            models.UniqueConstraint(
                fields=["unit", "scope", "year", "metric", "basis", "parameter"],
                condition=Q(parameter__isnull=False),
                name="target_unique_with_parameter",
                violation_error_message=_("This unit already has a target for that metric, year and basis."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}: {self.get_metric_display()} = {self.value}"


class SocioEconomicFigure(models.Model):
    """A figure entered per unit and year that the portal cannot derive (income, poverty, coverage)."""

    unit = models.ForeignKey("communes.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="figures")
    year = models.PositiveSmallIntegerField(_("year"))
    metric = models.CharField(
        _("metric"), max_length=24, choices=[(m.value, m.label) for m in Metric if m in ENTERED_METRICS]
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("socio-economic figure")
        verbose_name_plural = _("socio-economic figures")
        ordering = ["unit", "year", "metric"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "metric"], name="figure_unique")]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}: {self.get_metric_display()} = {self.value}"


class FundingSource(models.TextChoices):
    CENTRAL_INVESTMENT = "central_investment", _("Central budget: development investment")
    CENTRAL_RECURRENT = "central_recurrent", _("Central budget: recurrent")
    PROVINCIAL_BUDGET = "provincial_budget", _("Provincial budget")
    DISTRICT_BUDGET = "district_budget", _("District budget")
    COMMUNE_BUDGET = "commune_budget", _("Commune budget")
    INTEGRATED = "integrated", _("Funds integrated from other programmes")
    ENTERPRISES = "enterprises", _("Enterprises and cooperatives")
    COMMUNITY = "community", _("People and community (cash)")
    CREDIT = "credit", _("Credit (outstanding balance, shown separately)")


class Funding(models.Model):
    """Money mobilised for the programme in a unit and year, by source, in VND."""

    unit = models.ForeignKey("communes.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="funding")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=20, choices=FundingSource.choices)
    amount_vnd = models.DecimalField(_("amount (VND)"), max_digits=20, decimal_places=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("funding mobilised")
        verbose_name_plural = _("funding mobilised")
        ordering = ["unit", "year", "source"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "source"], name="funding_unique"),
            models.CheckConstraint(condition=Q(amount_vnd__gte=0), name="funding_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}: {self.get_source_display()}"


class InKindContribution(models.Model):
    """Contributions in kind noted beside the money (land donated, workdays), never added to it."""

    unit = models.ForeignKey(
        "communes.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="in_kind_contributions"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    land_m2 = models.DecimalField(_("land donated (m²)"), max_digits=14, decimal_places=0, null=True, blank=True)
    workdays = models.DecimalField(_("workdays"), max_digits=14, decimal_places=0, null=True, blank=True)
    description = models.TextField(_("other contributions"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("contribution in kind")
        verbose_name_plural = _("contributions in kind")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="inkind_unique")]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}"


class Disbursement(models.Model):
    """Capital allocated and disbursed at a cut-off date, by capital type, in VND."""

    class CapitalType(models.TextChoices):
        INVESTMENT = "investment", _("Development investment")
        RECURRENT = "recurrent", _("Recurrent")

    unit = models.ForeignKey(
        "communes.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="disbursements"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    cutoff_date = models.DateField(_("cut-off date"))
    capital_type = models.CharField(_("capital type"), max_length=10, choices=CapitalType.choices)
    allocated_vnd = models.DecimalField(_("allocated (VND)"), max_digits=20, decimal_places=0)
    disbursed_vnd = models.DecimalField(_("disbursed (VND)"), max_digits=20, decimal_places=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["unit", "year", "cutoff_date"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "cutoff_date", "capital_type"], name="disbursement_unique"),
            models.CheckConstraint(
                condition=Q(allocated_vnd__gte=0) & Q(disbursed_vnd__gte=0), name="disbursement_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year} {self.cutoff_date:%d/%m/%Y}: {self.get_capital_type_display()}"

"""Assessments of a unit (a commune, or a district against the district criteria) for one year.

An assessment holds a value per indicator and a status per criterion. The standing it implies
(criteria met, the mask of met criteria) is derived and *stored* on the assessment, because national
dashboards cannot afford to recount millions of criterion results (shared/PERFORMANCE.md). Only the
services in communes.services.assessments write results, and they keep the stored standing equal to a
recount. Every change is kept by django-simple-history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.querysets import AssessmentQuerySet


class CriterionStatus(models.TextChoices):
    MET = "met", _("Met")
    SUBSTANTIALLY_MET = "substantially_met", _("Substantially met")
    NOT_MET = "not_met", _("Not met")


class Assessment(models.Model):
    """One unit, one year, one criteria set: the criteria it meets and the evidence for them."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")

    unit = models.ForeignKey(
        "communes.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="assessments",
        help_text=_("The version of the commune (or district) in force that year."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    review_date = models.DateField(
        _("review date"),
        null=True,
        blank=True,
        help_text=_("The date the figures refer to; 31/12 of the year if empty."),
    )
    criteria_set = models.ForeignKey(
        "communes.CriteriaSet", verbose_name=_("criteria set"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # Derived standing, written only by communes.services.assessments (a test checks it equals a recount).
    criteria_total = models.PositiveSmallIntegerField(_("number of criteria"), default=0, editable=False)
    met_count = models.PositiveSmallIntegerField(_("criteria met"), default=0, editable=False)
    substantially_met_count = models.PositiveSmallIntegerField(
        _("criteria substantially met"), default=0, editable=False
    )
    met_mask = models.BigIntegerField(
        _("met criteria (bit mask)"), default=0, editable=False, help_text=_("Bit n-1 is set when criterion n is met.")
    )
    # Optimistic concurrency: every save through a service increments it; a stale form is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-year", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="assessment_unique_unit_year",
                violation_error_message=_("This unit already has an assessment for that year."),
            ),
            models.CheckConstraint(
                condition=Q(met_count__lte=models.F("criteria_total")),
                name="assessment_met_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "criteria_set", "met_count"], name="assessment_year_set_met"),
            models.Index(fields=["year", "status"], name="assessment_year_status"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} – {self.year}"

    @property
    def all_met(self) -> bool:
        """Every criterion of the set met ("completed all criteria", not the same as recognised)."""
        return self.criteria_total > 0 and self.met_count == self.criteria_total

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED

    def met_numbers(self) -> list[int]:
        """Numbers of the criteria met, read from the stored mask (no query)."""
        return [n for n in range(1, self.criteria_total + 1) if self.met_mask >> (n - 1) & 1]

    def unmet_numbers(self) -> list[int]:
        return [n for n in range(1, self.criteria_total + 1) if not self.met_mask >> (n - 1) & 1]


class CriterionResult(models.Model):
    """A criterion's status in an assessment: computed from its indicators, or set by hand with a reason."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="criterion_results", verbose_name=_("assessment")
    )
    criterion = models.ForeignKey(
        "communes.Criterion", on_delete=models.PROTECT, related_name="results", verbose_name=_("criterion")
    )
    status = models.CharField(_("status"), max_length=20, choices=CriterionStatus.choices, blank=True)
    is_manual = models.BooleanField(_("set by hand"), default=False)
    manual_reason = models.TextField(_("reason for setting by hand"), blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion result")
        verbose_name_plural = _("criterion results")
        ordering = ["assessment", "criterion__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="criterionresult_unique"),
            models.CheckConstraint(
                condition=Q(is_manual=False) | ~Q(manual_reason=""),
                name="criterionresult_manual_needs_reason",
                violation_error_message=_("A status set by hand needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} – {self.criterion.number}: {self.get_status_display()}"


class IndicatorValue(models.Model):
    """The value entered for one indicator (or one part of a compound indicator) and whether it is met."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("assessment")
    )
    indicator = models.ForeignKey(
        "communes.Indicator", on_delete=models.PROTECT, related_name="values", verbose_name=_("indicator")
    )
    part = models.CharField(_("part of a compound rule"), max_length=100, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=3, null=True, blank=True)
    passed = models.BooleanField(_("met (pass/fail)"), null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    evidence = models.TextField(_("evidence"), blank=True)
    # Computed by the evaluation service against the threshold that applied to this unit and year.
    met = models.BooleanField(_("met"), null=True, editable=False)
    threshold = models.ForeignKey(
        "communes.Threshold",
        verbose_name=_("threshold applied"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["assessment", "indicator__sort_order", "part"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator", "part"], name="indicatorvalue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} – {self.indicator.code}{f' ({self.part})' if self.part else ''}"


class AssessmentTransition(models.Model):
    """A step of the workflow (submit, approve, reopen), with who, when and why."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("assessment")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=Assessment.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=Assessment.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["assessment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.get_from_status_display()} → {self.get_to_status_display()}"

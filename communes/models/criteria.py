"""NTM criteria sets as data: sets, criteria, indicators and their thresholds, plus the classifications
(regions, commune classes, 2026 commune groups) that thresholds are keyed by.

Nothing here is hard-coded in Python: the shipped sets are loaded from communes/data/criteria/ by
``manage.py load_criteria``, and staff correct thresholds in the admin.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communes.querysets import CriteriaSetQuerySet


class Confidence(models.TextChoices):
    """How far a value can be trusted (the marks of shared/domain.md)."""

    VERIFIED = "V", _("Verified against a source")
    GENERAL = "G", _("General knowledge, not re-verified")
    UNSURE = "U", _("Unsure: check against the legal text")


class Classification(models.Model):
    """A class of units that thresholds can depend on.

    Schemes: the seven regions of 1980/QĐ-TTg and 318/QĐ-TTg; commune classes such as especially
    difficult (ĐBKK) or safe-zone (ATK) communes; the commune groups 1/2/3 of 51/2025/QĐ-TTg, whose
    meaning is defined by that set (``criteria_set``), never by the number.
    """

    class Scheme(models.TextChoices):
        REGION = "region", _("Region")
        COMMUNE_CLASS = "commune_class", _("Commune classification")
        COMMUNE_GROUP = "commune_group", _("Commune group (2026–2030)")

    scheme = models.CharField(_("scheme"), max_length=16, choices=Scheme.choices)
    code = models.CharField(_("code"), max_length=20)
    name_vi = models.CharField(_("Vietnamese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("definition"), blank=True)
    criteria_set = models.ForeignKey(
        "CriteriaSet",
        verbose_name=_("defined by criteria set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="classifications",
    )
    uses_thresholds_of = models.ForeignKey(
        "self",
        verbose_name=_("uses the thresholds of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "E.g. under 318/QĐ-TTg especially difficult communes use the Northern Midlands and Mountains values."
        ),
    )

    class Meta:
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")
        ordering = ["scheme", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="classification_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name_vi}"


class UnitClassification(models.Model):
    """A unit's region, class or group over a period (e.g. a commune listed as ĐBKK for 2021–2025).

    A commune without its own row takes its province's region.
    """

    unit = models.ForeignKey(
        "communes.Unit", on_delete=models.CASCADE, related_name="classifications", verbose_name=_("unit")
    )
    classification = models.ForeignKey(
        Classification, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("classification")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("unit classification")
        verbose_name_plural = _("unit classifications")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "classification", "valid_from"], name="unitclassification_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.classification}"

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValidationError({"valid_to": _("The period ends before it starts.")})


class CriteriaSet(models.Model):
    """A set of NTM criteria issued by one legal act, for one level and period."""

    class SetLevel(models.TextChoices):
        COMMUNE = "commune", _("Commune: standard NTM")
        COMMUNE_ADVANCED = "commune_advanced", _("Commune: advanced NTM")
        COMMUNE_MODEL = "commune_model", _("Commune: model NTM")
        COMMUNE_MODERN = "commune_modern", _("Commune: modern NTM (pilot)")
        DISTRICT = "district", _("District")
        VILLAGE = "village", _("Village")
        MODEL_VILLAGE = "village_model", _("Model or smart village")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=SetLevel.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=200, help_text=_("E.g. 1980/QĐ-TTg"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    period_start = models.PositiveSmallIntegerField(_("period start (year)"))
    period_end = models.PositiveSmallIntegerField(_("period end (year)"))
    province = models.ForeignKey(
        "communes.Unit",
        verbose_name=_("province (for a provincial set)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "province"},
    )
    official_criterion_count = models.PositiveSmallIntegerField(_("official number of criteria"))
    official_indicator_count = models.PositiveSmallIntegerField(
        _("official number of indicators"), null=True, blank=True, help_text=_("Empty when not known.")
    )
    amendments = models.TextField(_("amendments"), blank=True, help_text=_("E.g. 211/QĐ-TTg of 01/03/2024."))
    notes = models.TextField(_("notes"), blank=True)

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        ordering = ["level", "period_start", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="criteriaset_period_ordered",
                violation_error_message=_("The period ends before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_vi} ({self.legal_basis})"


class Criterion(models.Model):
    """One numbered criterion (tiêu chí) of a set."""

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("criteria set")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    group = models.CharField(_("group"), max_length=8, blank=True, help_text=_("I–V in the 19-criterion sets."))
    group_name = models.CharField(_("group name"), max_length=200, blank=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    guidance = models.TextField(_("guidance documents"), blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=1, choices=Confidence.choices, default=Confidence.VERIFIED
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["criteria_set", "number"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "number"], name="criterion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name_vi}"


class Indicator(models.Model):
    """One indicator (chỉ tiêu) of a criterion, with how it is compared with its thresholds."""

    class Comparator(models.TextChoices):
        AT_LEAST = "gte", _("at least (≥)")
        AT_MOST = "lte", _("at most (≤)")
        PASS_FAIL = "pass", _("pass / fail")

    # Repeats criterion.criteria_set so that the database can keep codes unique within a set.
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="indicators", editable=False, verbose_name=_("criteria set")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("criterion")
    )
    code = models.CharField(_("code"), max_length=10, help_text=_("E.g. 17.1"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    description_vi = models.TextField(_("Vietnamese description"))
    description_en = models.TextField(_("English description"), blank=True)
    unit = models.CharField(_("unit of measure"), max_length=60, blank=True)
    min_value = models.DecimalField(
        _("lowest possible value"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("E.g. 0 for a rate."),
    )
    max_value = models.DecimalField(
        _("highest possible value"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("E.g. 100 for a rate in %."),
    )
    comparator = models.CharField(_("comparator"), max_length=4, choices=Comparator.choices)
    not_applicable_allowed = models.BooleanField(
        _("may be not applicable"), default=False, help_text=_("Counts as met when the object does not exist.")
    )
    per_sex = models.BooleanField(_("met for each sex separately"), default=False)
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices, default=Confidence.GENERAL)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["criteria_set", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="indicator_unique_code_in_set"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description_vi[:60]}"

    def save(self, *args, **kwargs) -> None:
        self.criteria_set_id = self.criterion.criteria_set_id
        super().save(*args, **kwargs)


class Threshold(models.Model):
    """The value an indicator must reach, for a scope (all units, a region or a group) and optionally a year.

    A compound rule ("≥95% hygienic water, of which ≥60% clean") has one row per ``part``.
    ``value`` is empty for pass/fail indicators and for values nobody has found yet; an empty value
    on a numeric indicator means staff must enter it before the indicator can be checked.
    """

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="thresholds", verbose_name=_("indicator")
    )
    scope = models.ForeignKey(
        Classification,
        verbose_name=_("applies to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="thresholds",
        help_text=_("Empty: every unit (the national value)."),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, help_text=_("Empty: every year."))
    part = models.CharField(_("part of a compound rule"), max_length=100, blank=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3, null=True, blank=True)
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices, default=Confidence.UNSURE)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("threshold")
        verbose_name_plural = _("thresholds")
        ordering = ["indicator", "part", "scope", "year"]

    def __str__(self) -> str:
        scope = self.scope.code if self.scope_id else _("all")
        return f"{self.indicator.code} [{scope}{f' {self.year}' if self.year else ''}] {self.value}"

    @property
    def is_verified(self) -> bool:
        return self.confidence == Confidence.VERIFIED

    def clean(self) -> None:
        duplicate = Threshold.objects.filter(
            indicator_id=self.indicator_id, scope_id=self.scope_id, year=self.year, part=self.part
        ).exclude(pk=self.pk)
        if self.indicator_id and duplicate.exists():
            raise ValidationError(_("This indicator already has a threshold for that scope, year and part."))

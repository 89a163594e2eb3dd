"""Recognition decisions (công nhận), acknowledgements after a merger (thừa nhận) and revocations (thu hồi).

Only a recognition makes a unit "đạt chuẩn"; completing every criterion does not. A status is never
carried across a merger: a merged unit has a recognition only through an explicit acknowledgement.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communes.querysets import RecognitionQuerySet


class RecognitionLevel(models.TextChoices):
    COMMUNE_STANDARD = "commune_standard", _("Commune: standard NTM")
    COMMUNE_ADVANCED = "commune_advanced", _("Commune: advanced NTM")
    COMMUNE_MODEL = "commune_model", _("Commune: model NTM")
    COMMUNE_MODERN = "commune_modern", _("Commune: modern NTM")
    VILLAGE_NTM = "village_ntm", _("Village: NTM")
    VILLAGE_MODEL = "village_model", _("Village: model")
    VILLAGE_SMART = "village_smart", _("Village: smart village")
    DISTRICT_STANDARD = "district_standard", _("District: standard NTM")
    DISTRICT_ADVANCED = "district_advanced", _("District: advanced NTM")
    DISTRICT_MODEL = "district_model", _("District: model NTM")
    DISTRICT_TASK_COMPLETED = "district_task_completed", _("Town or city: completed the NTM task")
    PROVINCE_TASK_COMPLETED = "province_task_completed", _("Province: completed the NTM task")


# Which unit level each recognition level applies to.
RECOGNITION_UNIT_LEVEL: dict[str, str] = {
    RecognitionLevel.COMMUNE_STANDARD: "commune",
    RecognitionLevel.COMMUNE_ADVANCED: "commune",
    RecognitionLevel.COMMUNE_MODEL: "commune",
    RecognitionLevel.COMMUNE_MODERN: "commune",
    RecognitionLevel.VILLAGE_NTM: "village",
    RecognitionLevel.VILLAGE_MODEL: "village",
    RecognitionLevel.VILLAGE_SMART: "village",
    RecognitionLevel.DISTRICT_STANDARD: "district",
    RecognitionLevel.DISTRICT_ADVANCED: "district",
    RecognitionLevel.DISTRICT_MODEL: "district",
    RecognitionLevel.DISTRICT_TASK_COMPLETED: "district",
    RecognitionLevel.PROVINCE_TASK_COMPLETED: "province",
}


class Recognition(models.Model):
    """A decision recognising a unit (the version of its time) at a level, for a standard year."""

    class Kind(models.TextChoices):
        RECOGNITION = "recognition", _("Recognition (công nhận)")
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement after a merger (thừa nhận)")

    unit = models.ForeignKey(
        "communes.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="recognitions"
    )
    level = models.CharField(_("level"), max_length=30, choices=RecognitionLevel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RECOGNITION)
    decision_number = models.CharField(_("decision number"), max_length=60, help_text=_("E.g. 2616/QĐ-UBND"))
    decision_date = models.DateField(_("decision date"))
    issued_by = models.CharField(_("issuing authority"), max_length=200, help_text=_("E.g. UBND tỉnh Bắc Kạn"))
    signer = models.CharField(_("signer"), max_length=200, blank=True)
    standard_year = models.PositiveSmallIntegerField(
        _("standard year"), help_text=_("The year the unit met the standard; may be earlier than the decision.")
    )
    criteria_set = models.ForeignKey(
        "communes.CriteriaSet",
        verbose_name=_("criteria set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    assessment = models.ForeignKey(
        "communes.Assessment",
        verbose_name=_("assessment it rests on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    acknowledges = models.ManyToManyField(
        "self",
        verbose_name=_("recognitions of the merged units it acknowledges"),
        symmetrical=False,
        blank=True,
        related_name="acknowledged_by",
    )
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[acknowledges])
    objects = RecognitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("recognition decision")
        verbose_name_plural = _("recognition decisions")
        ordering = ["-decision_date", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "level", "decision_number"],
                name="recognition_unique_decision",
                violation_error_message=_("This decision is already recorded for this unit and level."),
            ),
        ]
        indexes = [models.Index(fields=["level", "standard_year"], name="recognition_level_year")]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.unit.name} ({self.decision_number})"


class Revocation(models.Model):
    """The decision revoking (thu hồi) a recognition; the recognition no longer counts from its effective date."""

    recognition = models.OneToOneField(
        Recognition, verbose_name=_("recognition"), on_delete=models.CASCADE, related_name="revocation"
    )
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    effective_date = models.DateField(_("effective from"))
    issued_by = models.CharField(_("issuing authority"), max_length=200)
    signer = models.CharField(_("signer"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")

    def __str__(self) -> str:
        return f"{self.decision_number}: {self.recognition}"

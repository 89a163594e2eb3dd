"""OCOP (One Commune One Product): producers, products, rating events and the rules they follow.

The rules are data (rating rule versions with their part maxima; which level may recognise which
stars over which period), loaded by a data migration from the decisions 1048/QĐ-TTg (2019),
148/QĐ-TTg (2023) and 1489/QĐ-TTg (2025). A product's current status is derived from its latest
unexpired recognition; nothing stores "current stars" twice.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from ocop.querysets import ProductQuerySet, RatingEventQuerySet


class RatingRules(models.Model):
    """A version of the rating rules: its legal basis, period and the maximum of each part."""

    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_("E.g. 1048, 148"))
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    max_part_a = models.PositiveSmallIntegerField(_("maximum of part A"))
    max_part_b = models.PositiveSmallIntegerField(_("maximum of part B"))
    max_part_c = models.PositiveSmallIntegerField(_("maximum of part C"))
    certificate_months = models.PositiveSmallIntegerField(_("certificate validity (months)"), default=36)

    class Meta:
        verbose_name = _("rating rules")
        verbose_name_plural = _("rating rules")
        ordering = ["effective_from"]

    def __str__(self) -> str:
        return self.legal_basis


class EvaluatingLevel(models.TextChoices):
    COMMUNE = "commune", _("Commune (pre-assessment)")
    DISTRICT = "district", _("District")
    PROVINCE = "province", _("Province")
    CENTRAL = "central", _("Central (ministry)")


class AuthorityRule(models.Model):
    """Which level could recognise which star ratings over a period (e.g. districts 3★ under 148)."""

    level = models.CharField(_("level"), max_length=10, choices=EvaluatingLevel.choices)
    min_stars = models.PositiveSmallIntegerField(_("from stars"))
    max_stars = models.PositiveSmallIntegerField(_("to stars"))
    valid_from = models.DateField(pgettext_lazy("start of a period", "from"))
    valid_to = models.DateField(pgettext_lazy("end of a period", "until"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200)

    class Meta:
        verbose_name = _("recognising authority rule")
        verbose_name_plural = _("recognising authority rules")
        ordering = ["valid_from", "level"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.min_stars}–{self.max_stars}★ ({self.legal_basis})"


class ProductGroup(models.Model):
    """A product group or subgroup of one rules version; an old (2019) group maps to a 2023 group."""

    rules = models.ForeignKey(
        RatingRules, verbose_name=_("rules version"), on_delete=models.PROTECT, related_name="groups"
    )
    code = models.CharField(_("code"), max_length=30)
    name_vi = models.CharField(_("Vietnamese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("group"), null=True, blank=True, on_delete=models.PROTECT, related_name="subgroups"
    )
    maps_to = models.ForeignKey(
        "self",
        verbose_name=_("corresponds to (newer list)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mapped_from",
    )

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        ordering = ["rules", "code"]
        constraints = [models.UniqueConstraint(fields=["rules", "code"], name="productgroup_unique_code")]

    def __str__(self) -> str:
        return self.name_vi


class Producer(models.Model):
    """An OCOP subject (chủ thể): a cooperative, cooperative group, enterprise or household business."""

    class Kind(models.TextChoices):
        COOPERATIVE = "htx", _("Cooperative (HTX)")
        COOPERATIVE_GROUP = "tht", _("Cooperative group (THT)")
        ENTERPRISE = "dn", _("Enterprise (DN)")
        HOUSEHOLD = "household", _("Household business")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=300)
    registration_code = models.CharField(
        _("registration or tax code"),
        max_length=30,
        blank=True,
        help_text=_("Business or cooperative registration number."),
    )
    commune = models.ForeignKey(
        "communes.Unit",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="ocop_producers",
        help_text=_("The commune-level unit (version of its time) where the producer is based."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    representative = models.CharField(_("representative"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_code"],
                condition=~Q(registration_code=""),
                name="producer_unique_registration",
                violation_error_message=_("A producer with this registration code is already recorded."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product of a producer, in a product group."""

    producer = models.ForeignKey(
        Producer, verbose_name=_("producer"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("name"), max_length=300)
    group = models.ForeignKey(
        ProductGroup, verbose_name=_("product group"), on_delete=models.PROTECT, related_name="products"
    )
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RatingEvent(models.Model):
    """One evaluation of a product: scores per part, total, stars, and the decision and certificate.

    A commune pre-assessment is recorded too but recognises nothing (``level`` commune). Stars are
    derived from the total by the bands 90/70/50/30 and checked by the service; ``valid_until`` is
    the certificate's issue date plus the rules' validity (36 months).
    """

    class Kind(models.TextChoices):
        NEW = "new", _("New")
        RE_RECOGNITION = "re_recognition", _("Re-recognition")
        UPGRADE = "upgrade", _("Upgrade")

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="ratings")
    rules = models.ForeignKey(RatingRules, verbose_name=_("rules version"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("evaluating level"), max_length=10, choices=EvaluatingLevel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NEW)
    score_a = models.DecimalField(_("part A score"), max_digits=5, decimal_places=2)
    score_b = models.DecimalField(_("part B score"), max_digits=5, decimal_places=2)
    score_c = models.DecimalField(_("part C score"), max_digits=5, decimal_places=2)
    total = models.DecimalField(_("total score"), max_digits=5, decimal_places=2)
    stars = models.PositiveSmallIntegerField(_("stars"))
    potential_five_stars = models.BooleanField(
        _("potential 5 stars"),
        default=False,
        help_text=_("Province-level score of 90 or more, awaiting central rating."),
    )
    council = models.CharField(_("evaluation council"), max_length=200, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    issued_by = models.CharField(_("issuing authority"), max_length=200, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    certificate_issued_on = models.DateField(_("certificate issued on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = RatingEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating event")
        verbose_name_plural = _("rating events")
        ordering = ["product", "-decision_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="ratingevent_stars_1_5"),
            models.CheckConstraint(
                condition=Q(certificate_issued_on__isnull=True)
                | Q(decision_date__isnull=True)
                | Q(certificate_issued_on__gte=models.F("decision_date")),
                name="ratingevent_certificate_after_decision",
                violation_error_message=_("The certificate cannot be dated before its decision."),
            ),
        ]
        indexes = [models.Index(fields=["product", "valid_until"], name="rating_product_valid")]

    def __str__(self) -> str:
        return f"{self.product} – {self.stars}★ ({self.decision_number or self.get_level_display()})"

    @property
    def is_recognition(self) -> bool:
        """A decision recognising stars (not a commune pre-assessment, and with a decision)."""
        return self.level != EvaluatingLevel.COMMUNE and bool(self.decision_number)

"""Administrative units of Vietnam as they were at any date.

Every row is one *version* of a unit: its official code, name, kind and parent over a validity period.
A change of name, kind or parent never overwrites a row; it closes the old version and opens a new
one, and a ReorganisationEvent links predecessors to successors. Facts (assessments, recognitions,
producers' addresses) point at the version that existed when they were recorded.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communes.querysets import UnitQuerySet


class Level(models.TextChoices):
    PROVINCE = "province", _("Province level")
    DISTRICT = "district", _("District level")
    COMMUNE = "commune", _("Commune level")
    VILLAGE = "village", _("Village")


class Kind(models.TextChoices):
    # Province level
    PROVINCE = "tinh", _("Province (tỉnh)")
    CENTRAL_CITY = "thanh_pho_tw", _("Centrally-run city")
    # District level (abolished on 1 July 2025)
    RURAL_DISTRICT = "huyen", _("Rural district (huyện)")
    URBAN_DISTRICT = "quan", _("Urban district (quận)")
    DISTRICT_TOWN = "thi_xa", _("District-level town (thị xã)")
    PROVINCIAL_CITY = "thanh_pho", _("Provincial city")
    # Commune level
    COMMUNE = "xa", _("Commune (xã)")
    WARD = "phuong", _("Ward (phường)")
    TOWNLET = "thi_tran", _("Township (thị trấn)")
    SPECIAL_ZONE = "dac_khu", _("Special zone (đặc khu)")
    # Villages and urban neighbourhoods
    VILLAGE = "thon", _("Village (thôn)")
    HAMLET = "ban", _("Hamlet (bản)")
    SOUTHERN_HAMLET = "ap", _("Hamlet (ấp)")
    SMALL_HAMLET = "xom", _("Hamlet (xóm)")
    RESIDENTIAL_GROUP = "to_dan_pho", _("Residential group (tổ dân phố)")


KIND_LEVEL: dict[str, str] = {
    Kind.PROVINCE: Level.PROVINCE,
    Kind.CENTRAL_CITY: Level.PROVINCE,
    Kind.RURAL_DISTRICT: Level.DISTRICT,
    Kind.URBAN_DISTRICT: Level.DISTRICT,
    Kind.DISTRICT_TOWN: Level.DISTRICT,
    Kind.PROVINCIAL_CITY: Level.DISTRICT,
    Kind.COMMUNE: Level.COMMUNE,
    Kind.WARD: Level.COMMUNE,
    Kind.TOWNLET: Level.COMMUNE,
    Kind.SPECIAL_ZONE: Level.COMMUNE,
    Kind.VILLAGE: Level.VILLAGE,
    Kind.HAMLET: Level.VILLAGE,
    Kind.SOUTHERN_HAMLET: Level.VILLAGE,
    Kind.SMALL_HAMLET: Level.VILLAGE,
    Kind.RESIDENTIAL_GROUP: Level.VILLAGE,
}

# Which level a unit's parent has. A commune's parent is a district before 1 July 2025 and the
# province after it; a village's parent is its commune.
PARENT_LEVELS: dict[str, tuple[str, ...]] = {
    Level.PROVINCE: (),
    Level.DISTRICT: (Level.PROVINCE,),
    Level.COMMUNE: (Level.DISTRICT, Level.PROVINCE),
    Level.VILLAGE: (Level.COMMUNE,),
}


class Source(models.TextChoices):
    PACKAGE = "package", _("Loaded from the national unit list")
    MANUAL = "manual", _("Entered by staff")
    IMPORT = "import", _("Imported from a spreadsheet")
    DEMO = "demo", _("Demo data")


def periods_overlap(
    a_from: datetime.date | None,
    a_to: datetime.date | None,
    b_from: datetime.date | None,
    b_to: datetime.date | None,
) -> bool:
    """Whether two closed periods overlap; None means open (unknown start, or still valid)."""
    starts_before_b_ends = a_from is None or b_to is None or a_from <= b_to
    b_starts_before_a_ends = b_from is None or a_to is None or b_from <= a_to
    return starts_before_b_ends and b_starts_before_a_ends


def period_within(
    inner_from: datetime.date | None,
    inner_to: datetime.date | None,
    outer_from: datetime.date | None,
    outer_to: datetime.date | None,
) -> bool:
    """Whether [inner_from, inner_to] lies inside [outer_from, outer_to].

    An unknown start on either side is given the benefit of the doubt: a snapshot unit whose start
    date nobody knows may well have existed as early as the child needs.
    """
    starts_ok = outer_from is None or (inner_from is not None and inner_from >= outer_from)
    ends_ok = outer_to is None or (inner_to is not None and inner_to <= outer_to)
    return starts_ok and ends_ok


class Unit(models.Model):
    """One version of an administrative unit (province, district, commune-level unit or village).

    ``valid_from`` is None when the start is unknown (units loaded from the 30 June 2025 snapshot
    whose creation date no package records); ``valid_to`` is None while the version is in force.
    Both ends are inclusive. ``province`` and ``district`` repeat the ancestors of this version so
    that roll-ups need no recursive joins; they never change for a version, because a change of
    parent makes a new version.
    """

    code = models.CharField(_("official code"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    province = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    district = models.ForeignKey(
        "self",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Leave empty when the start date is not known.")
    )
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty while still in force."))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    is_demo = models.BooleanField(_("demo data"), default=False, db_index=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "code", "valid_from"]
        indexes = [
            models.Index(fields=["level", "code"], name="unit_level_code"),
            models.Index(fields=["province", "level"], name="unit_province_level"),
            models.Index(fields=["valid_to", "valid_from"], name="unit_validity"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="unit_valid_from_before_valid_to",
                violation_error_message=_("The validity period ends before it starts."),
            ),
            models.UniqueConstraint(
                fields=["level", "code", "valid_from"],
                name="unit_unique_version_start",
                violation_error_message=_("A version of this unit already starts on that date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs) -> None:
        # Ancestors are a pure function of the parent row; keep them right whatever path saves.
        self.derive_ancestors()
        super().save(*args, **kwargs)

    # Facts about this row alone: no queries beyond the parent already loaded.

    def is_valid_on(self, date: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= date) and (self.valid_to is None or date <= self.valid_to)

    @property
    def is_rural_commune(self) -> bool:
        """A xã: the kind of unit that counts in the NTM denominator."""
        return self.kind == Kind.COMMUNE

    @property
    def period_label(self) -> str:
        start = self.valid_from.strftime("%d/%m/%Y") if self.valid_from else "?"
        end = self.valid_to.strftime("%d/%m/%Y") if self.valid_to else "…"
        return f"{start} – {end}"

    def derive_ancestors(self) -> None:
        """Set province and district from the parent version (called by clean and by the services)."""
        parent = self.parent
        if parent is None:
            self.province = None
            self.district = None
        elif parent.level == Level.PROVINCE:
            self.province, self.district = parent, None
        elif parent.level == Level.DISTRICT:
            self.province, self.district = parent.province, parent
        else:  # a village under a commune
            self.province, self.district = parent.province, parent.district

    def clean(self) -> None:
        errors: dict[str, list] = {}
        expected_level = KIND_LEVEL.get(self.kind)
        if expected_level is not None and self.level and expected_level != self.level:
            errors.setdefault("kind", []).append(
                _("A %(kind)s is a unit of the %(level)s, not of the %(chosen)s.")
                % {
                    "kind": self.get_kind_display(),
                    "level": Level(expected_level).label,
                    "chosen": Level(self.level).label,
                }
            )
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            errors.setdefault("valid_to", []).append(_("The validity period ends before it starts."))
        if self.level:
            allowed = PARENT_LEVELS[self.level]
            if self.parent is None and allowed:
                errors.setdefault("parent", []).append(_("A unit of this level needs a parent unit."))
            elif self.parent is not None and self.parent.level not in allowed:
                errors.setdefault("parent", []).append(
                    _("The parent of a %(level)s unit cannot be a %(parent_level)s unit.")
                    % {"level": Level(self.level).label, "parent_level": Level(self.parent.level).label}
                )
            elif self.parent is not None and not period_within(
                self.valid_from, self.valid_to, self.parent.valid_from, self.parent.valid_to
            ):
                errors.setdefault("parent", []).append(
                    _(
                        "%(parent)s existed only %(parent_period)s, which does not cover this version's period %(period)s."
                    )
                    % {
                        "parent": self.parent,
                        "parent_period": self.parent.period_label,
                        "period": self.period_label,
                    }
                )
        if self.code and self.level:
            clash = (
                Unit.objects.filter(level=self.level, code=self.code)
                .exclude(pk=self.pk)
                .overlapping(self.valid_from, self.valid_to)
                .first()
            )
            if clash is not None:
                errors.setdefault("valid_from", []).append(
                    _("Another version with code %(code)s (%(name)s, %(period)s) overlaps this validity period.")
                    % {"code": self.code, "name": clash.name, "period": clash.period_label}
                )
        if errors:
            raise ValidationError(errors)
        self.derive_ancestors()

    # Reads across rows live on the QuerySet (communes.querysets); these are conveniences.

    def successors(self, *, as_of: datetime.date | None = None) -> UnitQuerySet:
        return Unit.objects.successors_of(self, as_of=as_of)

    def predecessors(self) -> UnitQuerySet:
        return Unit.objects.predecessors_of(self)


class Province(Unit):
    """Province-level versions, for their own admin page."""

    class Meta:
        proxy = True
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class District(Unit):
    """District-level versions (none after 1 July 2025)."""

    class Meta:
        proxy = True
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class Commune(Unit):
    """Commune-level versions: xã, phường, thị trấn, đặc khu."""

    class Meta:
        proxy = True
        verbose_name = _("commune-level unit")
        verbose_name_plural = _("commune-level units")


class Village(Unit):
    """Villages (thôn, bản, ấp, xóm) and residential groups."""

    class Meta:
        proxy = True
        verbose_name = _("village")
        verbose_name_plural = _("villages")


class ReorganisationEvent(models.Model):
    """A legal act that changed units: a merger, split, rename, reclassification, transfer, abolition."""

    class EventKind(models.TextChoices):
        MERGE = "merge", _("Merger")
        SPLIT = "split", _("Split")
        RENAME = "rename", _("Rename")
        RECLASSIFY = "reclassify", _("Reclassification (e.g. commune to ward or township)")
        TRANSFER = "transfer", _("Transfer to another parent")
        BOUNDARY = "boundary", _("Boundary change")
        ESTABLISH = "establish", _("Establishment")
        ABOLISH = "abolish", _("Abolition (e.g. district level abolished)")

    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    effective_date = models.DateField(_("effective date"), db_index=True)
    legal_basis = models.CharField(
        _("legal basis"), max_length=300, help_text=_("Number and title of the resolution or decision.")
    )
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    is_demo = models.BooleanField(_("demo data"), default=False)
    units = models.ManyToManyField(Unit, through="UnitChange", related_name="events", verbose_name=_("units"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reorganisation event")
        verbose_name_plural = _("reorganisation events")
        ordering = ["-effective_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date:%d/%m/%Y} ({self.legal_basis})"

    def clean_links(self, links: list[UnitChange]) -> None:
        """Check the event's links together: successors start on or after the effective date,
        predecessors existed the day before it. Raises one ValidationError listing every problem."""
        problems = []
        day_before = self.effective_date - datetime.timedelta(days=1)
        for link in links:
            unit = link.unit
            if link.role == UnitChange.Role.SUCCESSOR:
                if unit.valid_from is None or unit.valid_from < self.effective_date:
                    problems.append(
                        _("Successor %(unit)s starts %(start)s, before the event's effective date %(date)s.")
                        % {
                            "unit": unit,
                            "start": unit.valid_from.strftime("%d/%m/%Y")
                            if unit.valid_from
                            else _("at an unknown date"),
                            "date": self.effective_date.strftime("%d/%m/%Y"),
                        }
                    )
            elif not unit.is_valid_on(day_before):
                problems.append(
                    _(
                        "Predecessor %(unit)s did not exist on %(date)s, the day before the event (it existed %(period)s)."
                    )
                    % {"unit": unit, "date": day_before.strftime("%d/%m/%Y"), "period": unit.period_label}
                )
        if (
            not any(link.role == UnitChange.Role.PREDECESSOR for link in links)
            and self.kind != self.EventKind.ESTABLISH
        ):
            problems.append(_("An event needs at least one predecessor unit."))
        if problems:
            raise ValidationError(problems)


class UnitChange(models.Model):
    """One unit's part in a reorganisation event: a predecessor (before) or a successor (after)."""

    class Role(models.TextChoices):
        PREDECESSOR = "predecessor", _("Predecessor")
        SUCCESSOR = "successor", _("Successor")

    event = models.ForeignKey(ReorganisationEvent, on_delete=models.CASCADE, related_name="links")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="changes", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    partial = models.BooleanField(
        _("only part of it"),
        default=False,
        help_text=_("Only part of a predecessor went into this event's successors (it was split)."),
    )

    class Meta:
        verbose_name = _("unit in an event")
        verbose_name_plural = _("units in the event")
        constraints = [
            models.UniqueConstraint(fields=["event", "unit", "role"], name="unitchange_unique_role"),
        ]
        indexes = [models.Index(fields=["unit", "role"], name="unitchange_unit_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.unit}"

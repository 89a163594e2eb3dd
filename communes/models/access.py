"""Who may see and change what: each user's area (a province, district or commune) and role.

Scoping goes through one function, communes.access.area_q; roles map to Django groups whose
permissions are managed in the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCIAL_STAFF = "provincial_staff", _("Provincial coordination staff")
    DISTRICT_OFFICIAL = "district_official", _("District official")
    COMMUNE_STAFF = "commune_staff", _("Commune staff")
    VIEWER = "viewer", _("Viewer")


# The unit level each role's area must have (a viewer may be given any area).
ROLE_AREA_LEVELS: dict[str, tuple[str, ...]] = {
    Role.PROVINCIAL_STAFF: ("province",),
    Role.DISTRICT_OFFICIAL: ("district",),
    Role.COMMUNE_STAFF: ("commune",),
    Role.VIEWER: ("province", "district", "commune"),
}


class Officer(models.Model):
    """Ties a user to the area they work in and their role there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="officer"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        "communes.Unit",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="officers",
        help_text=_("The province, district or commune this person works for."),
    )

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.area.name})"


class ApiToken(models.Model):
    """A token another system uses to call the API: created by an administrator, scoped to an area,
    read-only or read-write, revocable. Only a hash of the key is stored; the key is shown once.

    Requests made with the token act as ``user`` (whose role and area decide what the token may
    touch), narrowed to ``area`` (a unit inside the user's area), and never write when ``read_only``.
    """

    name = models.CharField(
        _("name"), max_length=200, help_text=_("Which system uses it, e.g. “Hệ thống OCOP quốc gia”.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acts as user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    area = models.ForeignKey(
        "communes.Unit", verbose_name=_("area"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    read_only = models.BooleanField(_("read only"), default=True)
    key_prefix = models.CharField(_("key prefix"), max_length=12, db_index=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=128, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

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

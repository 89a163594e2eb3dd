"""Giving a user a role and an area: the Officer row, the matching group, and staff status together."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from communes.access import (
    DATA_ENTRY_ROLES,
    ROLE_GROUP_APP_PERMISSIONS,
    ROLE_GROUP_NAMES,
    ROLE_GROUP_PERMISSIONS,
    user_area_forget,
)
from communes.models import ROLE_AREA_LEVELS, Level, Officer, Role, Unit


def officer_validate(*, role: str, area: Unit) -> None:
    """Check that ``area`` is a unit of the level ``role`` works at; raises a ValidationError keyed by field."""
    if role not in Role.values:
        raise ValidationError({"role": gettext("Unknown role “%(role)s”.") % {"role": role}})
    levels = ROLE_AREA_LEVELS[role]
    if area.level not in levels:
        raise ValidationError(
            {
                "area": gettext(
                    "A user with the role “%(role)s” works for a unit of the %(levels)s; %(area)s is a unit of the %(level)s."
                )
                % {
                    "role": Role(role).label,
                    "levels": ", ".join(str(Level(level).label).lower() for level in levels),
                    "area": area,
                    "level": str(Level(area.level).label).lower(),
                }
            }
        )


def officer_area_resolve(*, role: str, code: str) -> Unit:
    """The unit with official ``code`` at the role's level(s) in force today.

    Versions that have ended (every district, since 1 July 2025) are not guessed: pass the Unit.
    """
    if role not in Role.values:
        raise ValidationError({"role": gettext("Unknown role “%(role)s”.") % {"role": role}})
    matches = list(Unit.objects.filter(code=code, level__in=ROLE_AREA_LEVELS[role]).as_of(timezone.localdate())[:2])
    if len(matches) != 1:
        raise ValidationError(
            {
                "area": gettext(
                    "No single unit with code %(code)s for the role “%(role)s” is in force today; choose the unit version explicitly."
                )
                % {"code": code, "role": Role(role).label}
            }
        )
    return matches[0]


def app_permissions(names: tuple[str, ...]) -> list[Permission]:
    """Permission rows for "app_label.codename" names (one query)."""
    wanted = {tuple(name.split(".", 1)) for name in names}
    rows = Permission.objects.filter(
        content_type__app_label__in={app for app, _code in wanted}, codename__in={code for _app, code in wanted}
    ).select_related("content_type")
    return [row for row in rows if (row.content_type.app_label, row.codename) in wanted]


def role_groups_ensure() -> dict[str, Group]:
    """The role groups by role. Migration 0003 creates them; a database flushed since (transactional
    tests) gets them back here with their default permissions."""
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLE_GROUP_NAMES.values())}
    for role, name in ROLE_GROUP_NAMES.items():
        if name not in groups:
            group = Group.objects.create(name=name)
            group.permissions.set(
                Permission.objects.filter(content_type__app_label="communes", codename__in=ROLE_GROUP_PERMISSIONS[role])
            )
            group.permissions.add(*app_permissions(ROLE_GROUP_APP_PERMISSIONS[role]))
            groups[name] = group
    return {role: groups[name] for role, name in ROLE_GROUP_NAMES.items()}


@transaction.atomic
def officer_assign(*, user: AbstractBaseUser, role: str, area: Unit | str) -> Officer:
    """Give ``user`` the ``role`` in ``area``: the Officer row, exactly the role's group (the other
    role groups are removed; groups outside the roles are left alone), and staff status for the
    roles that enter data (taken away for the others, except from superusers).

    ``area`` is a unit version, taken as given (a district official's district has ended since
    July 2025), or an official code, which means the version of the role's level in force today.
    """
    if isinstance(area, str):
        area = officer_area_resolve(role=role, code=area)
    officer_validate(role=role, area=area)
    officer, _created = Officer.objects.update_or_create(user=user, defaults={"role": role, "area": area})
    groups = role_groups_ensure()
    user.groups.remove(*(group for other, group in groups.items() if other != role))
    user.groups.add(groups[role])
    is_staff = role in DATA_ENTRY_ROLES or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    user_area_forget(user)
    return officer


@transaction.atomic
def officer_remove(*, user: AbstractBaseUser) -> None:
    """Take away the user's role and area: no Officer row, no role group, no staff status (unless superuser)."""
    Officer.objects.filter(user=user).delete()
    user.groups.remove(*role_groups_ensure().values())
    if user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    user_area_forget(user)

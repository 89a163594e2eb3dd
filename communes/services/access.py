"""Giving a user a role and an area: the Officer row, the matching group, and staff status together."""

from __future__ import annotations

import hashlib
import secrets

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
    user_area,
    user_area_forget,
)
from communes.models import ROLE_AREA_LEVELS, ApiToken, Level, Officer, Role, Unit


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


# How many characters of the key are stored in clear to find the token (the rest only as a hash).
API_TOKEN_PREFIX_LENGTH = 8


def api_token_hash(key: str) -> str:
    """The stored hash of an API key. Keys are 40 random bytes, so a plain SHA-256 is enough: there
    is nothing to guess, unlike a password, and a slow hash would only slow every API request."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_validate(*, user: AbstractBaseUser, area: Unit) -> None:
    """Check that a token acting as ``user`` may have ``area``; raises a ValidationError keyed by field."""
    user_area_forget(user)
    if not user.is_active:
        raise ValidationError({"user": gettext("%(user)s is not an active user.") % {"user": user}})
    if area.level == Level.VILLAGE:
        raise ValidationError({"area": gettext("A token's area is a province, district or commune, not a village.")})
    if not user_area(user).contains(area):
        raise ValidationError(
            {"area": gettext("%(area)s is outside the area of %(user)s.") % {"area": area, "user": user}}
        )


@transaction.atomic
def api_token_create(
    *, name: str, user: AbstractBaseUser, area: Unit, read_only: bool, by: AbstractBaseUser | None
) -> tuple[ApiToken, str]:
    """Create a token acting as ``user`` within ``area``; returns the token and its key, which is not
    stored and cannot be shown again. ``area`` must lie inside the user's own area."""
    api_token_validate(user=user, area=area)
    key = secrets.token_urlsafe(40)
    token = ApiToken(
        name=name,
        user=user,
        area=area,
        read_only=read_only,
        key_prefix=key[:API_TOKEN_PREFIX_LENGTH],
        key_hash=api_token_hash(key),
        created_by=by,
    )
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser | None) -> ApiToken:
    """Revoke the token from now on (a revoked token stays listed; revoking twice changes nothing)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token

"""Who may see and do what: each user's area, the one scoping Q, and the action check.

A user's *area* is the set of unit versions they work on. Units are dated versions, so an area is
more than the one version an officer is attached to:

* a provincial officer sees their province version and every province version that went into it
  (today's Thái Nguyên includes the former Bắc Kạn and Thái Nguyên), so the history stays visible;
* a district official sees their district version (and its predecessors) and, because districts were
  abolished on 1 July 2025, the communes in force today that their district's communes became;
* commune staff see their commune, every commune that went into it, and what it became today;
* a viewer sees what an officer of the same level sees; a user without an Officer row sees nothing;
  an active superuser sees everything.

``area_q`` turns the area into one Q over any row with a unit foreign key; every ``for_user()``
QuerySet method goes through it. ``user_can`` adds the role's actions and the Django model
permissions of the role's group (communes.services.access.officer_assign keeps the group in sync).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils import timezone

from communes.models import Level, Officer, Role, Unit
from communes.querysets import MAX_REORGANISATION_DEPTH, successors_in_force

# The Django group each role's users belong to (names of database rows, hence not translated).
ROLE_GROUP_NAMES: dict[str, str] = {
    Role.PROVINCIAL_STAFF: "Provincial staff",
    Role.DISTRICT_OFFICIAL: "District officials",
    Role.COMMUNE_STAFF: "Commune staff",
    Role.VIEWER: "Viewers",
}

# The communes permissions each role's group gets when it is created (migration 0003_role_groups
# holds a frozen copy; a test keeps the two equal). Administrators may change them in the admin.
_REFERENCE_MODELS = (
    "unit",
    "province",
    "district",
    "commune",
    "village",
    "reorganisationevent",
    "unitchange",
    "classification",
    "unitclassification",
    "criteriaset",
    "criterion",
    "indicator",
    "threshold",
)
_FACT_MODELS = (
    "assessment",
    "criterionresult",
    "indicatorvalue",
    "assessmenttransition",
    "recognition",
    "revocation",
    "historicalassessment",
    "historicalcriterionresult",
    "historicalindicatorvalue",
    "historicalrecognition",
    "historicalrevocation",
)
_VIEW_ALL = tuple(f"view_{model}" for model in (*_REFERENCE_MODELS, *_FACT_MODELS))
ROLE_GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.PROVINCIAL_STAFF: (
        *_VIEW_ALL,
        *(
            f"{verb}_{model}"
            for model in ("assessment", "criterionresult", "indicatorvalue", "recognition", "revocation")
            for verb in ("add", "change")
        ),
        "add_assessmenttransition",
    ),
    # Submitting moves the assessment's status: change_assessment, while the role rule forbids entering values.
    Role.DISTRICT_OFFICIAL: (*_VIEW_ALL, "change_assessment", "add_assessmenttransition"),
    Role.COMMUNE_STAFF: (
        *_VIEW_ALL,
        *(
            f"{verb}_{model}"
            for model in ("assessment", "criterionresult", "indicatorvalue")
            for verb in ("add", "change")
        ),
    ),
    Role.VIEWER: _VIEW_ALL,
}

# Permissions of the other apps, as "app_label.codename" (migration reports 0002 holds a frozen copy).
_OCOP_MODELS = ("ratingrules", "authorityrule", "productgroup", "producer", "product", "ratingevent")
_REPORT_MODELS = ("target", "socioeconomicfigure", "funding", "inkindcontribution", "disbursement")
_VIEW_OTHER_APPS = tuple(f"ocop.view_{model}" for model in _OCOP_MODELS) + tuple(
    f"reports.view_{model}" for model in _REPORT_MODELS
)
ROLE_GROUP_APP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.PROVINCIAL_STAFF: (
        *_VIEW_OTHER_APPS,
        *(f"ocop.{verb}_{model}" for model in ("producer", "product", "ratingevent") for verb in ("add", "change")),
        *(f"reports.{verb}_{model}" for model in _REPORT_MODELS for verb in ("add", "change")),
    ),
    Role.DISTRICT_OFFICIAL: _VIEW_OTHER_APPS,
    Role.COMMUNE_STAFF: _VIEW_OTHER_APPS,
    Role.VIEWER: _VIEW_OTHER_APPS,
}

# Roles whose users enter data in the admin and the data-entry screens (they are made staff).
DATA_ENTRY_ROLES: frozenset[str] = frozenset({Role.PROVINCIAL_STAFF, Role.COMMUNE_STAFF})

# What each role may do inside its area. "enter" is creating or editing a draft; whether the
# assessment is still a draft is the workflow service's check, not this one.
ACTIONS: tuple[str, ...] = ("view", "enter", "submit", "approve", "reopen", "record_recognition")
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.PROVINCIAL_STAFF: frozenset(ACTIONS),
    Role.DISTRICT_OFFICIAL: frozenset({"view", "submit"}),
    Role.COMMUNE_STAFF: frozenset({"view", "enter"}),
    Role.VIEWER: frozenset({"view"}),
}

# The Django model permissions an action needs on top of the role rule. Standard permissions only:
# Django recreates them after every migrate or test-database flush. Moving a draft through the
# workflow changes the assessment, hence change_assessment for submit, approve and reopen.
ACTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "view": ("communes.view_assessment",),
    "enter": ("communes.add_assessment", "communes.change_assessment"),
    "submit": ("communes.change_assessment",),
    "approve": ("communes.change_assessment",),
    "reopen": ("communes.change_assessment",),
    "record_recognition": ("communes.add_recognition",),
}

# Attributes that cache a user's officer row and area on the user object, for one request.
OFFICER_CACHE = "_ntm_officer"
AREA_CACHE = "_ntm_area"
# The unit a request's area is narrowed to (an API token's area), set by user_area_narrow.
AREA_NARROWED_TO = "_ntm_area_narrowed_to"

AnyUser = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Area:
    """The unit versions a user works on, as three sets of ids (or everything, for superusers).

    A unit lies in the area when it is one of the ids, or its province is one of ``province_ids``,
    or its district is one of ``district_ids``, or its parent is one of ``commune_ids`` (a village).
    """

    province_ids: frozenset[int] = frozenset()
    district_ids: frozenset[int] = frozenset()
    commune_ids: frozenset[int] = frozenset()
    everything: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.province_ids or self.district_ids or self.commune_ids)

    def q(self, unit_path: str = "unit__") -> Q:
        """Rows whose unit (reached through ``unit_path``; "" for Unit itself) lies in the area."""
        if self.everything:
            return Q()
        ids = self.province_ids | self.district_ids | self.commune_ids
        # An empty id list makes Django skip the query altogether.
        q = Q(**{f"{unit_path}id__in": sorted(ids)})
        if self.province_ids:
            q |= Q(**{f"{unit_path}province_id__in": sorted(self.province_ids)})
        if self.district_ids:
            q |= Q(**{f"{unit_path}district_id__in": sorted(self.district_ids)})
        if self.commune_ids:
            q |= Q(**{f"{unit_path}parent_id__in": sorted(self.commune_ids)})
        return q

    def contains(self, unit: Unit) -> bool:
        """The same test as ``q("")`` on one loaded unit, without a query."""
        if self.everything:
            return True
        return (
            unit.pk in self.province_ids
            or unit.pk in self.district_ids
            or unit.pk in self.commune_ids
            or unit.province_id in self.province_ids
            or unit.district_id in self.district_ids
            or unit.parent_id in self.commune_ids
        )


EMPTY_AREA = Area()
EVERYTHING = Area(everything=True)


def user_officer(user: AnyUser) -> Officer | None:
    """The user's Officer row with its area (one query, cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, OFFICER_CACHE):
        officer = Officer.objects.select_related("area").filter(user_id=user.pk).first()
        setattr(user, OFFICER_CACHE, officer)
    return getattr(user, OFFICER_CACHE)


def user_area(user: AnyUser) -> Area:
    """The user's area, computed with a few queries (one per reorganisation step, never one per
    commune) and cached on the user object, which lives as long as the request."""
    cached = getattr(user, AREA_CACHE, None)
    if cached is not None:
        return cached
    area = _area_compute(user)
    narrowed_to = getattr(user, AREA_NARROWED_TO, None)
    if narrowed_to is not None and not _is_officer_area(user, narrowed_to):
        area = _area_intersect(area, unit_area(narrowed_to))
    if getattr(user, "is_authenticated", False):
        setattr(user, AREA_CACHE, area)
    return area


def _is_officer_area(user: AnyUser, unit: Unit) -> bool:
    """Whether ``unit`` is the area of the user's officer row: narrowing to it changes nothing (the
    usual token), so the area is not computed twice."""
    if user.is_superuser:
        return False
    officer = user_officer(user)
    return officer is not None and officer.area_id == unit.pk


def user_area_narrow(user: AnyUser, unit: Unit) -> None:
    """Narrow the user's area, for this request, to what an officer of ``unit`` would see, within
    the user's own area (an API token scoped to a district of a provincial user). The narrowing
    survives user_area_forget and also binds superusers (user_can checks the area for them too)."""
    user_area_forget(user)
    setattr(user, AREA_NARROWED_TO, unit)


def user_area_forget(user: AnyUser) -> None:
    """Drop the cached officer, area and permissions (after the user's role or area changed)."""
    for attribute in (OFFICER_CACHE, AREA_CACHE, "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def area_q(user: AnyUser, unit_path: str = "unit__") -> Q:
    """Rows whose unit, at ``unit_path`` ("unit__" for assessments and recognitions, "" for Unit),
    lies in the user's area. The one scoping function: every ``for_user()`` goes through it."""
    return user_area(user).q(unit_path)


def user_can(user: AnyUser, action: str, unit: Unit) -> bool:
    """Whether ``user`` may do ``action`` (one of ACTIONS) on facts about ``unit``.

    Three conditions, all needed: the unit lies in the user's area, the role allows the action, and
    the user holds the action's Django permissions (through the role's group). Active superusers
    pass. Whether the assessment's status allows the step is checked by the workflow services.
    """
    if action not in ACTION_PERMISSIONS:
        raise ValueError(f"Unknown action {action!r}; expected one of {', '.join(ACTIONS)}.")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        # Everything, unless the request's area was narrowed (an API token).
        return user_area(user).contains(unit)
    officer = user_officer(user)
    if officer is None or action not in ROLE_ACTIONS.get(officer.role, frozenset()):
        return False
    if not user_area(user).contains(unit):
        return False
    return user.has_perms(ACTION_PERMISSIONS[action])


def _area_compute(user: AnyUser) -> Area:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_AREA
    if user.is_superuser:
        return EVERYTHING
    officer = user_officer(user)
    if officer is None:
        return EMPTY_AREA
    return unit_area(officer.area)


def unit_area(unit: Unit) -> Area:
    """The area of an officer attached to ``unit``."""
    today = timezone.localdate()
    if unit.level == Level.PROVINCE:
        return Area(province_ids=frozenset(_with_predecessors([unit.pk], Level.PROVINCE)))
    if unit.level == Level.DISTRICT:
        district_ids = _with_predecessors([unit.pk], Level.DISTRICT)
        # Districts were abolished: the official still sees what their communes became.
        communes = Unit.objects.communes().filter(district_id__in=district_ids)
        commune_ids = successors_in_force(list(communes.values_list("pk", "valid_from", "valid_to")), today)
        return Area(district_ids=frozenset(district_ids), commune_ids=frozenset(commune_ids))
    if unit.level == Level.COMMUNE:
        commune_ids = _with_predecessors([unit.pk], Level.COMMUNE) | successors_in_force(
            [(unit.pk, unit.valid_from, unit.valid_to)], today
        )
        return Area(commune_ids=frozenset(commune_ids))
    return EMPTY_AREA  # villages are nobody's area (ROLE_AREA_LEVELS)


def _area_intersect(area: Area, narrower: Area) -> Area:
    """The part of ``narrower`` that lies in ``area``: its ids whose unit ``area`` contains (one query).

    Each id of ``narrower`` stands for the unit and what lies under it; a unit inside ``area`` has
    what lies under it inside ``area`` too, so keeping the contained ids is the intersection.
    """
    if area.everything or narrower.is_empty:
        return narrower
    if area.is_empty or narrower.everything:
        return area
    ids = narrower.province_ids | narrower.district_ids | narrower.commune_ids
    kept = set(Unit.objects.filter(area.q(""), pk__in=sorted(ids)).values_list("pk", flat=True).order_by())
    return Area(
        province_ids=narrower.province_ids & kept,
        district_ids=narrower.district_ids & kept,
        commune_ids=narrower.commune_ids & kept,
    )


def _with_predecessors(unit_pks: list[int], level: str) -> set[int]:
    """The units and every unit of ``level`` that went into them, however many reorganisations back.

    Unit.objects.predecessors_of for a whole frontier at once: one query per step back.
    """
    found = set(unit_pks)
    frontier = list(unit_pks)
    for _step in range(MAX_REORGANISATION_DEPTH):
        if not frontier:
            break
        rows = (
            Unit.objects.filter(
                level=level,
                changes__role="predecessor",
                changes__event__links__unit__in=frontier,
                changes__event__links__role="successor",
            )
            .values_list("pk", flat=True)
            .distinct()
            .order_by()
        )
        frontier = [pk for pk in rows if pk not in found]
        found.update(frontier)
    return found

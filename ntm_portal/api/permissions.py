"""Who may call what: tokens, model permissions, the area rules, and the public endpoints.

Reads are scoped by each viewset's queryset (for_user, out-of-area objects are 404). Writes need
the Django model permission of the user's role group and, for the object concerned, the area and
role rule of communes.access.user_can (checked again inside the transaction by the viewset).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from communes.access import user_area, user_can
from communes.models import ApiToken

# The Django permission a write method needs, as DjangoModelPermissions has it.
METHOD_PERMISSIONS: dict[str, str] = {
    "POST": "%(app_label)s.add_%(model_name)s",
    "PUT": "%(app_label)s.change_%(model_name)s",
    "PATCH": "%(app_label)s.change_%(model_name)s",
    "DELETE": "%(app_label)s.delete_%(model_name)s",
}


def request_is_read_only_token(request: Request) -> bool:
    return isinstance(request.auth, ApiToken) and request.auth.read_only


class ApiPermission(permissions.BasePermission):
    """The default permission of every API view.

    * Anonymous callers: only safe methods on views that set ``public = True`` (the OCOP catalogue).
    * Read-only tokens: only safe methods.
    * Writes: the model permission for the method (``action_permissions`` maps an action to other
      permissions, ``permission_model`` names another model), and on an object the area and role
      rule: ``user_can(user, action, unit)`` where the view's ``scope_unit(obj)`` gives the unit and
      the action is ``action_write_actions[view.action]`` or ``write_action``; views without one
      need the unit to lie in the user's area.
    """

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request: Request, view) -> bool:
        safe = request.method in permissions.SAFE_METHODS
        if not (request.user and request.user.is_authenticated):
            return safe and getattr(view, "public", False)
        if safe:
            return True
        if request_is_read_only_token(request):
            self.message = _("This token is read-only: it may only read (GET, HEAD, OPTIONS).")
            return False
        codenames = view_write_permissions(view, request.method)
        if not request.user.has_perms(codenames):
            self.message = _("Your role does not allow this change (missing permission: %(perms)s).") % {
                "perms": ", ".join(codenames)
            }
            return False
        return True

    def has_object_permission(self, request: Request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return object_write_allowed(request, view, obj)


def view_write_permissions(view, method: str) -> list[str]:
    """The Django permissions a write through ``view`` needs (empty when the view sets none)."""
    by_action = getattr(view, "action_permissions", {})
    if getattr(view, "action", None) in by_action:
        return list(by_action[view.action])
    explicit = getattr(view, "write_permissions", None)
    if explicit is not None:
        return list(explicit)
    model = getattr(view, "permission_model", None)
    if model is None:
        queryset = getattr(view, "queryset", None)
        model = queryset.model if queryset is not None else None
    if model is None or method not in METHOD_PERMISSIONS:
        return []
    return [METHOD_PERMISSIONS[method] % {"app_label": model._meta.app_label, "model_name": model._meta.model_name}]


def object_write_allowed(request: Request, view, obj) -> bool:
    """The area (and role) rule for writing ``obj`` through ``view``."""
    scope_unit = getattr(view, "scope_unit", None)
    unit = scope_unit(obj) if scope_unit is not None else None
    if unit is None:
        return True  # reference data without a unit: the model permission decides
    default = getattr(view, "write_action", None)
    action = getattr(view, "action_write_actions", {}).get(getattr(view, "action", None), default)
    if action:
        return user_can(request.user, action, unit)
    return user_area(request.user).contains(unit)

"""Base viewsets: every queryset scoped to the caller's area, writes re-checked inside the
transaction, ETag/If-Match on updates, CSV rendering, search and ordering.

A concrete viewset is mostly declarations (queryset, serializer_class, filterset_class,
``write_action`` and ``scope_unit`` for the area rule).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, filters, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ntm_portal.api.exceptions import PreconditionFailed, PreconditionRequired
from ntm_portal.api.filtering import StrictFilterBackend
from ntm_portal.api.permissions import object_write_allowed
from ntm_portal.api.renderers import ApiCSVRenderer


def if_match_values(request: Request) -> list[str] | None:
    """The entity tags of the If-Match header without quotes and weak markers; None without one."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    values = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        values.append(part.strip('"'))
    return [value for value in values if value]


class ScopedViewSetMixin:
    """Scoping, write checks, concurrency and rendering shared by the two base viewsets.

    * ``get_queryset`` keeps what the caller may see (``queryset.for_user(user)``): outside is 404.
    * ``scope_unit(obj)`` is the unit a write concerns (default: ``obj.<unit_field>``, or the object
      itself when ``unit_field`` is ""); ``write_action`` the communes.access action writes need.
    * Creates and updates run in one transaction that re-checks the saved object is still in the
      caller's scope and allowed; otherwise 403 and nothing is kept.
    * Detail responses carry an ETag (``version`` field, else ``updated_at``); updates with an
      If-Match that does not match get 412; with ``require_if_match`` a missing one gets 428.
    """

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, ApiCSVRenderer]
    # Any id reaches the view, so a malformed one is the API's JSON 404, not the site's HTML page.
    lookup_value_regex = "[^/]+"
    filter_backends = [StrictFilterBackend, filters.SearchFilter, filters.OrderingFilter]
    ordering_fields: tuple[str, ...] | list[str] = ()
    public = False
    unit_field = "unit"
    write_action: str | None = None
    require_if_match = False

    def get_queryset(self):
        return self.scope_queryset(super().get_queryset())

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        # Errors are JSON whatever format was asked for: a client reading CSV still gets a readable error.
        if response.status_code >= 400 and isinstance(getattr(request, "accepted_renderer", None), ApiCSVRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def scope_queryset(self, queryset):
        return queryset.for_user(self.request.user)

    def scope_unit(self, obj: Any):
        if not self.unit_field:
            return obj
        unit = obj
        for part in self.unit_field.split("__"):
            unit = getattr(unit, part, None)
        return unit

    def check_write_scope(self, obj: Any) -> None:
        """Refuse (and so roll back) a write whose object is outside the caller's scope."""
        if not self.scope_queryset(type(obj)._default_manager.all()).filter(pk=obj.pk).exists():
            raise exceptions.PermissionDenied(_("This would place the object outside your area."))
        if not object_write_allowed(self.request, self, obj):
            raise exceptions.PermissionDenied(_("Your role does not allow this change in this area."))

    def perform_create(self, serializer) -> None:
        with transaction.atomic():
            obj = serializer.save()
            self.check_write_scope(obj)

    def perform_update(self, serializer) -> None:
        with transaction.atomic():
            obj = serializer.save()
            self.check_write_scope(obj)

    def object_etag(self, obj: Any) -> str | None:
        version = getattr(obj, "version", None)
        if version is not None:
            return str(version)
        updated_at = getattr(obj, "updated_at", None)
        if updated_at is not None:
            return hashlib.sha256(updated_at.isoformat().encode()).hexdigest()[:20]
        return None

    def check_if_match(self, obj: Any) -> str | None:
        """Compare If-Match with the object's ETag; returns the matched tag (None without one)."""
        etag = self.object_etag(obj)
        wanted = if_match_values(self.request)
        if wanted is None:
            if self.require_if_match:
                raise PreconditionRequired()
            return None
        if etag is None or "*" in wanted:
            return None
        if etag not in wanted:
            raise PreconditionFailed()
        return etag

    def with_etag(self, response: Response, obj: Any) -> Response:
        etag = self.object_etag(obj)
        if etag is not None:
            response["ETag"] = f'"{etag}"'
        return response

    @property
    def if_match_version(self) -> int | None:
        """The version named by If-Match, for services taking ``expected_version``."""
        wanted = if_match_values(self.request) or []
        for value in wanted:
            if value.isdigit():
                return int(value)
        return None


class ScopedReadOnlyModelViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve within the caller's area."""

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        instance = self.get_object()
        return self.with_etag(Response(self.get_serializer(instance).data), instance)


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Create, read, update (If-Match) and delete within the caller's area."""

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        instance = self.get_object()
        return self.with_etag(Response(self.get_serializer(instance).data), instance)

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        self.check_if_match(instance)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        if getattr(instance, "_prefetched_objects_cache", None):
            instance._prefetched_objects_cache = {}
        return self.with_etag(Response(serializer.data), serializer.instance)

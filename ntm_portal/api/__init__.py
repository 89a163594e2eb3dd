"""The REST API at /api/v1/: one router that every app registers its viewsets on, the OpenAPI
schema (/api/v1/schema/) and its interactive documentation (/api/v1/docs/, Swagger UI served
from our own static files).

Each app's ``api.py`` has ``register(router)``. The router is built when the URLconf is loaded (all
apps ready), not when this package is imported: the apps' api modules import ntm_portal.api.viewsets.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

# The URL namespace of the API ("api:unit-list").
API_NAMESPACE = "api"


def router_build() -> DefaultRouter:
    """A router with every app's viewsets (trailing slashes, as the rest of the portal)."""
    from communes import api as communes_api
    from ocop import api as ocop_api
    from reports import api as reports_api

    router = DefaultRouter()
    router.include_format_suffixes = False  # ?format=csv, not /units.csv: ids are matched whole
    for module in (communes_api, ocop_api, reports_api):
        module.register(router)
    return router


def api_urls() -> tuple[list[URLPattern | URLResolver], str]:
    """The URL patterns of /api/v1/ with their namespace, for ``include()``."""
    patterns = [
        path("schema/", SpectacularAPIView.as_view(), name="schema"),
        path("docs/", SpectacularSwaggerView.as_view(url_name=f"{API_NAMESPACE}:schema"), name="docs"),
        path("", include(router_build().urls)),
    ]
    return patterns, API_NAMESPACE

"""Top-level URLs: the admin, the language switch and the apps' pages."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from ntm_portal.api import api_urls

admin.site.site_header = _("NTM Portal administration")
admin.site.site_title = _("NTM Portal")
admin.site.index_title = _("Data management")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_urls())),
    path("ocop/", include("ocop.urls")),
    path("dashboards/", include("reports.urls")),
    path("", include("communes.urls")),
]

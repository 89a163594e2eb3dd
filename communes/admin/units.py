"""Admin for administrative units and reorganisation events.

One list per level (provinces, districts, commune-level units, villages), each a proxy of Unit, plus
"all units" for searching across levels (and for the autocompletes). A version's name, kind and
parent are read-only once saved: a change is a new version, recorded from the unit's page. The
reorganisation event admin lives in communes/admin/reorganisations.py and is registered here.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.admin.forms import UnitForm, UnitVersionForm, kind_choices, version_autocomplete, version_label
from communes.admin.reorganisations import ReorganisationEventAdmin
from communes.models import (
    Commune,
    District,
    Level,
    Province,
    ReorganisationEvent,
    Source,
    Unit,
    UnitChange,
    Village,
)
from communes.services import unit_version_create

ADMIN_MODEL_OF_LEVEL = {
    Level.PROVINCE: "province",
    Level.DISTRICT: "district",
    Level.COMMUNE: "commune",
    Level.VILLAGE: "village",
}


def unit_admin_url(unit: Unit) -> str:
    """The change page of a version in the list of its level."""
    return reverse(f"admin:communes_{ADMIN_MODEL_OF_LEVEL[unit.level]}_change", args=[unit.pk])


class ProvinceListFilter(admin.SimpleListFilter):
    """Provinces by code (every version of a code together), named as their latest version is."""

    title = _("province")
    parameter_name = "province"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        names: dict[str, str] = {}
        rows = (
            Unit.objects.provinces().order_by("code", F("valid_to").desc(nulls_first=True)).values_list("code", "name")
        )
        for code, name in rows:
            names.setdefault(code, name)
        return [(code, f"{code} – {name}") for code, name in names.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(Q(province__code=self.value()) | Q(level=Level.PROVINCE, code=self.value()))
        return queryset


class KindFilter(admin.SimpleListFilter):
    """The kinds of the admin's level only."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return kind_choices(getattr(model_admin, "level", None))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(kind=self.value()) if self.value() else queryset


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("today", _("In force today")),
            ("ended", _("Ended")),
            ("unknown_start", _("Start date unknown")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        if self.value() == "today":
            return queryset.as_of(today)
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=today)
        if self.value() == "unknown_start":
            return queryset.filter(valid_from__isnull=True)
        return queryset


class VersionAutocompleteView(AutocompleteJsonView):
    """The admin's autocomplete with each version's period, so that versions of one unit can be told apart."""

    def serialize_result(self, obj: Unit, to_field_name: str) -> dict[str, str]:
        return {"id": str(getattr(obj, to_field_name)), "text": version_label(obj)}


class UnitAdmin(admin.ModelAdmin):
    """Versions of one level (``level``), or of every level when ``level`` is None."""

    level: str | None = None
    form = UnitForm
    list_display = [
        "code",
        "name",
        "kind",
        "parent",
        "province",
        "valid_from_display",
        "valid_to",
        "source",
        "is_demo",
    ]
    list_select_related = ["parent", "province"]
    list_filter = [ProvinceListFilter, KindFilter, ValidityFilter, "source", "is_demo"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    ordering = ["code", F("valid_from").asc(nulls_first=True)]
    list_per_page = 50
    change_form_template = "admin/communes/unit_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        return qs.filter(level=self.level) if self.level else qs

    @admin.display(description=_("valid from"), ordering="valid_from")
    def valid_from_display(self, obj: Unit) -> str:
        return date_format(obj.valid_from, "SHORT_DATE_FORMAT") if obj.valid_from else gettext("unknown")

    def get_form(self, request: HttpRequest, obj: Unit | None = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.level = self.level
        return form

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "parent":
            kwargs["widget"] = version_autocomplete(self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Unit | None = None):
        identity = ["code", "name", "kind"] + ([] if self.level == Level.PROVINCE else ["parent"])
        fieldsets = [
            (None, {"fields": identity}),
            (_("Validity"), {"fields": ["valid_from", "valid_to"]}),
            (_("Other information"), {"fields": ["latitude", "longitude", "area_km2", "note"]}),
        ]
        if obj is not None:
            ancestors = ["province", "district"] if self.level in (None, Level.COMMUNE, Level.VILLAGE) else []
            fieldsets[0][1]["fields"] = ["level", *identity, *ancestors, "source", "is_demo"]
            fieldsets.append((_("History"), {"fields": ["other_versions", "reorganisation_events"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        if obj is None:
            return []
        return [
            "level",
            "code",
            "name",
            "kind",
            "parent",
            "province",
            "district",
            "source",
            "is_demo",
            "other_versions",
            "reorganisation_events",
        ]

    def save_model(self, request: HttpRequest, obj: Unit, form, change: bool) -> None:
        # A loaded unit that staff corrected (e.g. a start date) becomes theirs, so load_units keeps it.
        if not change or form.has_changed():
            obj.source = Source.MANUAL
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New units are added in the list of their level, which knows the level.
        return self.level is not None and super().has_add_permission(request)

    @admin.display(description=_("other versions with the same code"))
    def other_versions(self, obj: Unit) -> str:
        versions = (
            Unit.objects.filter(level=obj.level, code=obj.code)
            .exclude(pk=obj.pk)
            .select_related("parent")
            .order_by(F("valid_from").asc(nulls_first=True))
        )
        rows = [{"unit": unit, "url": unit_admin_url(unit)} for unit in versions]
        return render_to_string("admin/communes/includes/unit_versions.html", {"rows": rows})

    @admin.display(description=_("reorganisation events"))
    def reorganisation_events(self, obj: Unit) -> str:
        events = (
            ReorganisationEvent.objects.filter(links__unit=obj)
            .distinct()
            .order_by("effective_date", "id")
            .prefetch_related(
                Prefetch(
                    "links", queryset=UnitChange.objects.select_related("unit").order_by("unit__level", "unit__code")
                )
            )
        )
        rows = []
        for event in events:
            links = list(event.links.all())
            rows.append(
                {
                    "event": event,
                    "url": reverse("admin:communes_reorganisationevent_change", args=[event.pk]),
                    "role": next(link.get_role_display() for link in links if link.unit_id == obj.pk),
                    "predecessors": [
                        {"link": link, "url": unit_admin_url(link.unit)}
                        for link in links
                        if link.role == UnitChange.Role.PREDECESSOR
                    ],
                    "successors": [
                        {"link": link, "url": unit_admin_url(link.unit)}
                        for link in links
                        if link.role == UnitChange.Role.SUCCESSOR
                    ],
                }
            )
        return render_to_string("admin/communes/includes/unit_events.html", {"rows": rows})

    # A change of name, kind, parent or code: a new version

    def get_urls(self):
        urls = super().get_urls()
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        extra = [
            path(
                "<path:object_id>/new-version/",
                self.admin_site.admin_view(self.version_view),
                name=f"{name}_new_version",
            )
        ]
        return extra + urls

    def render_change_form(self, request: HttpRequest, context: dict, add=False, change=False, form_url="", obj=None):
        context["can_record_version"] = bool(obj) and self.level is not None and self.version_allowed(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def version_allowed(self, request: HttpRequest, unit: Unit) -> bool:
        return self.has_change_permission(request, unit) and super().has_add_permission(request)

    def version_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        unit = self.get_object(request, unquote(object_id))
        if unit is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.version_allowed(request, unit):
            raise PermissionDenied
        form = UnitVersionForm(request.POST or None, unit=unit, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                new = unit_version_create(
                    unit=unit,
                    effective_date=data["effective_date"],
                    legal_basis=data["legal_basis"],
                    name=data["name"] or None,
                    kind=data["kind"] or None,
                    parent=data.get("parent"),
                    code=data["code"] or None,
                    event_kind=data["event_kind"] or None,
                    description=data["description"],
                )
            except ValidationError as exc:
                fields = {"valid_from": "effective_date", "valid_to": "effective_date"}
                for field, field_messages in exc.message_dict.items():
                    field = fields.get(field, field)
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                self.message_user(
                    request,
                    gettext("Recorded: %(new)s from %(date)s; the earlier version ends the day before.")
                    % {"new": new, "date": date_format(new.valid_from, "SHORT_DATE_FORMAT")},
                    messages.SUCCESS,
                )
                return redirect(unit_admin_url(new))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": unit,
            "form": form,
            "media": self.media + form.media,
            "title": gettext("Record a change of %(unit)s") % {"unit": unit},
        }
        return TemplateResponse(request, "admin/communes/unit_version_form.html", context)


@admin.register(Unit)
class AllUnitsAdmin(UnitAdmin):
    """Every version of every level: search across levels; answers the unit autocompletes."""

    list_display = ["code", "name", "level", "kind", "parent", "province", "valid_from_display", "valid_to", "source"]
    list_filter = ["level", ProvinceListFilter, KindFilter, ValidityFilter, "source", "is_demo"]

    def get_urls(self):
        autocomplete = path(
            "autocomplete/",
            self.admin_site.admin_view(VersionAutocompleteView.as_view(admin_site=self.admin_site)),
            name="communes_unit_autocomplete",
        )
        return [autocomplete, *super().get_urls()]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        if request.GET.get("field_name") == "parent":
            queryset = queryset.exclude(level=Level.VILLAGE)  # a village is nobody's parent
        return super().get_search_results(request, queryset, search_term)


@admin.register(Province)
class ProvinceAdmin(UnitAdmin):
    level = Level.PROVINCE
    list_display = ["code", "name", "kind", "valid_from_display", "valid_to", "source", "is_demo"]
    list_select_related = []
    list_filter = [KindFilter, ValidityFilter, "source", "is_demo"]


@admin.register(District)
class DistrictAdmin(UnitAdmin):
    level = Level.DISTRICT
    list_display = ["code", "name", "kind", "parent", "valid_from_display", "valid_to", "source", "is_demo"]
    list_select_related = ["parent"]


@admin.register(Commune)
class CommuneAdmin(UnitAdmin):
    level = Level.COMMUNE


@admin.register(Village)
class VillageAdmin(UnitAdmin):
    level = Level.VILLAGE


admin.site.register(ReorganisationEvent, ReorganisationEventAdmin)

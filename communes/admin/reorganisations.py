"""Admin for reorganisation events: the events and their unit links, recording a reorganisation
from rows "old unit -> new unit", and importing them from a spreadsheet (with a template).

Registered in communes/admin/units.py with the unit admins.
"""

from __future__ import annotations

import base64

from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import ExtractYear
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.admin.forms import (
    ImportConfirmForm,
    ImportForm,
    ReorganisationForm,
    reorganisation_row_formset,
    version_autocomplete,
)
from communes.imports.reorganisation import reorganisations_import, template_csv, template_xlsx
from communes.models import ReorganisationEvent, Source, UnitChange
from communes.services import ReorganisationReport, reorganisation_apply, row_errors_table

# The previewed file travels back in the confirm form; it must fit in a form post.
ADMIN_IMPORT_MAX_BYTES = 1536 * 1024
ROWS_SHOWN = 4  # empty rows on the record form; "more rows" adds as many again
SUMMARY_UNITS = 4  # units named per side in the change list; the rest are counted


class EffectiveYearFilter(admin.SimpleListFilter):
    """Years in which events took effect (one query for the years present)."""

    title = _("effective date")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        years = (
            ReorganisationEvent.objects.annotate(year=ExtractYear("effective_date"))
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(effective_date__year=self.value()) if self.value() else queryset


class UnitChangeInlineFormSet(BaseInlineFormSet):
    """Checks the links together with the event's date (ReorganisationEvent.clean_links): a successor
    starting before the effective date, or a predecessor not in force the day before, is refused
    with a message naming the unit."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.effective_date is None:
            return
        links = [
            UnitChange(unit=form.cleaned_data["unit"], role=form.cleaned_data["role"])
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("unit")
            and form.cleaned_data.get("role")
        ]
        self.instance.clean_links(links)


class UnitChangeInline(admin.TabularInline):
    model = UnitChange
    formset = UnitChangeInlineFormSet
    fields = ["unit", "unit_period", "role", "partial"]
    readonly_fields = ["unit_period"]
    autocomplete_fields = ["unit"]
    extra = 2

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("unit").order_by("role", "unit__level", "unit__code")

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "unit":
            kwargs["widget"] = version_autocomplete(self.admin_site, "unit", UnitChange)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("validity"))
    def unit_period(self, obj: UnitChange) -> str:
        return obj.unit.period_label if obj.pk else ""


class ReorganisationEventAdmin(admin.ModelAdmin):
    list_display = ["effective_date", "kind", "legal_basis", "units_summary", "source", "is_demo"]
    list_filter = ["kind", EffectiveYearFilter, "source", "is_demo"]
    search_fields = ["legal_basis", "description"]
    list_select_related = []  # no foreign key shown; the units come by one prefetch (get_queryset)
    ordering = ["-effective_date", "id"]
    inlines = [UnitChangeInline]
    fields = ["kind", "effective_date", "legal_basis", "description", "source", "is_demo"]
    readonly_fields = ["source", "is_demo"]
    change_list_template = "admin/communes/reorganisationevent_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        links = UnitChange.objects.select_related("unit").order_by("unit__level", "unit__code")
        return super().get_queryset(request).prefetch_related(Prefetch("links", queryset=links))

    @admin.display(description=_("predecessors → successors"))
    def units_summary(self, obj: ReorganisationEvent) -> str:
        def names(role: str) -> str:
            units = [link.unit.name for link in obj.links.all() if link.role == role]
            shown = ", ".join(units[:SUMMARY_UNITS])
            return shown + (f" (+{len(units) - SUMMARY_UNITS})" if len(units) > SUMMARY_UNITS else "")

        return f"{names(UnitChange.Role.PREDECESSOR) or '–'} → {names(UnitChange.Role.SUCCESSOR) or '–'}"

    def save_model(self, request: HttpRequest, obj: ReorganisationEvent, form, change: bool) -> None:
        # A loaded event that staff corrected (e.g. the resolution number) becomes theirs: load_units
        # leaves rows that are not source="package" alone, so a reload never undoes the correction.
        if not change or form.has_changed():
            obj.source = Source.MANUAL
        super().save_model(request, obj, form, change)

    # Recording from rows, importing a spreadsheet, downloading the template

    def get_urls(self):
        def url(route: str, view, name: str):
            return path(route, self.admin_site.admin_view(view), name=f"communes_reorganisationevent_{name}")

        return [
            url("record/", self.record_view, "record"),
            url("import/", self.import_view, "import"),
            url("import/template/", self.template_view, "import_template"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "can_record": self.record_allowed(request)}
        return super().changelist_view(request, extra_context=extra_context)

    def record_allowed(self, request: HttpRequest) -> bool:
        user = request.user
        return self.has_add_permission(request) and user.has_perms(["communes.add_unit", "communes.change_unit"])

    def context(self, request: HttpRequest, title: str, **values) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "changelist_url": reverse("admin:communes_reorganisationevent_changelist"),
            **values,
        }

    def record_view(self, request: HttpRequest) -> HttpResponse:
        """One reorganisation entered as rows "old unit -> new unit" (communes.services.reorganisation)."""
        if not self.record_allowed(request):
            raise PermissionDenied
        post = request.POST if request.method == "POST" else None
        form = ReorganisationForm(post)
        try:
            extra = int(request.GET.get("rows", ROWS_SHOWN))
        except ValueError:
            extra = ROWS_SHOWN
        formset = reorganisation_row_formset(extra=extra)(post, prefix="rows")
        errors: list[dict] = []
        if post is not None and form.is_valid() and formset.is_valid():
            rows = [row_form.row(number) for number, row_form in enumerate(formset.forms, 1) if row_form.has_changed()]
            data = form.cleaned_data
            report = ReorganisationReport()
            try:
                event = reorganisation_apply(
                    kind=data["kind"],
                    effective_date=data["effective_date"],
                    legal_basis=data["legal_basis"],
                    description=data["description"],
                    rows=rows,
                    source=Source.MANUAL,
                    report=report,
                )
            except ValidationError as exc:
                errors = row_errors_table(exc.error_list)
            else:
                self.message_user(request, self.summary_message(report), messages.SUCCESS)
                return redirect(reverse("admin:communes_reorganisationevent_change", args=[event.pk]))
        context = self.context(
            request,
            gettext("Record a reorganisation"),
            form=form,
            formset=formset,
            more_rows=formset.total_form_count() + ROWS_SHOWN,
            errors=errors,
            media=self.media + form.media,
        )
        return TemplateResponse(request, "admin/communes/reorganisation_record.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload -> preview (a dry run listing what will be created and closed) -> confirm."""
        if not self.record_allowed(request):
            raise PermissionDenied
        upload_form, preview, errors, confirm_form = ImportForm(), None, [], None
        signer = signing.Signer(salt="communes.reorganisation-import")
        if request.method == "POST" and "confirm" in request.POST:
            confirm = ImportConfirmForm(request.POST)
            try:
                encoded = signer.unsign(confirm.data.get("content", ""))
            except signing.BadSignature:
                errors = [{"row": "–", "column": "", "value": "", "reason": gettext("Upload the file again.")}]
            else:
                filename = confirm.data.get("filename", "import.csv")
                result = reorganisations_import(content=base64.b64decode(encoded), filename=filename)
                if result.ok:
                    self.message_user(request, self.summary_message(result.report), messages.SUCCESS)
                    return redirect(reverse("admin:communes_reorganisationevent_changelist"))
                errors = result.error_rows()
        elif request.method == "POST":
            upload_form = ImportForm(request.POST, request.FILES)
            if upload_form.is_valid():
                upload = upload_form.cleaned_data["file"]
                if upload.size > ADMIN_IMPORT_MAX_BYTES:
                    upload_form.add_error(
                        "file",
                        gettext("Files over %(size)s kB go through “manage.py import_reorganisation”.")
                        % {"size": ADMIN_IMPORT_MAX_BYTES // 1024},
                    )
                else:
                    content = upload.read()
                    result = reorganisations_import(content=content, filename=upload.name, dry_run=True)
                    if result.ok:
                        preview = result
                        encoded = base64.b64encode(content).decode("ascii")
                        confirm_form = ImportConfirmForm(
                            initial={"content": signer.sign(encoded), "filename": upload.name}
                        )
                    else:
                        errors = result.error_rows()
        context = self.context(
            request,
            gettext("Import reorganisations from a spreadsheet"),
            upload_form=upload_form,
            preview=preview,
            summary=preview.report.summary() if preview else None,
            lines=preview.report.labelled_lines() if preview else [],
            errors=errors,
            confirm_form=confirm_form,
        )
        return TemplateResponse(request, "admin/communes/reorganisation_import.html", context)

    def template_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.GET.get("format") == "csv":
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
            filename = "mau-sap-xep-don-vi.csv"
        else:
            response = HttpResponse(
                template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            filename = "mau-sap-xep-don-vi.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @staticmethod
    def summary_message(report: ReorganisationReport) -> str:
        return (
            gettext(
                "%(events)s event(s) recorded: %(created)s version(s) created, %(start_known)s start date(s) "
                "now known, %(closed)s version(s) closed, %(followed)s child version(s) following their parent."
            )
            % report.summary()
        )

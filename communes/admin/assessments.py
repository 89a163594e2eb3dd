"""Admin for assessments and recognition decisions, with their history (django-simple-history).

Assessments are read here, not edited: values are entered on the entry screen and the workflow runs
through communes.services.assessments, which keep the stored standing right. Recognitions and
revocations are recorded through communes.services.recognitions, so the consistency rules apply
here too and their errors show beside the field at fault. Reverting to a historical version is
refused for both: it would write past the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from communes.access import user_can
from communes.admin.forms import version_autocomplete
from communes.admin.units import ProvinceListFilter
from communes.bands import Band, band_for, band_q
from communes.models import Assessment, CriterionResult, Recognition, Revocation
from communes.services.recognitions import recognition_check, recognition_record, recognition_revoke, revocation_check


def _add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's errors beside the fields they name (on the form itself for any other key)."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class NoRevertHistoryAdmin(SimpleHistoryAdmin):
    """History visible from the record; reverting to an old version is refused (it would skip the services)."""

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# Assessments


class AssessmentProvinceFilter(ProvinceListFilter):
    """The province of the assessed unit (every version of a province code together)."""

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(unit__province__code=self.value()) if self.value() else queryset


class BandFilter(admin.SimpleListFilter):
    title = _("band")
    parameter_name = "band"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return Band.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(band_q(self.value())) if self.value() in Band.values else queryset


class CriterionResultInline(admin.TabularInline):
    """Each criterion's status, read-only: statuses change on the entry screen."""

    model = CriterionResult
    fields = ["criterion", "status_display", "is_manual", "manual_reason", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Each row's title is str(result), which names the assessment and its unit.
        return super().get_queryset(request).select_related("criterion", "assessment__unit")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("status"))
    def status_display(self, obj: CriterionResult) -> str:
        return obj.get_status_display() if obj.status else gettext("not assessed yet")


@admin.register(Assessment)
class AssessmentAdmin(NoRevertHistoryAdmin):
    list_display = ["unit", "year", "criteria_set", "status", "standing", "band", "version"]
    list_select_related = ["unit", "criteria_set"]
    list_filter = ["year", "status", "criteria_set", AssessmentProvinceFilter, BandFilter]
    search_fields = ["unit__name", "unit__code"]
    ordering = ["-year", "unit__code"]
    list_per_page = 50
    inlines = [CriterionResultInline]
    fields = [
        "entry_screen",
        "unit",
        "year",
        "review_date",
        "criteria_set",
        "status",
        "standing",
        "band",
        "unmet_criteria",
        "substantially_met_count",
        "version",
        "submitted_at",
        "submitted_by",
        "approved_at",
        "approved_by",
        "note",
        "is_demo",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).for_user(request.user)
        return qs.select_related("unit", "criteria_set", "submitted_by", "approved_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # assessments are created on the entry screen

    def has_change_permission(self, request: HttpRequest, obj: Assessment | None = None) -> bool:
        return False  # values on the entry screen, status through the workflow

    def has_delete_permission(self, request: HttpRequest, obj: Assessment | None = None) -> bool:
        if obj is not None and obj.is_locked:
            return False  # an approved assessment is locked; reopen it first
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("criteria met"), ordering="met_count")
    def standing(self, obj: Assessment) -> str:
        return f"{obj.met_count}/{obj.criteria_total}"

    @admin.display(description=_("band"))
    def band(self, obj: Assessment) -> str:
        return band_for(met_count=obj.met_count, criteria_total=obj.criteria_total).label

    @admin.display(description=_("criteria not met"))
    def unmet_criteria(self, obj: Assessment) -> str:
        return ", ".join(str(n) for n in obj.unmet_numbers()) or "–"

    @admin.display(description=_("entry screen"))
    def entry_screen(self, obj: Assessment) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("communes:assessment_entry", args=[obj.pk]),
            gettext("Enter or correct the values"),
        )


# Recognitions


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Revoked")), ("no", _("Not revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(revocation__isnull=self.value() == "no")
        return queryset


class RecognitionForm(forms.ModelForm):
    """A new recognition is checked by the service's rules; a saved one only takes corrections of its
    number, authority, signer and note (the fields the rules do not depend on)."""

    user = None  # set by RecognitionAdmin.get_form

    class Meta:
        model = Recognition
        fields = [
            "unit",
            "level",
            "kind",
            "standard_year",
            "decision_number",
            "decision_date",
            "issued_by",
            "signer",
            "criteria_set",
            "assessment",
            "acknowledges",
            "note",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        required = ["unit", "level", "kind", "standard_year", "decision_date"]
        if self.instance.pk is not None or any(cleaned.get(name) in (None, "") for name in required):
            return cleaned
        if self.user is not None and not user_can(self.user, "record_recognition", cleaned["unit"]):
            self.add_error(
                "unit",
                gettext("You may not record recognition decisions for %(unit)s.") % {"unit": cleaned["unit"]},
            )
            return cleaned
        try:
            recognition_check(
                unit=cleaned["unit"],
                level=cleaned["level"],
                kind=cleaned["kind"],
                decision_date=cleaned["decision_date"],
                standard_year=cleaned["standard_year"],
                criteria_set=cleaned.get("criteria_set"),
                assessment=cleaned.get("assessment"),
                acknowledges=cleaned.get("acknowledges") or (),
            )
        except ValidationError as error:
            _add_errors(self, error)
        return cleaned


class RevocationFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index: int | None) -> dict:
        return {**super().get_form_kwargs(index), "recognition": self.instance}


class RevocationForm(forms.ModelForm):
    class Meta:
        model = Revocation
        fields = ["decision_number", "decision_date", "effective_date", "issued_by", "signer", "reason"]

    def __init__(self, *args, recognition: Recognition, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recognition = recognition

    def clean(self) -> dict:
        cleaned = super().clean()
        if all(cleaned.get(name) is not None for name in ("decision_date", "effective_date", "reason")):
            try:
                revocation_check(
                    recognition=self.recognition,
                    decision_date=cleaned["decision_date"],
                    effective_date=cleaned["effective_date"],
                    reason=cleaned["reason"],
                    revocation=self.instance,
                )
            except ValidationError as error:
                _add_errors(self, error)
        return cleaned


class RevocationInline(admin.StackedInline):
    model = Revocation
    form = RevocationForm
    formset = RevocationFormSet
    extra = 1
    max_num = 1
    can_delete = True


@admin.register(Recognition)
class RecognitionAdmin(NoRevertHistoryAdmin):
    form = RecognitionForm
    list_display = ["unit", "level", "kind", "decision_number", "decision_date", "standard_year", "in_force"]
    list_select_related = ["unit", "revocation"]
    list_filter = ["level", "kind", "standard_year", RevokedFilter, "is_demo"]
    search_fields = ["decision_number", "unit__name", "unit__code"]
    autocomplete_fields = ["unit", "assessment", "acknowledges"]
    ordering = ["-decision_date", "unit__code"]
    list_per_page = 50
    inlines = [RevocationInline]
    # Fields the consistency rules depend on: fixed once recorded (record a new decision instead).
    checked_fields = [
        "unit",
        "level",
        "kind",
        "standard_year",
        "decision_date",
        "criteria_set",
        "assessment",
        "acknowledges",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).for_user(request.user)
        # The change list applies list_select_related only to a queryset without select_related: name all.
        return qs.select_related("unit", "criteria_set", "assessment__unit", "revocation")

    def get_form(self, request: HttpRequest, obj: Recognition | None = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # a class made for this request by modelform_factory
        return form

    def get_inlines(self, request: HttpRequest, obj: Recognition | None) -> list:
        return self.inlines if obj is not None else []  # a revocation is added to a recorded recognition

    def get_readonly_fields(self, request: HttpRequest, obj: Recognition | None = None) -> list[str]:
        if obj is None:
            return []
        return [*self.checked_fields, "is_demo", "created_at"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "unit":
            kwargs["widget"] = version_autocomplete(self.admin_site, "unit", Recognition)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("in force today"), boolean=True)
    def in_force(self, obj: Recognition) -> bool:
        today = timezone.localdate()
        revocation = getattr(obj, "revocation", None)
        return obj.decision_date <= today and (revocation is None or revocation.effective_date > today)

    def save_model(self, request: HttpRequest, obj: Recognition, form: RecognitionForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # corrections of the unchecked fields only
            return
        recognition = recognition_record(
            unit=obj.unit,
            level=obj.level,
            kind=obj.kind,
            decision_number=obj.decision_number,
            decision_date=obj.decision_date,
            issued_by=obj.issued_by,
            signer=obj.signer,
            standard_year=obj.standard_year,
            criteria_set=obj.criteria_set,
            assessment=obj.assessment,
            acknowledges=form.cleaned_data.get("acknowledges") or (),
            note=obj.note,
            by=request.user,
        )
        # The admin goes on with the form's instance (messages, log, redirect): make it the saved row.
        for field in Recognition._meta.concrete_fields:
            setattr(obj, field.attname, getattr(recognition, field.attname))
        obj._state.adding = False
        obj._state.db = recognition._state.db

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        if change:
            form.save_m2m()  # on a new recognition the service has set the acknowledged recognitions
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Revocation:
            super().save_formset(request, form, formset, change)
            return
        revocations = formset.save(commit=False)
        for revocation in formset.deleted_objects:
            revocation.delete()
        for revocation in revocations:
            if revocation.pk is None:
                recognition_revoke(
                    recognition=form.instance,
                    decision_number=revocation.decision_number,
                    decision_date=revocation.decision_date,
                    effective_date=revocation.effective_date,
                    issued_by=revocation.issued_by,
                    signer=revocation.signer,
                    reason=revocation.reason,
                    by=request.user,
                )
            else:
                revocation._history_user = request.user
                revocation.save()

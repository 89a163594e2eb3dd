"""Data-entry pages of one assessment: the entry grid, creating one, the workflow steps, the history.

The views translate HTTP to the assessment services and back. Out-of-area objects are 404 (the
querysets are scoped with ``for_user``); actions the user's role does not allow are 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communes.access import user_can
from communes.bands import band_for
from communes.entry import assessment_entry_grid
from communes.forms import AssessmentCreateForm, AssessmentEntryForm, TransitionForm
from communes.history import assessment_changes
from communes.models import Assessment, Level, Unit
from communes.services.assessments import (
    StaleAssessmentError,
    assessment_approve,
    assessment_create,
    assessment_reopen,
    assessment_save_values,
    assessment_submit,
    criteria_set_in_force,
)

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this assessment since you opened it. Your changes were not saved: "
    "reload the page to see the current values, then enter your changes again."
)


def _assessment_for_user(request: HttpRequest, pk: int) -> Assessment:
    """The assessment with what its header shows, if it lies in the user's area; 404 otherwise."""
    qs = Assessment.objects.for_user(request.user).select_related(
        "unit__district", "unit__province", "criteria_set", "submitted_by", "approved_by"
    )
    return get_object_or_404(qs, pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


@login_required
def assessment_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """The data-entry grid of one commune-year: GET shows it, POST saves the values."""
    assessment = _assessment_for_user(request, pk)
    user = request.user
    can_enter = user_can(user, "enter", assessment.unit)
    read_only = assessment.is_locked or not can_enter
    grid = assessment_entry_grid(assessment=assessment)
    stale = False
    status = 200
    if request.method == "POST":
        if not can_enter:
            raise PermissionDenied
        form = AssessmentEntryForm(request.POST, grid=grid, read_only=read_only)
        if assessment.is_locked:
            messages.error(request, _("This assessment is approved and locked; reopen it to change it."))
            return redirect("communes:assessment_entry", pk=pk)
        if form.is_valid():
            try:
                assessment_save_values(
                    assessment=assessment,
                    expected_version=form.cleaned_data["version"],
                    values=form.indicator_inputs(),
                    overrides=form.criterion_overrides(),
                    note=form.cleaned_data["note"],
                    by=user,
                )
            except StaleAssessmentError:
                stale, status = True, 409
                assessment.refresh_from_db()
            except ValidationError as error:
                form.add_service_errors(error)
                assessment.refresh_from_db()
            else:
                messages.success(request, _("The assessment was saved."))
                return redirect("communes:assessment_entry", pk=pk)
        if not stale:
            messages.error(request, _("Nothing was saved: correct the fields marked below."))
    else:
        form = AssessmentEntryForm(grid=grid, read_only=read_only)
    context = {
        "assessment": assessment,
        "form": form,
        "layout": form.layout(),
        "read_only": read_only,
        "stale": stale,
        "band": band_for(met_count=assessment.met_count, criteria_total=assessment.criteria_total),
        "actions": _allowed_transitions(request, assessment),
    }
    return render(request, "communes/assessment_entry.html", context, status=status)


def _allowed_transitions(request: HttpRequest, assessment: Assessment) -> dict[str, bool]:
    """The workflow buttons shown: the status allows the step and the user's role does."""
    status, unit, user = assessment.status, assessment.unit, request.user
    return {
        "submit": status == Assessment.Status.DRAFT and user_can(user, "submit", unit),
        "approve": status == Assessment.Status.SUBMITTED and user_can(user, "approve", unit),
        "reopen": status != Assessment.Status.DRAFT and user_can(user, "reopen", unit),
    }


@login_required
@require_POST
def assessment_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit, approve or reopen (with a reason) an assessment."""
    assessment = _assessment_for_user(request, pk)
    action = request.POST.get("action", "")
    if action not in TransitionForm.ACTIONS:
        raise PermissionDenied
    if not user_can(request.user, action, assessment.unit):
        raise PermissionDenied
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("communes:assessment_entry", pk=pk)
    version = form.cleaned_data["version"]
    try:
        if action == "submit":
            assessment_submit(assessment=assessment, by=request.user, expected_version=version)
            messages.success(request, _("The assessment was submitted to the province."))
        elif action == "approve":
            assessment_approve(assessment=assessment, by=request.user, expected_version=version)
            messages.success(request, _("The assessment was approved and is now locked."))
        else:
            if assessment.version != version:
                raise StaleAssessmentError(assessment=assessment, expected_version=version)
            assessment_reopen(assessment=assessment, by=request.user, reason=form.cleaned_data["reason"].strip())
            messages.success(request, _("The assessment was reopened as a draft."))
    except StaleAssessmentError:
        messages.error(request, STALE_MESSAGE)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("communes:assessment_entry", pk=pk)


@login_required
def assessment_create_view(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """Create the assessment of a commune for a year (optionally copying last year's values)."""
    units = Unit.objects.for_user(request.user).filter(level__in=[Level.COMMUNE, Level.DISTRICT])
    unit = get_object_or_404(units.select_related("district", "province"), pk=unit_pk)
    if not user_can(request.user, "enter", unit):
        raise PermissionDenied
    try:
        default_year = int(request.GET.get("year", ""))
    except ValueError:
        default_year = timezone.localdate().year
    if request.method == "POST":
        form = AssessmentCreateForm(request.POST)
        if form.is_valid():
            try:
                assessment = assessment_create(
                    unit=unit,
                    year=form.cleaned_data["year"],
                    by=request.user,
                    copy_from_previous=form.cleaned_data["copy_from_previous"],
                )
            except ValidationError as error:
                _add_create_errors(form, error)
            else:
                messages.success(request, _("The assessment was created as a draft."))
                summary = getattr(assessment, "copy_summary", None)
                if summary is not None and summary.message:
                    messages.info(request, summary.message)
                return redirect("communes:assessment_entry", pk=assessment.pk)
    else:
        form = AssessmentCreateForm(initial={"year": default_year, "copy_from_previous": True})
    year = form.cleaned_data.get("year", default_year) if form.is_bound and form.is_valid() else default_year
    existing = Assessment.objects.filter(unit=unit, year=year).first()
    try:
        criteria_set, criteria_set_error = criteria_set_in_force(unit=unit, year=year), ""
    except ValidationError as error:
        criteria_set, criteria_set_error = None, _error_text(error)
    context = {
        "unit": unit,
        "form": form,
        "year": year,
        "existing": existing,
        "criteria_set": criteria_set,
        "criteria_set_error": criteria_set_error,
    }
    return render(request, "communes/assessment_create.html", context)


def _add_create_errors(form: AssessmentCreateForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, messages_ in error.error_dict.items():
            form.add_error(key if key in form.fields else None, messages_)
    else:
        form.add_error(None, error)


@login_required
def assessment_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed which value, when, from what to what; and the workflow steps with their reasons."""
    assessment = _assessment_for_user(request, pk)
    context = {
        "assessment": assessment,
        "changes": assessment_changes(assessment=assessment),
        "transitions": list(assessment.transitions.select_related("by")),
        "entry_url": reverse("communes:assessment_entry", args=[pk]),
    }
    return render(request, "communes/assessment_history.html", context)

"""Forms of the unit and reorganisation admin: unit versions, reorganisation rows, spreadsheet upload."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from communes.models import (
    KIND_LEVEL,
    PARENT_LEVELS,
    Kind,
    ReorganisationEvent,
    Unit,
    UnitChange,
    period_within,
)
from communes.services import ReorganisationRow


def version_label(unit: Unit) -> str:
    """Versions of one unit share name and code; their period tells them apart in choice lists."""
    return f"{unit} · {unit.period_label}"


def kind_choices(level: str | None) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Kind.choices if level is None or KIND_LEVEL[value] == level]


class VersionAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete, answered by the unit admin's own view so that results show each version's period."""

    def get_url(self) -> str:
        return reverse(f"{self.admin_site.name}:communes_unit_autocomplete")


def version_autocomplete(admin_site: admin.AdminSite, field_name: str = "parent", model=Unit) -> AutocompleteSelect:
    return VersionAutocompleteSelect(model._meta.get_field(field_name), admin_site)


class UnitForm(forms.ModelForm):
    """Add or correct one unit version of the admin's level.

    On an existing version only the validity period, coordinates and note can change: a change of
    name, kind or parent is a new version (the admin's "Record a change" page). A new period must
    still hold the unit's children and agree with the events it takes part in.
    """

    level: str | None = None  # set by the ModelAdmin for its level

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "kind",
            "parent",
            "valid_from",
            "valid_to",
            "latitude",
            "longitude",
            "area_km2",
            "note",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and self.level is not None:
            self.instance.level = self.level
        level = self.instance.level or self.level
        if "kind" in self.fields:
            self.fields["kind"].choices = [("", "---------"), *kind_choices(level)]
        if "parent" in self.fields:
            if level and not PARENT_LEVELS[level]:
                del self.fields["parent"]
            elif level:
                self.fields["parent"].queryset = Unit.objects.filter(level__in=PARENT_LEVELS[level])
                self.fields["parent"].label_from_instance = version_label

    def clean(self) -> dict:
        cleaned = super().clean()
        unit = self.instance
        if unit.pk is None or not ({"valid_from", "valid_to"} & set(self.changed_data)):
            return cleaned
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        outside = [
            child
            for child in unit.children.all()
            if not period_within(child.valid_from, child.valid_to, valid_from, valid_to)
        ]
        if outside:
            self.add_error(
                "valid_to" if "valid_to" in self.changed_data else "valid_from",
                _("The period would no longer hold these units under it: %(units)s.")
                % {"units": ", ".join(version_label(child) for child in outside[:10])},
            )
        for link in unit.changes.select_related("event"):
            event = link.event
            if link.role == UnitChange.Role.SUCCESSOR and (valid_from is None or valid_from < event.effective_date):
                self.add_error(
                    "valid_from",
                    _("This version is a successor in “%(event)s”: it must start on or after %(date)s.")
                    % {"event": event, "date": event.effective_date.strftime("%d/%m/%Y")},
                )
            day_before = event.effective_date - datetime.timedelta(days=1)
            if link.role == UnitChange.Role.PREDECESSOR and not period_within(
                day_before, day_before, valid_from, valid_to
            ):
                self.add_error(
                    "valid_to",
                    _("This version is a predecessor in “%(event)s”: it must be in force on %(date)s.")
                    % {"event": event, "date": day_before.strftime("%d/%m/%Y")},
                )
        return cleaned


class UnitVersionForm(forms.Form):
    """A change of name, kind, parent or code from a date: closes the version and opens a new one."""

    effective_date = forms.DateField(label=_("effective date"), widget=AdminDateWidget)
    legal_basis = forms.CharField(label=_("legal basis"), max_length=300)
    event_kind = forms.ChoiceField(
        label=_("kind of change"),
        required=False,
        choices=[
            ("", _("Decide from what changes")),
            *[
                (value, label)
                for value, label in ReorganisationEvent.EventKind.choices
                if value
                in (
                    ReorganisationEvent.EventKind.RENAME,
                    ReorganisationEvent.EventKind.RECLASSIFY,
                    ReorganisationEvent.EventKind.TRANSFER,
                    ReorganisationEvent.EventKind.BOUNDARY,
                )
            ],
        ],
    )
    name = forms.CharField(label=_("new name"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("new kind"), required=False)
    parent = forms.ModelChoiceField(label=_("new parent unit"), queryset=Unit.objects.none(), required=False)
    code = forms.CharField(label=_("new official code"), max_length=12, required=False)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, unit: Unit, admin_site: admin.AdminSite, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["kind"].choices = [("", _("unchanged")), *kind_choices(unit.level)]
        parent_levels = PARENT_LEVELS[unit.level]
        if parent_levels:
            # The widget first: setting the queryset hands the field's choices to the widget.
            self.fields["parent"].widget = version_autocomplete(admin_site)
            self.fields["parent"].queryset = Unit.objects.filter(level__in=parent_levels)
            self.fields["parent"].label_from_instance = version_label
        else:
            del self.fields["parent"]
        self.fields["name"].help_text = _("Leave empty to keep “%(name)s”.") % {"name": unit.name}
        self.fields["code"].help_text = _("Leave empty to keep %(code)s.") % {"code": unit.code}


CODE_INPUT = forms.TextInput(attrs={"size": 7})
NAME_INPUT = forms.TextInput(attrs={"size": 16})


class ReorganisationForm(forms.Form):
    """The legal act of a reorganisation entered in the admin; its rows come from reorganisation_row_formset()."""

    kind = forms.ChoiceField(label=_("kind"), choices=ReorganisationEvent.EventKind.choices)
    effective_date = forms.DateField(label=_("effective date"), widget=AdminDateWidget)
    legal_basis = forms.CharField(label=_("legal basis"), max_length=300)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReorganisationRowForm(forms.Form):
    """One row "old unit -> new unit"; a side may stay empty (establishment, abolition)."""

    old_code = forms.CharField(label=_("old code"), max_length=12, required=False, widget=CODE_INPUT)
    old_name = forms.CharField(label=_("old name"), max_length=200, required=False, widget=NAME_INPUT)
    old_kind = forms.ChoiceField(label=_("old kind"), required=False, choices=[("", "—"), *Kind.choices])
    old_parent_code = forms.CharField(label=_("old parent code"), max_length=12, required=False, widget=CODE_INPUT)
    new_code = forms.CharField(label=_("new code"), max_length=12, required=False, widget=CODE_INPUT)
    new_name = forms.CharField(label=_("new name"), max_length=200, required=False, widget=NAME_INPUT)
    new_kind = forms.ChoiceField(label=_("new kind"), required=False, choices=[("", "—"), *Kind.choices])
    new_parent_code = forms.CharField(label=_("new parent code"), max_length=12, required=False, widget=CODE_INPUT)
    partial = forms.BooleanField(label=_("only part of it"), required=False)

    def row(self, number: int) -> ReorganisationRow:
        data = {key: value.strip() if isinstance(value, str) else value for key, value in self.cleaned_data.items()}
        return ReorganisationRow(**data, number=number)


MAX_FORM_ROWS = 200


def reorganisation_row_formset(*, extra: int) -> type[forms.BaseFormSet]:
    """Rows of a reorganisation; ``extra`` empty rows to fill (more on request)."""
    return forms.formset_factory(
        ReorganisationRowForm, extra=max(1, min(extra, MAX_FORM_ROWS)), max_num=MAX_FORM_ROWS, validate_max=True
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("spreadsheet"),
        help_text=_("A .csv (UTF-8) or .xlsx file, one row per old unit → new unit, with the template's headers."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Use a .csv or .xlsx file."))
        return upload


class ImportConfirmForm(forms.Form):
    """The previewed file, carried back so that confirming applies exactly what was previewed."""

    content = forms.CharField(widget=forms.HiddenInput)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=255)

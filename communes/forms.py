"""Forms of the data-entry screens: the assessment grid, creating an assessment, workflow steps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from communes.entry import EntryCriterion, EntryGrid, EntryGroup, EntryRow, plain_decimal
from communes.models import CriterionStatus
from communes.services.assessments import CriterionOverride, IndicatorInput

PASS_CHOICES = [("", "—"), ("1", _("Pass")), ("0", _("Fail"))]
OVERRIDE_CHOICES = [("", _("Computed from the indicators")), *CriterionStatus.choices]


def _pass_value(value: str) -> bool:
    return value == "1"


@dataclass
class BoundRow:
    """A grid row with its bound form fields (None where the indicator has no such input)."""

    row: EntryRow
    value: forms.BoundField | None
    passed: forms.BoundField | None
    not_applicable: forms.BoundField | None
    evidence: forms.BoundField

    @property
    def input(self) -> forms.BoundField:
        """The field that holds the value (where its errors are shown)."""
        return self.passed if self.row.is_pass_fail else self.value


@dataclass
class BoundCriterion:
    entry: EntryCriterion
    rows: list[BoundRow]
    override_status: forms.BoundField
    override_reason: forms.BoundField


@dataclass
class BoundGroup:
    group: EntryGroup
    criteria: list[BoundCriterion]


class AssessmentEntryForm(forms.Form):
    """One input per indicator (or part), an override per criterion, the note and the loaded version.

    The form only parses input; the assessment service validates ranges, thresholds and the
    workflow, and its errors are put back next to the field at fault (``add_service_errors``).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, grid: EntryGrid, read_only: bool = False, **kwargs) -> None:
        self.grid = grid
        assessment = grid.assessment
        kwargs.setdefault("initial", {}).update({"version": assessment.version, "note": assessment.note})
        super().__init__(*args, **kwargs)
        for row in grid.rows:
            self._add_row_fields(row)
        for entry in grid.criteria:
            self._add_criterion_fields(entry)
        if read_only:
            for form_field in self.fields.values():
                form_field.disabled = True

    def _add_row_fields(self, row: EntryRow) -> None:
        indicator, stored, key = row.indicator, row.stored, row.key
        described_by = {"aria-describedby": f"{key}-threshold"}
        if row.is_pass_fail:
            self.fields[f"{key}-passed"] = forms.TypedChoiceField(
                label=indicator.code,
                choices=PASS_CHOICES,
                coerce=_pass_value,
                empty_value=None,
                required=False,
                widget=forms.Select(attrs={"class": "js-passed", **described_by}),
            )
            if stored is not None and stored.passed is not None:
                self.initial[f"{key}-passed"] = "1" if stored.passed else "0"
        else:
            attrs = {"class": "js-value", "step": "any", **described_by}
            if indicator.min_value is not None:
                attrs["min"] = str(plain_decimal(indicator.min_value))
            if indicator.max_value is not None:
                attrs["max"] = str(plain_decimal(indicator.max_value))
            self.fields[f"{key}-value"] = forms.DecimalField(
                label=indicator.code,
                required=False,
                max_digits=14,
                decimal_places=3,
                widget=forms.NumberInput(attrs=attrs),
            )
            if stored is not None and stored.value is not None:
                self.initial[f"{key}-value"] = plain_decimal(stored.value)
        if indicator.not_applicable_allowed:
            self.fields[f"{key}-na"] = forms.BooleanField(
                label=_("Not applicable"), required=False, widget=forms.CheckboxInput(attrs={"class": "js-na"})
            )
            self.initial[f"{key}-na"] = stored is not None and stored.not_applicable
        self.fields[f"{key}-evidence"] = forms.CharField(
            label=_("Evidence"),
            required=False,
            widget=forms.TextInput(attrs={"placeholder": _("Evidence, source document")}),
        )
        self.initial[f"{key}-evidence"] = stored.evidence if stored is not None else ""

    def _add_criterion_fields(self, entry: EntryCriterion) -> None:
        key = f"c{entry.criterion.pk}"
        self.fields[f"{key}-status"] = forms.ChoiceField(
            label=_("Status set by hand"),
            choices=OVERRIDE_CHOICES,
            required=False,
            widget=forms.Select(attrs={"class": "js-override"}),
        )
        self.fields[f"{key}-reason"] = forms.CharField(
            label=_("Reason"), required=False, widget=forms.TextInput(attrs={"class": "js-override-reason"})
        )
        result = entry.result
        if result is not None and result.is_manual:
            self.initial[f"{key}-status"] = result.status
            self.initial[f"{key}-reason"] = result.manual_reason

    # Reading the input.

    def _row_value(self, row: EntryRow) -> tuple[Decimal | None, bool | None, bool, str]:
        data = self.cleaned_data
        key = row.key
        value = None if row.is_pass_fail else data.get(f"{key}-value")
        passed = data.get(f"{key}-passed") if row.is_pass_fail else None
        return value, passed, bool(data.get(f"{key}-na")), (data.get(f"{key}-evidence") or "").strip()

    def indicator_inputs(self) -> list[IndicatorInput]:
        """Rows with something entered, and rows that had a stored value (so that clearing one is saved)."""
        inputs = []
        for row in self.grid.rows:
            value, passed, not_applicable, evidence = self._row_value(row)
            entered = value is not None or passed is not None or not_applicable or evidence
            if entered or row.stored is not None:
                inputs.append(
                    IndicatorInput(
                        indicator_id=row.indicator.pk,
                        part=row.part,
                        value=value,
                        passed=passed,
                        not_applicable=not_applicable,
                        evidence=evidence,
                    )
                )
        return inputs

    def criterion_overrides(self) -> list[CriterionOverride]:
        """Overrides chosen now, and those stored before (so that going back to "computed" is saved)."""
        overrides = []
        for entry in self.grid.criteria:
            key = f"c{entry.criterion.pk}"
            status = self.cleaned_data.get(f"{key}-status") or ""
            reason = (self.cleaned_data.get(f"{key}-reason") or "").strip()
            was_manual = entry.result is not None and entry.result.is_manual
            if status or reason or was_manual:
                overrides.append(CriterionOverride(criterion_id=entry.criterion.pk, status=status, reason=reason))
        return overrides

    # Showing the service's errors next to the field at fault.

    def add_service_errors(self, error: ValidationError) -> None:
        """Map the service's keys ("indicator:<code>[:<part>]", "criterion:<number>") to form fields."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        rows = {row.error_key: row for row in self.grid.rows}
        first_row = {}
        for row in self.grid.rows:
            first_row.setdefault(f"indicator:{row.indicator.code}", row)
        criteria = {f"criterion:{c.criterion.number}": c for c in self.grid.criteria}
        for key, messages in error.error_dict.items():
            row = rows.get(key) or first_row.get(key)
            if row is not None:
                self.add_error(f"{row.key}-passed" if row.is_pass_fail else f"{row.key}-value", messages)
            elif key in criteria:
                self.add_error(f"c{criteria[key].criterion.pk}-status", messages)
            elif key in self.fields:
                self.add_error(key, messages)
            else:
                self.add_error(None, messages)

    # Layout for the template.

    def layout(self) -> list[BoundGroup]:
        groups = []
        for group in self.grid.groups:
            criteria = []
            for entry in group.criteria:
                rows = []
                for row in entry.rows:
                    key = row.key
                    rows.append(
                        BoundRow(
                            row=row,
                            value=self[f"{key}-value"] if f"{key}-value" in self.fields else None,
                            passed=self[f"{key}-passed"] if f"{key}-passed" in self.fields else None,
                            not_applicable=self[f"{key}-na"] if f"{key}-na" in self.fields else None,
                            evidence=self[f"{key}-evidence"],
                        )
                    )
                key = f"c{entry.criterion.pk}"
                criteria.append(
                    BoundCriterion(
                        entry=entry,
                        rows=rows,
                        override_status=self[f"{key}-status"],
                        override_reason=self[f"{key}-reason"],
                    )
                )
            groups.append(BoundGroup(group=group, criteria=criteria))
        return groups


class AssessmentCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2010, max_value=2100)
    copy_from_previous = forms.BooleanField(
        label=_("Copy from last year"),
        required=False,
        help_text=_("Start from the values entered for the previous year (to be checked and updated)."),
    )


class TransitionForm(forms.Form):
    """A workflow step; reopening an approved or submitted assessment needs a reason."""

    ACTIONS = ("submit", "approve", "reopen")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "reopen" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for reopening."))
        return data

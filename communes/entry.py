"""The data-entry grid of one assessment: its criteria by group, each indicator (or part of a compound
indicator) with the threshold that applies to this commune and year, and what is stored so far.

Built in a fixed number of queries whatever the number of criteria and indicators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Min, Prefetch

from communes.models import Assessment, Criterion, CriterionResult, Indicator, IndicatorValue, Threshold
from communes.services.assessments import thresholds_for


def plain_decimal(value: Decimal | None) -> Decimal | None:
    """Drop trailing zeros (95.000 -> 95, 16.300 -> 16.3) without turning 100 into 1E+2."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


@dataclass
class EntryRow:
    """One input line: an indicator, or one part of a compound indicator."""

    indicator: Indicator
    part: str
    key: str  # the prefix of this row's form fields
    threshold: Threshold | None
    stored: IndicatorValue | None

    @property
    def is_pass_fail(self) -> bool:
        return self.indicator.comparator == Indicator.Comparator.PASS_FAIL

    @property
    def threshold_value(self) -> Decimal | None:
        return plain_decimal(self.threshold.value) if self.threshold is not None else None

    @property
    def threshold_missing(self) -> bool:
        """A numeric indicator whose applicable threshold has no value yet: it cannot be checked."""
        return not self.is_pass_fail and self.threshold_value is None

    @property
    def threshold_unverified(self) -> bool:
        return self.threshold is not None and not self.threshold.is_verified

    @property
    def met(self) -> bool | None:
        return self.stored.met if self.stored is not None else None

    @property
    def state(self) -> str:
        """What the last save found: "empty" (nothing entered), "met", "not-met", or "unchecked" (no threshold)."""
        stored = self.stored
        if stored is None or (stored.value is None and stored.passed is None and not stored.not_applicable):
            return "empty"
        if stored.met is None:
            return "unchecked"
        return "met" if stored.met else "not-met"

    @property
    def error_key(self) -> str:
        """The key the assessment services use for this row in a ValidationError dict."""
        code = f"indicator:{self.indicator.code}"
        return f"{code}:{self.part}" if self.part else code


@dataclass
class EntryCriterion:
    criterion: Criterion
    rows: list[EntryRow]
    result: CriterionResult | None

    @property
    def status(self) -> str:
        return self.result.status if self.result is not None else ""


@dataclass
class EntryGroup:
    code: str
    name: str
    criteria: list[EntryCriterion] = field(default_factory=list)


@dataclass
class EntryGrid:
    assessment: Assessment
    groups: list[EntryGroup]

    @property
    def criteria(self) -> list[EntryCriterion]:
        return [c for group in self.groups for c in group.criteria]

    @property
    def rows(self) -> list[EntryRow]:
        return [row for c in self.criteria for row in c.rows]


def assessment_entry_grid(*, assessment: Assessment) -> EntryGrid:
    """The grid of ``assessment`` (which must have unit and criteria_set loaded)."""
    criteria_set = assessment.criteria_set
    criteria = list(
        Criterion.objects.filter(criteria_set=criteria_set)
        .order_by("number")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("sort_order", "code", "pk")))
    )
    # The parts of compound indicators, in the order their thresholds were loaded.
    parts: dict[int, list[str]] = {}
    part_rows = (
        Threshold.objects.filter(indicator__criteria_set=criteria_set)
        .values("indicator_id", "part")
        .annotate(first=Min("pk"))
        .order_by("first")
    )
    for row in part_rows:
        parts.setdefault(row["indicator_id"], []).append(row["part"])
    applicable = thresholds_for(unit=assessment.unit, criteria_set=criteria_set, year=assessment.year)
    stored_values = {(v.indicator_id, v.part): v for v in IndicatorValue.objects.filter(assessment=assessment)}
    for indicator_id, part in stored_values:
        if part not in parts.setdefault(indicator_id, []):
            parts[indicator_id].append(part)
    results = {r.criterion_id: r for r in CriterionResult.objects.filter(assessment=assessment)}

    groups: list[EntryGroup] = []
    for criterion in criteria:
        rows = []
        for indicator in criterion.indicators.all():
            indicator_parts = parts.get(indicator.pk) or [""]
            # A compound indicator may also have a stored whole-indicator value; keep "" first.
            if "" in indicator_parts:
                indicator_parts = ["", *[p for p in indicator_parts if p]]
            for index, part in enumerate(indicator_parts):
                rows.append(
                    EntryRow(
                        indicator=indicator,
                        part=part,
                        key=f"i{indicator.pk}" if index == 0 else f"i{indicator.pk}p{index}",
                        threshold=applicable.get((indicator.pk, part)),
                        stored=stored_values.get((indicator.pk, part)),
                    )
                )
        if not groups or groups[-1].code != criterion.group:
            groups.append(EntryGroup(code=criterion.group, name=criterion.group_name))
        groups[-1].criteria.append(EntryCriterion(criterion=criterion, rows=rows, result=results.get(criterion.pk)))
    return EntryGrid(assessment=assessment, groups=groups)

"""Demo assessments and recognitions: years of history on the demo province's communes.

Every rural commune of the former Bắc Kạn and Thái Nguyên gets an assessment for 2016–2024 (the
1980/QĐ-TTg set until 2020, 318/QĐ-TTg from 2021), and every commune of today's Thái Nguyên one for
2026 under 51/2025/QĐ-TTg. Each commune has a latent progress that rises over the years (slower in the
mountain province, with a drop when the stricter 2021 set arrives), and a fixed order in which it
tends to meet criteria (income, poverty and environment late; planning and security early).

Values are generated to sit above or below the threshold that applies to the commune, and then
evaluated by the same pure rules the services use (communes.services.assessment_rules), so the stored
standing is what an evaluation gives. Where a criterion cannot be evaluated because a threshold is not
known yet (many 2021–2025 regional values, all 2026–2030 indicators), the demo leaves its indicators
empty and records the status by hand with a reason, as staff would. Rows are written in bulk (no
per-row history: the loader is the author); ``is_demo`` marks every assessment and recognition.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from communes.models import (
    Assessment,
    CriteriaSet,
    Criterion,
    CriterionResult,
    CriterionStatus,
    Indicator,
    IndicatorValue,
    Level,
    RecognitionLevel,
    Unit,
)
from communes.services import assessment_rules as rules
from communes.services.recognitions import recognition_record

SEED = 2016
OLD_YEARS = range(2016, 2025)
NEW_YEAR = 2026
OLD_END = datetime.date(2025, 6, 30)
MANUAL_REASON = "Dữ liệu mẫu: kết quả theo hồ sơ thẩm định; ngưỡng của chỉ tiêu chưa có trong hệ thống."
# Criteria communes tend to meet late (hard) or early (easy), by number in the 19-criterion sets.
_HARD = {10: 3.0, 11: 2.5, 17: 2.5, 2: 2.0, 5: 1.8, 13: 1.6, 14: 1.4, 9: 1.3}
_EASY = {1: 0.2, 19: 0.3, 8: 0.4, 7: 0.5, 12: 0.5, 18: 0.6, 4: 0.6, 3: 0.8}
_AUTHORITY = {"06": "UBND tỉnh Bắc Kạn", "19": "UBND tỉnh Thái Nguyên"}


def demo_assessments_load(
    *, echo: Callable[[str], None] = lambda _msg: None, limit: int | None = None
) -> dict[str, int]:
    """Create the demo assessments and recognitions (idempotent: nothing happens if any exist).

    ``limit`` keeps only the first communes by code of each structure (for tests)."""
    if Assessment.objects.filter(is_demo=True).exists():
        return {"assessments": 0, "recognitions": 0}
    sets = {cs.code: cs for cs in CriteriaSet.objects.filter(province__isnull=True)}
    needed = ("commune-2016-2020", "commune-2021-2025", "commune-2026-2030")
    if any(code not in sets for code in needed):
        echo("Criteria sets are not loaded (manage.py load_criteria): no demo assessments.")
        return {"assessments": 0, "recognitions": 0}
    rng = random.Random(SEED)
    with transaction.atomic():
        old = _communes(valid_to=OLD_END)[:limit]
        new = _communes(valid_from=datetime.date(2025, 7, 1))[:limit]
        assessments = _generate(rng, old, sets, years=OLD_YEARS)
        assessments += _generate(rng, new, sets, years=[NEW_YEAR])
        recognitions = _recognitions(rng, old)
    echo(f"Demo assessments: {assessments}; recognitions: {recognitions}.")
    return {"assessments": assessments, "recognitions": recognitions}


def _communes(**validity) -> list[Unit]:
    from communes.loaders.demo import DEMO_PROVINCE_CODE

    qs = Unit.objects.rural().filter(**validity).select_related("province", "district")
    if "valid_to" in validity:  # the old provinces that went into today's demo province
        new_province = Unit.objects.get(level=Level.PROVINCE, code=DEMO_PROVINCE_CODE, valid_from__isnull=False)
        qs = qs.filter(province__in=Unit.objects.predecessors_of(new_province))
    else:
        qs = qs.filter(province__code=DEMO_PROVINCE_CODE)
    return sorted(qs, key=lambda unit: unit.code)


class _SetData:
    """A criteria set's criteria and indicators, loaded once."""

    def __init__(self, criteria_set: CriteriaSet) -> None:
        self.criteria_set = criteria_set
        self.criteria = list(Criterion.objects.filter(criteria_set=criteria_set).order_by("number"))
        self.indicators = list(Indicator.objects.filter(criteria_set=criteria_set).order_by("sort_order", "code"))
        self.by_criterion: dict[int, list[Indicator]] = defaultdict(list)
        for indicator in self.indicators:
            self.by_criterion[indicator.criterion_id].append(indicator)


def _set_for(year: int, sets: dict[str, CriteriaSet]) -> CriteriaSet:
    if year <= 2020:
        return sets["commune-2016-2020"]
    if year <= 2025:
        return sets["commune-2021-2025"]
    return sets["commune-2026-2030"]


def _generate(rng: random.Random, communes: list[Unit], sets: dict[str, CriteriaSet], *, years) -> int:
    data: dict[int, _SetData] = {}
    threshold_cache: dict[tuple, dict] = {}
    scope_cache: dict[tuple[int, int], list[int]] = {}
    assessments: list[Assessment] = []
    pending: list[tuple[Assessment, list[IndicatorValue], list[CriterionResult]]] = []
    for commune in communes:
        mountain = commune.province.code == "06" or commune.district is None
        start = rng.gauss(7.5 if mountain else 10.5, 2.5)
        pace = rng.uniform(0.8, 1.6) if mountain else rng.uniform(1.0, 1.9)
        order = _criterion_order(rng)
        for year in years:
            criteria_set = _set_for(year, sets)
            if criteria_set.pk not in data:
                data[criteria_set.pk] = _SetData(criteria_set)
            set_data = data[criteria_set.pk]
            total = len(set_data.criteria)
            latent = start + pace * (year - 2016) - (3.0 if year >= 2021 else 0.0)
            if year == NEW_YEAR:  # new, larger communes under a new set start well below the old totals
                latent = rng.uniform(2, 9)
            met_target = max(0, min(total, round(latent * total / 19 + rng.uniform(-1, 1))))
            wanted = {n for n in order[:met_target] if n <= total}
            on = datetime.date(year, 12, 31)
            scope_key = (commune.pk, criteria_set.pk)
            if scope_key not in scope_cache:
                scope_cache[scope_key] = rules.applicable_scopes(unit=commune, criteria_set=criteria_set, on=on)
            scopes = scope_cache[scope_key]
            key = (criteria_set.pk, tuple(scopes), year)
            if key not in threshold_cache:
                rows = rules.threshold_rows(criteria_set=criteria_set, scopes=scopes, year=year)
                threshold_cache[key] = rules.pick_thresholds(list(rows), scopes)
            thresholds = threshold_cache[key]
            assessment = Assessment(
                unit=commune,
                year=year,
                criteria_set=criteria_set,
                status=_status(rng, year),
                is_demo=True,
                note="Dữ liệu mẫu (demo).",
            )
            values, results = _fill(rng, set_data, thresholds, wanted)
            outcome = rules.evaluate(
                criteria=set_data.criteria,
                indicators=set_data.indicators,
                thresholds=thresholds,
                values=values,
                results=results,
            )
            assessment.criteria_total = outcome.criteria_total
            assessment.met_count = outcome.met_count
            assessment.substantially_met_count = outcome.substantially_met_count
            assessment.met_mask = outcome.met_mask
            assessments.append(assessment)
            pending.append((assessment, values, results))
    Assessment.objects.bulk_create(assessments, batch_size=500)
    values_rows, result_rows = [], []
    for assessment, values, results in pending:
        for row in values:
            row.assessment = assessment
        for row in results:
            row.assessment = assessment
        values_rows += values
        result_rows += results
    IndicatorValue.objects.bulk_create(values_rows, batch_size=2000)
    CriterionResult.objects.bulk_create(result_rows, batch_size=2000)
    return len(assessments)


def _criterion_order(rng: random.Random) -> list[int]:
    """The order in which a commune tends to meet the criteria: easy ones first, hard ones last."""
    weight = {n: _HARD.get(n, _EASY.get(n, 1.0)) * rng.uniform(0.5, 1.5) for n in range(1, 20)}
    return sorted(weight, key=weight.get)


def _status(rng: random.Random, year: int) -> str:
    if year <= 2024:
        return Assessment.Status.APPROVED
    return rng.choice([Assessment.Status.DRAFT, Assessment.Status.SUBMITTED])


def _fill(
    rng: random.Random, set_data: _SetData, thresholds: dict, wanted: set[int]
) -> tuple[list[IndicatorValue], list[CriterionResult]]:
    """Indicator values meeting (or, for one indicator at least, failing) the thresholds, or statuses
    set by hand where a criterion cannot be evaluated here."""
    parts = rules.applicable_parts(thresholds)
    values: list[IndicatorValue] = []
    results: list[CriterionResult] = []
    for criterion in set_data.criteria:
        indicators = set_data.by_criterion.get(criterion.pk, [])
        met = criterion.number in wanted
        checkable = bool(indicators) and all(
            indicator.comparator == Indicator.Comparator.PASS_FAIL
            or all(
                thresholds.get((indicator.pk, part)) is not None and thresholds[(indicator.pk, part)].value is not None
                for part in rules.required_parts(indicator, parts)
            )
            for indicator in indicators
        )
        if not checkable:
            status = CriterionStatus.MET if met else _unmet_status(rng)
            results.append(
                CriterionResult(criterion=criterion, status=status, is_manual=True, manual_reason=MANUAL_REASON)
            )
            continue
        failing = set() if met else {rng.randrange(len(indicators))}
        for index, indicator in enumerate(indicators):
            passes = index not in failing
            for part in rules.required_parts(indicator, parts):
                values.append(_value(rng, indicator, thresholds.get((indicator.pk, part)), part, passes))
        results.append(CriterionResult(criterion=criterion))
    return values, results


def _unmet_status(rng: random.Random) -> str:
    return CriterionStatus.SUBSTANTIALLY_MET if rng.random() < 0.3 else CriterionStatus.NOT_MET


def _value(rng: random.Random, indicator: Indicator, threshold, part: str, passes: bool) -> IndicatorValue:
    value = IndicatorValue(indicator=indicator, part=part, evidence="Dữ liệu mẫu")
    if indicator.comparator == Indicator.Comparator.PASS_FAIL:
        value.passed = passes
        return value
    limit = float(threshold.value)
    low, high = rules.value_bounds(indicator)
    spread = max(abs(limit) * 0.15, 1.0)
    above = indicator.comparator == Indicator.Comparator.AT_LEAST
    number = limit + rng.uniform(0, spread) if passes == above else limit - rng.uniform(0.5, spread)
    if low is not None:
        number = max(number, float(low))
    if high is not None:
        number = min(number, float(high))
    # A value clamped onto the limit would flip the outcome: step away from it.
    if passes != (number >= limit if above else number <= limit):
        number = limit - 0.1 if above else limit + 0.1
    value.value = Decimal(f"{number:.1f}")
    return value


def _recognitions(rng: random.Random, communes: list[Unit]) -> int:
    """Standard recognitions in the year after a commune first completed every criterion (standard
    years up to 2024, decided before the old provinces ended), by the province of the time."""
    firsts = (
        Assessment.objects.filter(is_demo=True, unit__in=communes, status=Assessment.Status.APPROVED, year__lte=2024)
        .filter(met_count=F("criteria_total"))
        .order_by("unit_id", "year")
        .select_related("unit__province", "criteria_set")
    )
    seen: set[int] = set()
    count = 0
    numbers = iter(range(101, 100000))
    for assessment in firsts:
        if assessment.unit_id in seen:
            continue
        seen.add(assessment.unit_id)
        commune = assessment.unit
        decision_date = datetime.date(assessment.year + 1, rng.randint(1, 5), rng.randint(1, 28))
        province_code = commune.province.code
        recognition_record(
            unit=commune,
            level=RecognitionLevel.COMMUNE_STANDARD,
            decision_number=f"{next(numbers)}/QĐ-UBND (demo)",
            decision_date=decision_date,
            issued_by=_AUTHORITY.get(province_code, "UBND tỉnh"),
            signer="Chủ tịch UBND tỉnh (demo)",
            standard_year=assessment.year,
            assessment=assessment,
            is_demo=True,
            by=None,
        )
        count += 1
    return count

"""Read and check the criteria files of communes/data/criteria/ (see its README.md for the format).

Every problem is collected with the file, the criterion, indicator or threshold, and the field, so
that one run reports all of them; nothing is written here.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from communes.models import Classification, Confidence, CriteriaSet, Criterion, Indicator, Threshold

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "criteria"
CLASSIFICATIONS_FILE = "classifications.json"

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
INDICATOR_CODE_RE = re.compile(r"^\d+(\.\d+)*$")
# Threshold.value is DecimalField(max_digits=12, decimal_places=3).
VALUE_LIMIT = Decimal(10) ** 9


class CriteriaDataError(Exception):
    """The criteria files are invalid; ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ClassificationRow:
    scheme: str
    code: str
    name_vi: str
    name_en: str
    description: str
    uses_thresholds_of: str | None
    criteria_set: str | None


@dataclass(frozen=True)
class ThresholdRow:
    scope: str | None
    year: int | None
    part: str
    value: Decimal | None
    confidence: str
    note: str

    def label(self, indicator_code: str) -> str:
        scope = self.scope or _("national")
        bits = [scope] + ([str(self.year)] if self.year else []) + ([self.part] if self.part else [])
        return f"{indicator_code} [{', '.join(bits)}]"


@dataclass
class IndicatorRow:
    code: str
    sort_order: int
    description_vi: str
    description_en: str
    unit: str
    comparator: str
    not_applicable_allowed: bool
    per_sex: bool
    confidence: str
    note: str
    thresholds: list[ThresholdRow]


@dataclass
class CriterionRow:
    number: int
    group: str
    group_name: str
    name_vi: str
    name_en: str
    guidance: str
    confidence: str
    indicators: list[IndicatorRow]


@dataclass
class SetRow:
    file: str
    code: str
    name_vi: str
    name_en: str
    level: str
    legal_basis: str
    issued_on: datetime.date | None
    effective_from: datetime.date | None
    period_start: int
    period_end: int
    official_criterion_count: int
    official_indicator_count: int | None
    complete: bool
    amendments: str
    notes: str
    criteria: list[CriterionRow]

    def header(self) -> dict[str, Any]:
        """The CriteriaSet fields this row sets."""
        return {
            "name_vi": self.name_vi,
            "name_en": self.name_en,
            "level": self.level,
            "legal_basis": self.legal_basis,
            "issued_on": self.issued_on,
            "effective_from": self.effective_from,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "official_criterion_count": self.official_criterion_count,
            "official_indicator_count": self.official_indicator_count,
            "amendments": self.amendments,
            "notes": self.notes,
        }


@dataclass
class CriteriaFiles:
    classifications: list[ClassificationRow]
    sets: list[SetRow]


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


class _Checker:
    """Reads the fields of one file, collecting every problem with where it was found."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[str] = []

    def error(self, where: str, name: str | None, message: str) -> None:
        if name is None:
            self.errors.append(f"{self.file}: {where}: {message}" if where else f"{self.file}: {message}")
        else:
            prefix = f"{self.file}: {where}: " if where else f"{self.file}: "
            self.errors.append(prefix + _("field '%(field)s': %(message)s") % {"field": name, "message": message})

    def mapping(
        self, value: Any, where: str, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(where, None, _("expected an object"))
            return None
        for name in value:
            if name not in required and name not in optional:
                allowed = ", ".join((*required, *optional))
                self.error(where, name, _("unknown field (allowed: %(allowed)s)") % {"allowed": allowed})
        for name in required:
            if name not in value:
                self.error(where, name, _("required field is missing"))
        return value

    # The readers below return a neutral value for an absent field: mapping() has already reported
    # a missing required field, and an absent optional field takes its default.

    def text(self, data: dict, name: str, where: str, *, max_length: int | None = None, blank: bool = True) -> str:
        if name not in data:
            return ""
        value = data[name]
        if value is None and blank:
            return ""
        if not isinstance(value, str):
            self.error(where, name, _("expected text"))
            return ""
        value = value.strip()
        if not value and not blank:
            self.error(where, name, _("must not be empty"))
        if max_length is not None and len(value) > max_length:
            self.error(where, name, _("longer than %(max)d characters") % {"max": max_length})
        return value

    def choice(self, data: dict, name: str, where: str, choices: list[str]) -> str:
        if name not in data:
            return choices[0]
        value = data[name]
        if value not in choices:
            self.error(
                where, name, _("%(value)r is not one of %(choices)s") % {"value": value, "choices": ", ".join(choices)}
            )
            return choices[0]
        return value

    def integer(self, data: dict, name: str, where: str, *, null: bool = False, minimum: int = 0) -> int | None:
        if name not in data:
            return None
        value = data[name]
        if value is None and null:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, name, _("expected a whole number"))
            return None
        if value < minimum:
            self.error(where, name, _("must be at least %(minimum)d") % {"minimum": minimum})
        return value

    def boolean(self, data: dict, name: str, where: str, *, default: bool = False) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.error(where, name, _("expected true or false"))
            return default
        return value

    def date(self, data: dict, name: str, where: str) -> datetime.date | None:
        value = data.get(name)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            self.error(where, name, _("expected a date as YYYY-MM-DD or null"))
            return None

    def decimal(self, data: dict, name: str, where: str) -> Decimal | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.error(where, name, _("expected a number or null"))
            return None
        value = Decimal(value)
        if value < 0 or value >= VALUE_LIMIT or value != value.quantize(Decimal("0.001")):
            self.error(where, name, _("must be between 0 and 999999999.999 with at most 3 decimals"))
            return None
        return value


def _hint(item: Any, key: str) -> str:
    """The code or number of an object, to name it in messages before its fields are checked."""
    value = item.get(key) if isinstance(item, dict) else None
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _read_json(path: Path, checker: _Checker) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except UnicodeDecodeError:
        checker.error("", None, _("not UTF-8 text"))
    except json.JSONDecodeError as exc:
        checker.error(
            "",
            None,
            _("not valid JSON at line %(line)d, column %(column)d: %(reason)s")
            % {"line": exc.lineno, "column": exc.colno, "reason": exc.msg},
        )
    return None


def _read_classifications(path: Path, errors: list[str]) -> list[ClassificationRow]:
    checker = _Checker(path.name)
    data = _read_json(path, checker)
    rows: list[ClassificationRow] = []
    top = checker.mapping(data, "", required=("classifications",)) if data is not None else None
    items = top.get("classifications") if top else None
    if top is not None and not isinstance(items, list):
        checker.error("", "classifications", _("expected a list"))
        items = None
    seen: dict[str, int] = {}
    for position, item in enumerate(items or [], start=1):
        hint = _hint(item, "code")
        where = _("classification %(code)s") % {"code": hint} if hint else _("classification #%(n)d") % {"n": position}
        data = checker.mapping(
            item,
            where,
            required=("scheme", "code", "name_vi"),
            optional=("name_en", "description", "uses_thresholds_of", "criteria_set"),
        )
        if data is None:
            continue
        code = checker.text(data, "code", where, max_length=_max_length(Classification, "code"), blank=False)
        if code and not CODE_RE.match(code):
            checker.error(where, "code", _("use letters, digits, '-' and '_' only"))
        if code in seen:
            checker.error(where, "code", _("duplicate code (also classification #%(n)d)") % {"n": seen[code]})
        seen.setdefault(code, position)
        uses = data.get("uses_thresholds_of")
        criteria_set = data.get("criteria_set")
        for name, value in (("uses_thresholds_of", uses), ("criteria_set", criteria_set)):
            if value is not None and not isinstance(value, str):
                checker.error(where, name, _("expected a code or null"))
        rows.append(
            ClassificationRow(
                scheme=checker.choice(data, "scheme", where, Classification.Scheme.values),
                code=code,
                name_vi=checker.text(
                    data, "name_vi", where, max_length=_max_length(Classification, "name_vi"), blank=False
                ),
                name_en=checker.text(data, "name_en", where, max_length=_max_length(Classification, "name_en")),
                description=checker.text(data, "description", where),
                uses_thresholds_of=uses if isinstance(uses, str) else None,
                criteria_set=criteria_set if isinstance(criteria_set, str) else None,
            )
        )
    by_code = {row.code: row for row in rows}
    for row in rows:
        if row.uses_thresholds_of is None:
            continue
        target = by_code.get(row.uses_thresholds_of)
        where = _("classification %(code)s") % {"code": row.code}
        if target is None or target is row:
            checker.error(
                where, "uses_thresholds_of", _("unknown classification %(code)r") % {"code": row.uses_thresholds_of}
            )
        elif target.uses_thresholds_of is not None:
            checker.error(
                where,
                "uses_thresholds_of",
                _("%(code)s itself uses another classification's thresholds; point at that one")
                % {"code": target.code},
            )
    errors.extend(checker.errors)
    return rows


def _read_set(path: Path, classifications: dict[str, ClassificationRow], errors: list[str]) -> SetRow | None:
    checker = _Checker(path.name)
    raw = _read_json(path, checker)
    data = None
    if raw is not None:
        data = checker.mapping(
            raw,
            "",
            required=(
                "code",
                "name_vi",
                "level",
                "legal_basis",
                "period_start",
                "period_end",
                "official_criterion_count",
                "official_indicator_count",
                "complete",
                "criteria",
            ),
            optional=("name_en", "issued_on", "effective_from", "amendments", "notes"),
        )
    if data is None:
        errors.extend(checker.errors)
        return None
    code = checker.text(data, "code", "", max_length=_max_length(CriteriaSet, "code"), blank=False)
    if code and not CODE_RE.match(code):
        checker.error("", "code", _("use letters, digits, '-' and '_' only"))
    period_start = checker.integer(data, "period_start", "", minimum=1900) or 0
    period_end = checker.integer(data, "period_end", "", minimum=1900) or 0
    if period_start and period_end and period_start > period_end:
        checker.error("", "period_end", _("the period ends before it starts"))
    official_criteria = checker.integer(data, "official_criterion_count", "", minimum=1) or 0
    official_indicators = checker.integer(data, "official_indicator_count", "", null=True)
    row = SetRow(
        file=path.name,
        code=code,
        name_vi=checker.text(data, "name_vi", "", max_length=_max_length(CriteriaSet, "name_vi"), blank=False),
        name_en=checker.text(data, "name_en", "", max_length=_max_length(CriteriaSet, "name_en")),
        level=checker.choice(data, "level", "", CriteriaSet.SetLevel.values),
        legal_basis=checker.text(
            data, "legal_basis", "", max_length=_max_length(CriteriaSet, "legal_basis"), blank=False
        ),
        issued_on=checker.date(data, "issued_on", ""),
        effective_from=checker.date(data, "effective_from", ""),
        period_start=period_start,
        period_end=period_end,
        official_criterion_count=official_criteria,
        official_indicator_count=official_indicators,
        complete=checker.boolean(data, "complete", ""),
        amendments=checker.text(data, "amendments", ""),
        notes=checker.text(data, "notes", ""),
        criteria=[],
    )
    criteria = data.get("criteria")
    if not isinstance(criteria, list):
        checker.error("", "criteria", _("expected a list"))
        criteria = []
    indicator_codes: dict[str, int] = {}
    for position, item in enumerate(criteria, start=1):
        criterion = _read_criterion(item, position, row, classifications, indicator_codes, checker)
        if criterion is None:
            continue
        if any(c.number == criterion.number for c in row.criteria):
            checker.error(_("criterion %(n)d") % {"n": criterion.number}, "number", _("duplicate criterion number"))
        row.criteria.append(criterion)
    _check_counts(row, len(indicator_codes), checker)
    errors.extend(checker.errors)
    return row


def _read_criterion(
    item: Any,
    position: int,
    set_row: SetRow,
    classifications: dict[str, ClassificationRow],
    indicator_codes: dict[str, int],
    checker: _Checker,
) -> CriterionRow | None:
    hint = _hint(item, "number")
    where = _("criterion %(n)s") % {"n": hint} if hint else _("criterion #%(n)d") % {"n": position}
    data = checker.mapping(
        item,
        where,
        required=("number", "name_vi", "confidence"),
        optional=("group", "group_name", "name_en", "guidance", "indicators"),
    )
    if data is None:
        return None
    number = checker.integer(data, "number", where, minimum=1) or 0
    if set_row.official_criterion_count and number > set_row.official_criterion_count:
        checker.error(
            where,
            "number",
            _("greater than the official number of criteria (%(count)d)") % {"count": set_row.official_criterion_count},
        )
    criterion = CriterionRow(
        number=number,
        group=checker.text(data, "group", where, max_length=_max_length(Criterion, "group")),
        group_name=checker.text(data, "group_name", where, max_length=_max_length(Criterion, "group_name")),
        name_vi=checker.text(data, "name_vi", where, max_length=_max_length(Criterion, "name_vi"), blank=False),
        name_en=checker.text(data, "name_en", where, max_length=_max_length(Criterion, "name_en")),
        guidance=checker.text(data, "guidance", where),
        confidence=checker.choice(data, "confidence", where, Confidence.values),
        indicators=[],
    )
    indicators = data.get("indicators", [])
    if not isinstance(indicators, list):
        checker.error(where, "indicators", _("expected a list"))
        indicators = []
    for item in indicators:
        indicator = _read_indicator(item, criterion, set_row, classifications, indicator_codes, checker)
        if indicator is not None:
            criterion.indicators.append(indicator)
    return criterion


def _read_indicator(
    item: Any,
    criterion: CriterionRow,
    set_row: SetRow,
    classifications: dict[str, ClassificationRow],
    indicator_codes: dict[str, int],
    checker: _Checker,
) -> IndicatorRow | None:
    code = _hint(item, "code")
    if code:
        where = _("indicator %(code)s") % {"code": code}
    else:
        where = _("criterion %(n)d, indicator #%(i)d") % {"n": criterion.number, "i": len(criterion.indicators) + 1}
    data = checker.mapping(
        item,
        where,
        required=("code", "description_vi", "comparator", "confidence", "note"),
        optional=("description_en", "unit", "not_applicable_allowed", "per_sex", "thresholds"),
    )
    if data is None:
        return None
    code = checker.text(data, "code", where, max_length=_max_length(Indicator, "code"), blank=False)
    if code:
        if not INDICATOR_CODE_RE.match(code):
            checker.error(where, "code", _("expected numbers separated by dots, e.g. 17.1"))
        elif code != str(criterion.number) and not code.startswith(f"{criterion.number}."):
            checker.error(where, "code", _("does not start with its criterion number %(n)d") % {"n": criterion.number})
        if code in indicator_codes:
            checker.error(
                where,
                "code",
                _("duplicate indicator code in this set (also under criterion %(n)d)") % {"n": indicator_codes[code]},
            )
        indicator_codes.setdefault(code, criterion.number)
    indicator = IndicatorRow(
        code=code,
        sort_order=len(indicator_codes),
        description_vi=checker.text(data, "description_vi", where, blank=False),
        description_en=checker.text(data, "description_en", where),
        unit=checker.text(data, "unit", where, max_length=_max_length(Indicator, "unit")),
        comparator=checker.choice(data, "comparator", where, Indicator.Comparator.values),
        not_applicable_allowed=checker.boolean(data, "not_applicable_allowed", where),
        per_sex=checker.boolean(data, "per_sex", where),
        confidence=checker.choice(data, "confidence", where, Confidence.values),
        note=checker.text(data, "note", where, blank=False),
        thresholds=[],
    )
    thresholds = data.get("thresholds", [])
    if not isinstance(thresholds, list):
        checker.error(where, "thresholds", _("expected a list"))
        thresholds = []
    if indicator.comparator == Indicator.Comparator.PASS_FAIL and thresholds:
        checker.error(where, "thresholds", _("a pass/fail indicator takes no thresholds"))
    elif indicator.comparator != Indicator.Comparator.PASS_FAIL and not thresholds:
        checker.error(
            where, "thresholds", _("a numeric indicator needs at least one threshold (value null when not known)")
        )
    for position, item in enumerate(thresholds, start=1):
        threshold = _read_threshold(
            item, f"{where}, " + _("threshold #%(n)d") % {"n": position}, set_row, classifications, checker
        )
        if threshold is None:
            continue
        if any(
            (t.scope, t.year, t.part) == (threshold.scope, threshold.year, threshold.part) for t in indicator.thresholds
        ):
            checker.error(
                f"{where}, " + _("threshold #%(n)d") % {"n": position},
                "scope",
                _("a threshold for this scope, year and part is already listed"),
            )
        indicator.thresholds.append(threshold)
    return indicator


def _read_threshold(
    item: Any, where: str, set_row: SetRow, classifications: dict[str, ClassificationRow], checker: _Checker
) -> ThresholdRow | None:
    data = checker.mapping(item, where, required=("scope", "year", "value", "confidence", "note"), optional=("part",))
    if data is None:
        return None
    scope = data.get("scope")
    if scope is not None:
        target = classifications.get(scope) if isinstance(scope, str) else None
        if target is None:
            checker.error(
                where,
                "scope",
                _("unknown scope code %(code)r (%(file)s defines: %(known)s)")
                % {"code": scope, "file": CLASSIFICATIONS_FILE, "known": ", ".join(sorted(classifications))},
            )
            scope = None
        elif target.criteria_set is not None and target.criteria_set != set_row.code:
            checker.error(
                where,
                "scope",
                _("%(code)s belongs to criteria set %(set)s") % {"code": scope, "set": target.criteria_set},
            )
    year = checker.integer(data, "year", where, null=True)
    if year is not None and set_row.period_start and not set_row.period_start <= year <= set_row.period_end:
        checker.error(
            where,
            "year",
            _("%(year)d is outside the set's period %(start)d–%(end)d")
            % {"year": year, "start": set_row.period_start, "end": set_row.period_end},
        )
    value = checker.decimal(data, "value", where)
    confidence = checker.choice(data, "confidence", where, Confidence.values)
    if value is None and data.get("value") is None and confidence != Confidence.UNSURE:
        checker.error(where, "confidence", _("a value that is not known (null) must be marked U"))
    return ThresholdRow(
        scope=scope,
        year=year,
        part=checker.text(data, "part", where, max_length=_max_length(Threshold, "part")),
        value=value,
        confidence=confidence,
        note=checker.text(data, "note", where, max_length=_max_length(Threshold, "note"), blank=False),
    )


def _check_counts(row: SetRow, indicators: int, checker: _Checker) -> None:
    criteria = len(row.criteria)
    if row.official_criterion_count and criteria > row.official_criterion_count:
        checker.error(
            "",
            "criteria",
            _("%(n)d criteria listed, more than the official %(official)d")
            % {"n": criteria, "official": row.official_criterion_count},
        )
    if row.official_indicator_count is not None and indicators > row.official_indicator_count:
        checker.error(
            "",
            "criteria",
            _("%(n)d indicators listed, more than the official %(official)d")
            % {"n": indicators, "official": row.official_indicator_count},
        )
    if not row.complete:
        return
    if criteria != row.official_criterion_count:
        checker.error(
            "",
            "complete",
            _("the file says complete but lists %(n)d criteria; the official count is %(official)d")
            % {"n": criteria, "official": row.official_criterion_count},
        )
    if row.official_indicator_count is None:
        checker.error("", "complete", _("a set with an unknown official indicator count cannot be complete"))
    elif indicators != row.official_indicator_count:
        checker.error(
            "",
            "complete",
            _("the file says complete but lists %(n)d indicators; the official count is %(official)d")
            % {"n": indicators, "official": row.official_indicator_count},
        )


def criteria_files_read(*, directory: Path = DATA_DIR) -> CriteriaFiles:
    """Read and check every file in ``directory``; raise CriteriaDataError listing every problem."""
    errors: list[str] = []
    path = directory / CLASSIFICATIONS_FILE
    if not path.is_file():
        raise CriteriaDataError([_("%(path)s: file not found") % {"path": path}])
    classifications = _read_classifications(path, errors)
    by_code = {row.code: row for row in classifications}
    sets: list[SetRow] = []
    for path in sorted(directory.glob("*.json")):
        if path.name == CLASSIFICATIONS_FILE:
            continue
        row = _read_set(path, by_code, errors)
        if row is None:
            continue
        clash = next((other for other in sets if other.code == row.code), None)
        if clash is not None:
            errors.append(
                f"{path.name}: "
                + _("field 'code': %(code)s is also the code of %(file)s") % {"code": row.code, "file": clash.file}
            )
        sets.append(row)
    set_codes = {row.code for row in sets}
    for row in classifications:
        if row.criteria_set is not None and row.criteria_set not in set_codes:
            errors.append(
                f"{CLASSIFICATIONS_FILE}: "
                + _("classification %(code)s: field 'criteria_set': no set file has the code %(set)r")
                % {"code": row.code, "set": row.criteria_set}
            )
    if errors:
        raise CriteriaDataError(errors)
    return CriteriaFiles(classifications=classifications, sets=sets)

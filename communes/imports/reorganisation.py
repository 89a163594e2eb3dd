"""Reorganisations from a spreadsheet: one row per old unit -> new unit.

Files are .csv (UTF-8 with or without BOM, comma or semicolon) or .xlsx (first sheet), with a header
row. Headers may be the English keys (``old_code``), the Vietnamese labels ("Mã đơn vị cũ") or both
("Mã đơn vị cũ (old_code)", as in the template). Cells take the model values ("xa", "merge") or
Vietnamese words ("xã", "sáp nhập"); dates are dd/mm/yyyy or yyyy-mm-dd.

Rows form events: rows with the same ``event_id`` are one event; rows without one are grouped when
they share the legal basis and the date and are linked through a unit (A->C and B->C is one merger,
A->B and A->C one split). Every row is validated first; then all events are applied in one
transaction by communes.services.reorganisation.reorganisations_apply. Any error means nothing is
written and the whole list of errors comes back.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import KIND_LEVEL, Kind, Level, ReorganisationEvent, Source
from communes.services.reorganisation import ReorganisationRow, ReorganisationSpec, reorganisations_apply
from communes.services.units import ReorganisationReport, row_error, row_errors_table

# key -> Vietnamese header labels accepted (the first one is written in the template).
COLUMNS: dict[str, tuple[str, ...]] = {
    "effective_date": ("Ngày hiệu lực",),
    "legal_basis": ("Căn cứ pháp lý", "Văn bản", "Nghị quyết"),
    "event_kind": ("Loại sự kiện", "Loại thay đổi"),
    "old_code": ("Mã đơn vị cũ", "Mã cũ"),
    "old_name": ("Tên đơn vị cũ", "Tên cũ"),
    "old_kind": ("Loại đơn vị cũ", "Loại cũ"),
    "old_parent_code": ("Mã đơn vị cấp trên cũ", "Mã cấp trên cũ"),
    "new_code": ("Mã đơn vị mới", "Mã mới"),
    "new_name": ("Tên đơn vị mới", "Tên mới"),
    "new_kind": ("Loại đơn vị mới", "Loại mới"),
    "new_parent_code": ("Mã đơn vị cấp trên mới", "Mã cấp trên mới"),
    "partial": ("Một phần",),
    "note": ("Ghi chú",),
    "event_id": ("Mã sự kiện", "Nhóm"),
}
OPTIONAL_COLUMNS = frozenset({"event_id", "partial", "note"})
REQUIRED_COLUMNS = [key for key in COLUMNS if key not in OPTIONAL_COLUMNS]

KIND_WORDS: dict[str, tuple[str, ...]] = {
    Kind.PROVINCE: ("tỉnh",),
    Kind.CENTRAL_CITY: ("thành phố trực thuộc trung ương", "thành phố tw"),
    Kind.RURAL_DISTRICT: ("huyện",),
    Kind.URBAN_DISTRICT: ("quận",),
    Kind.DISTRICT_TOWN: ("thị xã",),
    Kind.PROVINCIAL_CITY: ("thành phố", "thành phố thuộc tỉnh"),
    Kind.COMMUNE: ("xã",),
    Kind.WARD: ("phường",),
    Kind.TOWNLET: ("thị trấn",),
    Kind.SPECIAL_ZONE: ("đặc khu",),
    Kind.VILLAGE: ("thôn", "làng"),
    Kind.HAMLET: ("bản",),
    Kind.SOUTHERN_HAMLET: ("ấp",),
    Kind.SMALL_HAMLET: ("xóm",),
    Kind.RESIDENTIAL_GROUP: ("tổ dân phố",),
}
EVENT_KIND_WORDS: dict[str, tuple[str, ...]] = {
    ReorganisationEvent.EventKind.MERGE: ("sáp nhập", "nhập", "hợp nhất"),
    ReorganisationEvent.EventKind.SPLIT: ("chia tách", "chia", "tách"),
    ReorganisationEvent.EventKind.RENAME: ("đổi tên",),
    ReorganisationEvent.EventKind.RECLASSIFY: ("chuyển loại", "chuyển đổi loại", "nâng cấp"),
    ReorganisationEvent.EventKind.TRANSFER: ("điều chuyển", "chuyển trực thuộc"),
    ReorganisationEvent.EventKind.BOUNDARY: ("điều chỉnh địa giới", "điều chỉnh địa giới hành chính"),
    ReorganisationEvent.EventKind.ESTABLISH: ("thành lập",),
    ReorganisationEvent.EventKind.ABOLISH: ("giải thể", "bãi bỏ"),
}
TRUE_WORDS = frozenset({"x", "1", "có", "yes", "y", "true", "một phần", "partial"})
FALSE_WORDS = frozenset({"", "0", "không", "no", "n", "false"})
CODE_WIDTH = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}
TWO_TIER_START = datetime.date(2025, 7, 1)  # districts abolished: a commune's parent is its province
MAX_FILE_BYTES = 5 * 1024 * 1024

EXAMPLE_ROW = {
    "event_id": "",
    "effective_date": "01/01/2020",
    "legal_basis": "Nghị quyết 000/NQ-UBTVQH14 (ví dụ)",
    "event_kind": "sáp nhập",
    "old_code": "01001",
    "old_name": "Xã An Bình",
    "old_kind": "xã",
    "old_parent_code": "012",
    "new_code": "01000",
    "new_name": "Xã Tân Mỹ",
    "new_kind": "xã",
    "new_parent_code": "012",
    "partial": "",
    "note": "Một dòng cho mỗi đơn vị cũ -> đơn vị mới",
}


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _choice_lookup(words: dict[str, tuple[str, ...]], choices: type) -> dict[str, str]:
    """Map every accepted spelling (value, English and Vietnamese labels, extra words) to a value."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        for language in ("en", "vi"):
            with translation.override(language):
                lookup[_key(str(label))] = value
    for value, extra in words.items():
        for word in extra:
            lookup[_key(word)] = value
    for value in choices.values:
        lookup[_key(value)] = value
    return lookup


def _header_lookup() -> dict[str, str]:
    lookup = {key: key for key in COLUMNS}
    for key, labels in COLUMNS.items():
        for label in labels:
            lookup[_key(label)] = key
    return lookup


@dataclass
class ImportResult:
    """What an import did (or would do): the report of the service, or the errors that stopped it."""

    report: ReorganisationReport = field(default_factory=ReorganisationReport)
    errors: list[ValidationError] = field(default_factory=list)
    rows: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_rows(self) -> list[dict[str, object]]:
        """The errors as dicts with row, column, value and reason, for a table."""
        return row_errors_table(self.errors)


@dataclass
class _ImportRow:
    number: int
    effective_date: datetime.date
    legal_basis: str
    event_kind: str
    event_id: str
    row: ReorganisationRow


def reorganisations_import(*, content: bytes, filename: str, dry_run: bool = False) -> ImportResult:
    """Read, validate and apply a reorganisation spreadsheet; with ``dry_run`` nothing stays written."""
    result = ImportResult(dry_run=dry_run)
    table, errors = table_read(content=content, filename=filename)
    if errors:
        result.errors = errors
        return result
    rows, errors = rows_parse(table)
    result.rows = len(rows)
    if errors:
        result.errors = errors
        return result
    specs, errors = specs_group(rows, filename=filename)
    if errors:
        result.errors = errors
        return result
    try:
        reorganisations_apply(specs=specs, source=Source.IMPORT, dry_run=dry_run, report=result.report)
    except ValidationError as exc:
        result.errors = exc.error_list
        result.report = ReorganisationReport()
    return result


def table_read(*, content: bytes, filename: str) -> tuple[list[list[object]], list[ValidationError]]:
    """The cells of the file's first sheet, row by row (the header first)."""
    suffix = Path(filename).suffix.casefold()
    if len(content) > MAX_FILE_BYTES:
        reason = gettext("The file is larger than %(size)s MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        return [], [row_error(row=None, column="", value=filename, reason=reason)]
    if suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            reason = gettext("The file is not UTF-8 text; save it as “CSV UTF-8” or as .xlsx.")
            return [], [row_error(row=None, column="", value=filename, reason=reason)]
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return [list(cells) for cells in csv.reader(io.StringIO(text), delimiter=delimiter)], []
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds of errors for a damaged file
            reason = gettext("The file cannot be read as an Excel workbook (%(error)s).") % {"error": exc}
            return [], [row_error(row=None, column="", value=filename, reason=reason)]
        try:
            sheet = workbook.worksheets[0]
            return [list(cells) for cells in sheet.iter_rows(values_only=True)], []
        finally:
            workbook.close()
    reason = gettext("Use a .csv or .xlsx file.")
    return [], [row_error(row=None, column="", value=filename, reason=reason)]


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def rows_parse(table: list[list[object]]) -> tuple[list[_ImportRow], list[ValidationError]]:
    """Check the header and every row; return the rows that will be applied, or every problem found."""
    errors: list[ValidationError] = []
    if not table:
        return [], [row_error(row=1, column="", value="", reason=gettext("The file is empty."))]
    headers = _header_lookup()
    index: dict[str, int] = {}
    for position, cell in enumerate(table[0]):
        header = _text(cell)
        match = re.search(r"\(([a-z_]+)\)\s*$", header)
        key = match.group(1) if match and match.group(1) in COLUMNS else headers.get(_key(header))
        if key is None:
            continue
        if key in index:
            errors.append(row_error(row=1, column=key, value=header, reason=gettext("This column appears twice.")))
        index[key] = position
    for key in REQUIRED_COLUMNS:
        if key not in index:
            reason = gettext("The column is missing (header “%(key)s” or “%(label)s”).") % {
                "key": key,
                "label": COLUMNS[key][0],
            }
            errors.append(row_error(row=1, column=key, value="", reason=reason))
    if errors:
        return [], errors

    kinds = _choice_lookup(KIND_WORDS, Kind)
    event_kinds = _choice_lookup(EVENT_KIND_WORDS, ReorganisationEvent.EventKind)
    rows: list[_ImportRow] = []
    for number, cells in enumerate(table[1:], start=2):
        raw = {key: cells[position] if position < len(cells) else None for key, position in index.items()}
        if all(_text(value) == "" for value in raw.values()):
            continue
        parsed = _row_parse(number, raw, kinds=kinds, event_kinds=event_kinds, errors=errors)
        if parsed is not None:
            rows.append(parsed)
    if not rows and not errors:
        errors.append(row_error(row=2, column="", value="", reason=gettext("The file has no data rows.")))
    return rows, errors


def _row_parse(
    number: int,
    raw: dict[str, object],
    *,
    kinds: dict[str, str],
    event_kinds: dict[str, str],
    errors: list[ValidationError],
) -> _ImportRow | None:
    count = len(errors)

    def fail(column: str, value: object, reason: str) -> None:
        errors.append(row_error(row=number, column=column, value=value, reason=reason))

    effective_date = _date_parse(raw["effective_date"])
    if effective_date is None:
        fail("effective_date", _text(raw["effective_date"]), gettext("Not a date; write dd/mm/yyyy or yyyy-mm-dd."))
    legal_basis = _text(raw["legal_basis"])
    if not legal_basis:
        fail("legal_basis", "", gettext("Give the resolution or decision."))
    event_kind = event_kinds.get(_key(_text(raw["event_kind"])))
    if event_kind is None:
        fail(
            "event_kind",
            _text(raw["event_kind"]),
            gettext("Unknown kind of event; use one of: %(kinds)s.")
            % {"kinds": ", ".join(words[0] for words in EVENT_KIND_WORDS.values())},
        )
    values: dict[str, str] = {}
    for prefix in ("old", "new"):
        kind_text = _text(raw[f"{prefix}_kind"])
        kind = kinds.get(_key(kind_text), "") if kind_text else ""
        if kind_text and not kind:
            fail(
                f"{prefix}_kind",
                kind_text,
                gettext("Unknown kind of unit; use one of: %(kinds)s.")
                % {"kinds": ", ".join(words[0] for words in KIND_WORDS.values())},
            )
        values[f"{prefix}_kind"] = kind
    for prefix, other in (("old", "new"), ("new", "old")):
        # A blank kind borrows the other side's level to restore the code's width (a commune stays a commune).
        level = KIND_LEVEL.get(values[f"{prefix}_kind"]) or KIND_LEVEL.get(values[f"{other}_kind"])
        values[f"{prefix}_name"] = _text(raw[f"{prefix}_name"])
        values[f"{prefix}_code"] = _code(_text(raw[f"{prefix}_code"]), level)
        parent_level = _parent_level(level, effective_date)
        values[f"{prefix}_parent_code"] = _code(_text(raw[f"{prefix}_parent_code"]), parent_level)
    if not values["old_code"] and not values["new_code"]:
        fail("old_code", "", gettext("Give the old unit, the new unit, or both."))
    partial_text = _key(_text(raw.get("partial")))
    if partial_text not in TRUE_WORDS | FALSE_WORDS:
        fail("partial", _text(raw.get("partial")), gettext("Write “x” or “có” for a partial row, or leave it empty."))
    if len(errors) > count:
        return None
    return _ImportRow(
        number=number,
        effective_date=effective_date,
        legal_basis=legal_basis,
        event_kind=event_kind,
        event_id=_text(raw.get("event_id")),
        row=ReorganisationRow(**values, partial=partial_text in TRUE_WORDS, note=_text(raw.get("note")), number=number),
    )


def _date_parse(cell: object) -> datetime.date | None:
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    text = _text(cell)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    day_first = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    try:
        if iso:
            return datetime.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if day_first:
            return datetime.date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
    except ValueError:
        return None
    return None


def _parent_level(level: str | None, date: datetime.date | None) -> str | None:
    if level == Level.DISTRICT:
        return Level.PROVINCE
    if level == Level.VILLAGE:
        return Level.COMMUNE
    if level == Level.COMMUNE and date is not None:
        return Level.PROVINCE if date >= TWO_TIER_START else Level.DISTRICT
    return None


def _code(text: str, level: str | None) -> str:
    """Official codes have a fixed width; a spreadsheet that stored them as numbers lost the leading zeros.

    Four digits can only be a commune's code; shorter ones need the level to be restored."""
    width = CODE_WIDTH.get(level) if level else (CODE_WIDTH[Level.COMMUNE] if len(text) == 4 else None)
    if width and text.isdigit() and len(text) < width:
        return text.zfill(width)
    return text


def specs_group(rows: list[_ImportRow], *, filename: str) -> tuple[list[ReorganisationSpec], list[ValidationError]]:
    """Group rows into events: by event_id, or by legal basis + date + a shared unit code."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[tuple, int] = {}
    for i, item in enumerate(rows):
        if item.event_id:
            keys = [("id", item.event_id)]
        else:
            act = (_key(item.legal_basis), item.effective_date)
            keys = [
                (*act, side, code) for side, code in (("old", item.row.old_code), ("new", item.row.new_code)) if code
            ]
        for key in keys:
            if key in first_with:
                parent[find(i)] = find(first_with[key])
            else:
                first_with[key] = i

    groups: dict[int, list[_ImportRow]] = {}
    for i, item in enumerate(rows):
        groups.setdefault(find(i), []).append(item)

    specs, errors = [], []
    for members in groups.values():
        head = members[0]
        for item in members[1:]:
            for column, value, expected in (
                ("effective_date", item.effective_date, head.effective_date),
                ("legal_basis", _key(item.legal_basis), _key(head.legal_basis)),
                ("event_kind", item.event_kind, head.event_kind),
            ):
                if value != expected:
                    reason = gettext("Row %(row)s of the same event says “%(expected)s”.") % {
                        "row": head.number,
                        "expected": expected,
                    }
                    errors.append(row_error(row=item.number, column=column, value=value, reason=reason))
        notes = [item.row.note for item in members if item.row.note]
        description = "; ".join([gettext("Imported from %(file)s") % {"file": filename}, *dict.fromkeys(notes)])
        specs.append(
            ReorganisationSpec(
                kind=head.event_kind,
                effective_date=head.effective_date,
                legal_basis=head.legal_basis,
                rows=[item.row for item in members],
                description=description,
            )
        )
    return specs, errors


def template_headers() -> list[str]:
    return [f"{labels[0]} ({key})" for key, labels in COLUMNS.items()]


def template_csv() -> bytes:
    """A CSV template (UTF-8 with BOM so that Excel reads the Vietnamese): headers and one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(template_headers())
    writer.writerow([EXAMPLE_ROW[key] for key in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """An Excel template: headers, one example row, code columns stored as text, and a sheet of accepted words."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sap xep don vi"
    sheet.append(template_headers())
    sheet.append([EXAMPLE_ROW[key] for key in COLUMNS])
    for position, key in enumerate(COLUMNS, start=1):
        column = sheet.cell(row=1, column=position).column_letter
        sheet.column_dimensions[column].width = max(14, len(template_headers()[position - 1]) + 2)
        if key.endswith("code") or key == "event_id":
            for row in range(2, 201):  # codes keep their leading zeros when typed in
                sheet.cell(row=row, column=position).number_format = "@"
    sheet.freeze_panes = "A2"

    words = workbook.create_sheet("Gia tri hop le")
    words.append([str(_("Column")), str(_("Value")), str(_("Also accepted"))])
    for value, extra in EVENT_KIND_WORDS.items():
        words.append(["event_kind", value, ", ".join(extra)])
    for value, extra in KIND_WORDS.items():
        words.append(["old_kind / new_kind", value, ", ".join(extra)])
    words.append(["partial", "x", ", ".join(sorted(TRUE_WORDS - {"x"}))])
    words.append(["effective_date", "dd/mm/yyyy", "yyyy-mm-dd"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

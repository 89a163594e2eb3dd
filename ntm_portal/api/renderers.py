"""CSV rendering of API lists (``?format=csv``) for spreadsheet users."""

from __future__ import annotations

from typing import Any

from rest_framework_csv.renderers import CSVRenderer

# Keys that name an item of a nested list, so its columns read "criterion_results.17.met", not ".3.".
NATURAL_KEYS = ("code", "number", "year")


class ApiCSVRenderer(CSVRenderer):
    """One row per object of a page (the ``results`` of a paginated response), columns in the
    serializer's order. Nested objects become "field.subfield" columns; lists of plain values one
    cell joined by "; "; lists of objects columns per item, named by the item's code or number."""

    def render(self, data: Any, media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        renderer_context = renderer_context or {}
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        rows = [flatten(item) for item in data] if isinstance(data, list) else [flatten(data)]
        header: list[str] = []
        seen: set[str] = set()
        for row in rows:
            for key in row:
                if key in seen:
                    continue
                seen.add(key)
                # Columns of one field stay together even when a later row brings new ones.
                top = key.split(".")[0]
                same_field = [i for i, other in enumerate(header) if other.split(".")[0] == top]
                header.insert(same_field[-1] + 1 if same_field else len(header), key)
        # A nested object that is null in some rows ("assessment") and filled in others
        # ("assessment.id", ...) keeps only the filled columns.
        header = [
            key
            for key in header
            if not (
                any(other.startswith(f"{key}.") for other in header) and all(row.get(key) in (None, "") for row in rows)
            )
        ]
        if not rows:
            # An empty list still has its columns (and a body, so the response keeps its Content-Type).
            view = renderer_context.get("view")
            header = list(view.get_serializer().fields) if view is not None and hasattr(view, "get_serializer") else []
            return (",".join(header) + "\r\n").encode()
        context = {**renderer_context, "header": renderer_context.get("header") or header}
        return super().render(rows, media_type, context)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested JSON value as one level of "a.b.c" keys."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}{key}."))
        return flat
    name = prefix.rstrip(".")
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return {name: "; ".join("" if item is None else str(item) for item in value)}
        flat = {}
        for index, item in enumerate(value):
            label = index
            if isinstance(item, dict):
                label = next((item[key] for key in NATURAL_KEYS if item.get(key) not in (None, "")), index)
            flat.update(flatten(item, f"{prefix}{label}."))
        return flat
    return {name: value}

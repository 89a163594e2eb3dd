"""The dashboards' figures shaped for display: chart specifications for static/js/dashboard-charts.js
(rendered with ``json_script``) and small tables. Nothing here counts: every number comes from
reports.selectors or communes.selectors, already aggregated."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from communes.bands import Band
from communes.selectors import StandingSummary
from ocop.selectors import CountTable
from reports.money import MoneyUnit
from reports.selectors import CommuneProfile, CriterionPassRate, FundingSummary, HistoryRow, TrendPoint, percent


def _number(value: Decimal | int | float | None) -> float | None:
    """JSON numbers for the charts (json_script would write a Decimal as a string)."""
    return None if value is None else float(value)


def band_rows(standing: StandingSummary) -> list[tuple[Band, int, Decimal | None]]:
    """(band, communes, % of the communes assessed) for each band, highest first."""
    counts = [(band, standing.bands.get(band.value, 0)) for band in Band]
    return [(band, count, percent(count, standing.assessed)) for band, count in counts]


def bands_chart(standing: StandingSummary) -> dict:
    rows = band_rows(standing)
    return {
        "type": "bar",
        "labels": [str(band.label) for band, _count, _share in rows],
        "datasets": [{"label": _("Communes"), "data": [count for _band, count, _share in rows]}],
    }


def pass_rate_chart(rates: list[CriterionPassRate]) -> dict:
    return {
        "type": "bar",
        "labels": [f"{rate.number}. {rate.name}" for rate in rates],
        "datasets": [{"label": _("Communes meeting the criterion (%)"), "data": [_number(r.share) for r in rates]}],
        "suffix": "%",
        "max": 100,
        "horizontal": True,
    }


def trend_chart(points: list[TrendPoint]) -> dict:
    """Two shares of communes recognised at standard, one per denominator, and the completed share."""
    return {
        "type": "line",
        "labels": [str(point.year) for point in points],
        "datasets": [
            {
                "label": _("Recognised at standard: share of the communes as of that year"),
                "data": [_number(point.share_that_year) for point in points],
            },
            {
                "label": _("Recognised at standard: share of today's communes"),
                "data": [_number(point.share_today) for point in points],
            },
            {
                "label": _("Completed all criteria: share of the communes as of that year"),
                "data": [_number(point.completed_share_that_year) for point in points],
            },
        ],
        "suffix": "%",
        "max": 100,
    }


def funding_chart(funding: FundingSummary, money: MoneyUnit) -> dict:
    """Money mobilised by source in the reader's unit (credit is shown apart, not charted)."""
    rows = [row for row in funding.rows if row.share is not None]
    return {
        "type": "bar",
        "labels": [row.label for row in rows],
        "datasets": [
            {
                "label": str(money.label),
                "data": [_number(row.amount_vnd / money.divisor) for row in rows],
            }
        ],
        "horizontal": True,
    }


def count_chart(table: CountTable, *, label: str) -> dict:
    """A bar per row of an OCOP count table (by stars, by type of producer)."""
    return {
        "type": "bar",
        "labels": [str(row.label) for row in table.rows],
        "datasets": [{"label": label, "data": [row.count for row in table.rows]}],
    }


@dataclass(frozen=True)
class HistoryLine:
    """One assessment of the commune's history with a met flag per criterion number of the table."""

    row: HistoryRow
    cells: list[tuple[int, bool | None]]  # (number, met); None when the set has no such criterion


def history_table(profile: CommuneProfile) -> dict:
    """Years × criteria met, read from the stored masks of the profile's assessments (no query)."""
    width = max((row.criteria_total for row in profile.history), default=0)
    numbers = list(range(1, width + 1))
    lines = []
    for row in profile.history:
        met = set(row.assessment.met_numbers())
        lines.append(
            HistoryLine(row=row, cells=[(n, (n in met) if n <= row.criteria_total else None) for n in numbers])
        )
    return {"numbers": numbers, "lines": lines}


def history_chart(profile: CommuneProfile, years: list[int]) -> dict:
    """Criteria met per year (one series per commune version assessed in the period)."""
    series: dict[int, dict] = {}
    for row in profile.history:
        data = series.setdefault(row.unit.pk, {"label": row.unit.name, "data": {}})["data"]
        data[row.year] = row.met
    return {
        "type": "line",
        "labels": [str(year) for year in years],
        "datasets": [
            {"label": entry["label"], "data": [entry["data"].get(year) for year in years]} for entry in series.values()
        ],
    }

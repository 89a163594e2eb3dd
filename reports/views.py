"""Dashboards: a province's, a district's and a commune's standing, plans, OCOP products and money.

Every figure comes from reports.selectors (or the communes/OCOP selectors they build on); the views
only pick the area, the year and the money unit from the request and shape the figures for the charts.
The area is looked up through ``for_user`` (communes.access): a unit outside the user's area is a 404,
and the selectors are then asked about that unit only.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.access import OFFICER_CACHE, user_can, user_officer
from communes.matrix import NOT_ASSESSED, commune_matrix
from communes.models import Assessment, CriterionStatus, Level, Officer, Role, Unit
from communes.selectors import standing_summary
from ocop.models import Product
from ocop.selectors import producer_counts_by_kind, product_counts_by_stars
from reports import charts
from reports.money import MONEY_UNITS, money_unit_get
from reports.selectors import (
    commune_profile,
    communes_nearest_standard,
    criteria_pass_rates,
    disbursement_summary,
    districts_side_by_side,
    funding_summary,
    standing_trend,
    target_progress,
)

FIRST_YEAR, LAST_YEAR = 2010, 2100
# Years drawn on the trend chart: the selected year and the ones before it.
TREND_YEARS = 8
# The commune page's default history: the selected programme period.
PROGRAMME_PERIODS = ((2016, 2020), (2021, 2025), (2026, 2030))


def _assessed_years(request: HttpRequest) -> list[int]:
    """Years with an assessment in the user's area, newest first (one query)."""
    return list(Assessment.objects.for_user(request.user).order_by("-year").values_list("year", flat=True).distinct())


def _year(request: HttpRequest, years: list[int]) -> int:
    """``?year=``; when missing or implausible, the latest assessed year up to now (else this year)."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if FIRST_YEAR <= year <= LAST_YEAR:
        return year
    return next((y for y in years if y <= this_year), this_year)


def _year_options(years: list[int], selected: int) -> list[int]:
    return sorted({*years, selected, timezone.localdate().year}, reverse=True)


def _common_context(request: HttpRequest, area: Unit) -> dict:
    years = _assessed_years(request)
    year = _year(request, years)
    money = money_unit_get(request.GET.get("money"))
    return {
        "area": area,
        "year": year,
        "year_options": _year_options(years, year),
        "assessed_years": years,
        "money": money,
        "money_units": MONEY_UNITS.values(),
    }


@login_required
def dashboard_index(request: HttpRequest) -> HttpResponse:
    """The user's own dashboard (by their officer area); for a superuser, the list of provinces."""
    officer = user_officer(request.user)
    if officer is not None and not request.user.is_superuser:
        route = {
            Level.PROVINCE: "reports:province_dashboard",
            Level.DISTRICT: "reports:district_dashboard",
            Level.COMMUNE: "reports:commune_dashboard",
        }.get(officer.area.level)
        if route is not None:
            return redirect(route, pk=officer.area_id)
    provinces = list(Unit.objects.provinces().for_user(request.user).order_by("code", "valid_from"))
    return render(request, "reports/index.html", {"provinces": provinces})


@login_required
def province_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """KPI tiles, communes by band, pass rates, districts side by side, the trend, OCOP and money."""
    province = get_object_or_404(Unit.objects.provinces().for_user(request.user), pk=pk)
    context = _common_context(request, province)
    year = context["year"]
    trend_years = [y for y in range(year - TREND_YEARS + 1, year + 1) if y >= min(context["assessed_years"] or [year])]
    standing = standing_summary(year=year, area=province)
    pass_rates = criteria_pass_rates(area=province, year=year)
    trend = standing_trend(area=province, years=trend_years)
    funding = funding_summary(area=province, year=year)
    context.update(
        {
            "progress": target_progress(area=province, year=year),
            "standing": standing,
            "bands": charts.band_rows(standing),
            "pass_rates": pass_rates,
            "districts": districts_side_by_side(area=province, year=year),
            "trend": trend,
            "funding": funding,
            "disbursement": disbursement_summary(area=province, year=year),
            "band_chart": charts.bands_chart(standing),
            "pass_rate_chart": charts.pass_rate_chart(pass_rates),
            "trend_chart": charts.trend_chart(trend),
            "funding_chart": charts.funding_chart(funding, context["money"]),
        }
    )
    context.update(_ocop_context(area=province, year=year))
    return render(request, "reports/province.html", context)


@login_required
def district_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The communes × criteria heat map, communes nearest to standard, targets and OCOP products."""
    district = get_object_or_404(Unit.objects.districts().for_user(request.user).select_related("province"), pk=pk)
    context = _common_context(request, district)
    year = context["year"]
    matrix = commune_matrix(area=district, year=year, user=request.user)
    for row in matrix.rows:
        row.can_create = row.assessment is None and user_can(request.user, "enter", row.unit)
    standing = standing_summary(year=year, area=district)
    context.update(
        {
            "matrix": matrix,
            "legend": [*CriterionStatus.choices, (NOT_ASSESSED, _("Not assessed"))],
            "columns": len(matrix.criteria) + 4,
            "by_district": False,
            "standing": standing,
            "bands": charts.band_rows(standing),
            "band_chart": charts.bands_chart(standing),
            "nearest": communes_nearest_standard(area=district, year=year, max_missing=2),
            "progress": target_progress(area=district, year=year),
        }
    )
    context.update(_ocop_context(area=district, year=year, products=True))
    return render(request, "reports/district.html", context)


def _years_range(request: HttpRequest, default_end: int) -> list[int]:
    """``?years=2021-2025`` (or a single year); by default the programme period holding ``default_end``."""
    raw = request.GET.get("years", "").replace("–", "-").strip()
    first = last = None
    try:
        if "-" in raw:
            start, end = raw.split("-", 1)
            first, last = int(start), int(end)
        elif raw:
            first = last = int(raw)
    except ValueError:
        first = last = None
    if first is not None and last is not None and FIRST_YEAR <= first <= last <= LAST_YEAR and last - first < 30:
        return list(range(first, last + 1))
    for start, end in PROGRAMME_PERIODS:
        if start <= default_end <= end:
            return list(range(start, end + 1))
    return list(range(default_end - 4, default_end + 1))


@login_required
def commune_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """Criteria history over ``?years=``, recognitions, villages, OCOP products and funding received."""
    commune = get_object_or_404(
        Unit.objects.communes().for_user(request.user).select_related("province", "district"), pk=pk
    )
    this_year = timezone.localdate().year
    latest = next((y for y in _assessed_years(request) if y <= this_year), this_year)
    years = _years_range(request, default_end=latest)
    profile = commune_profile(commune=commune, years=years)
    periods = [(f"{start}-{end}", start, end) for start, end in PROGRAMME_PERIODS]
    context = {
        "area": commune,
        "years": years,
        "years_param": f"{years[0]}-{years[-1]}",
        "periods": periods,
        "period_values": [value for value, _start, _end in periods],
        "profile": profile,
        "history": charts.history_table(profile),
        "history_chart": charts.history_chart(profile, years),
        "money": money_unit_get(request.GET.get("money")),
        "money_units": MONEY_UNITS.values(),
    }
    return render(request, "reports/commune.html", context)


class _AreaViewer:
    """Stands for "a viewer of ``unit``" where the OCOP selectors expect a user.

    ocop.selectors scope their counts by a user's area (communes.access.user_area). A dashboard counts
    the products of the unit shown, which may be smaller than the reader's area (provincial staff on a
    district's dashboard). This object carries an unsaved Officer row for the unit, so user_area
    computes exactly the area an officer of that unit would have (its earlier versions, and for a
    district what its communes became), through the one scoping function. The unit itself was found
    through ``for_user``, so this area never exceeds the reader's.
    """

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None

    def __init__(self, unit: Unit) -> None:
        setattr(self, OFFICER_CACHE, Officer(area=unit, role=Role.VIEWER))


def _ocop_on(year: int) -> datetime.date:
    """Products are counted with the certificates in force on 31/12 of the year (today for this year)."""
    return min(datetime.date(year, 12, 31), timezone.localdate())


def _ocop_context(*, area: Unit, year: int, products: bool = False) -> dict:
    """The area's current OCOP products by stars and producers by type (one query each), and with
    ``products`` the list of those products (one query)."""
    viewer = _AreaViewer(area)
    on = _ocop_on(year)
    by_stars = product_counts_by_stars(user=viewer, on=on)
    by_kind = producer_counts_by_kind(user=viewer, on=on)
    context = {
        "ocop_on": on,
        "ocop_by_stars": by_stars,
        "ocop_by_kind": by_kind,
        "ocop_stars_chart": charts.count_chart(by_stars, label=_("Products")),
        "ocop_kind_chart": charts.count_chart(by_kind, label=_("Producers")),
    }
    if products:
        context["ocop_products"] = list(
            Product.objects.for_user(viewer)
            .currently_valid(on=on)
            .select_related("producer__commune")
            .order_by("-current_stars", "name", "pk")
        )
    return context

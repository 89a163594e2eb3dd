"""Reads for the OCOP pages: the counts of the OCOP report table (Biểu 04), the expiring certificates and
the public catalogue.

Every count is one aggregate query (``Count(..., filter=Q(...))`` grouped in the database), plus at most
one query for the labels of the groups or units it names, whatever the number of products. ``user``
scopes the counts to the user's area (communes.access.area_q through ``for_user``); ``user=None`` is
the public view, which sees every product.

"Current" products are those with a certificate in force on the date (ProductQuerySet.with_current_status):
expired and never-recognised products are not counted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, IntegerField, Q, When
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.access import AnyUser
from communes.models import Level, Unit
from ocop.models import Producer, Product, ProductGroup, RatingEvent
from ocop.querysets import STATUS_NEVER, ProductQuerySet

DEFAULT_EXPIRY_DAYS = 90


def share_of(count: int, total: int) -> Decimal | None:
    """``count`` as a percentage of ``total`` with one decimal (None when the total is zero)."""
    if not total:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class CountRow:
    """One line of a count table: a label, the count and its share of the table's total."""

    label: str
    count: int
    share: Decimal | None = None
    key: str | int | None = None
    note: str = ""
    # Second count of the same line (producers in the table by producer type, products elsewhere).
    count_2: int | None = None
    share_2: Decimal | None = None
    details: list[CountRow] = field(default_factory=list)


@dataclass
class CountTable:
    rows: list[CountRow]
    total: int
    total_2: int | None = None


def _products(user: AnyUser | None) -> ProductQuerySet:
    products = Product.objects.all()
    return products if user is None else products.for_user(user)


def _current_products(*, user: AnyUser | None, on: datetime.date) -> ProductQuerySet:
    # order_by(): the models' default ordering must not enter the GROUP BY of the counts.
    return _products(user).currently_valid(on=on).order_by()


def _with_shares(rows: list[CountRow], total: int, total_2: int | None = None) -> CountTable:
    for row in rows:
        row.share = share_of(row.count, total)
        if row.count_2 is not None and total_2 is not None:
            row.share_2 = share_of(row.count_2, total_2)
    return CountTable(rows=rows, total=total, total_2=total_2)


def product_counts_by_stars(*, user: AnyUser | None, on: datetime.date | None = None) -> CountTable:
    """Current products by stars: 3★, 4★, potential 5★ (province score of 90+ awaiting the central
    rating, counted apart from 4★ as the national statistics do) and 5★, with shares. One query."""
    on = on or timezone.localdate()
    potential = Q(current_potential_five_stars=True)
    counts = _current_products(user=user, on=on).aggregate(
        three=Count("pk", filter=Q(current_stars=3) & ~potential),
        four=Count("pk", filter=Q(current_stars=4) & ~potential),
        potential=Count("pk", filter=potential),
        five=Count("pk", filter=Q(current_stars=5) & ~potential),
        total=Count("pk"),
    )
    rows = [
        CountRow(label=_("3 stars"), count=counts["three"], key="3"),
        CountRow(label=_("4 stars"), count=counts["four"], key="4"),
        CountRow(label=_("Potential 5 stars"), count=counts["potential"], key="potential"),
        CountRow(label=_("5 stars"), count=counts["five"], key="5"),
    ]
    return _with_shares(rows, counts["total"])


def product_counts_by_group(*, user: AnyUser | None, on: datetime.date | None = None) -> CountTable:
    """Current products by group of the 2023 list (148/QĐ-TTg), with shares.

    A product rated under the 2019 list (1048) counts under the 2023 group its old group maps to; each
    group's ``details`` list those old groups with their counts. Two queries.
    """
    on = on or timezone.localdate()
    counts = (
        _current_products(user=user, on=on)
        .with_group_2023()
        .values(
            "group_2023_id",
            old_group_id=Case(When(group__maps_to__isnull=False, then=F("group_id")), output_field=IntegerField()),
        )
        .annotate(n=Count("pk"))
    )
    counts = list(counts)
    named_ids = {row["group_2023_id"] for row in counts} | {row["old_group_id"] for row in counts}
    # The groups of the current list (neither a subgroup nor mapped to a newer group), and any group counted.
    groups = list(
        ProductGroup.objects.filter(Q(parent__isnull=True, maps_to__isnull=True) | Q(pk__in=named_ids - {None}))
        .select_related("rules")
        .order_by("pk")  # the order of the decisions' lists, as the data migration created them
    )
    by_pk = {group.pk: group for group in groups}
    rows: dict[int, CountRow] = {}
    for group in groups:
        if group.parent_id is None and group.maps_to_id is None:
            rows[group.pk] = CountRow(label=group.name_vi, count=0, key=group.pk)
    for row in counts:
        group_row = rows.setdefault(
            row["group_2023_id"],
            CountRow(label=by_pk[row["group_2023_id"]].name_vi, count=0, key=row["group_2023_id"]),
        )
        group_row.count += row["n"]
        if row["old_group_id"] is not None:
            old = by_pk[row["old_group_id"]]
            group_row.details.append(
                CountRow(label=old.name_vi, count=row["n"], key=old.pk, note=old.rules.legal_basis)
            )
    total = sum(row["n"] for row in counts)
    return _with_shares(list(rows.values()), total)


def product_counts_by_area(*, user: AnyUser | None, on: datetime.date | None = None) -> CountTable:
    """Current products (and their producers) by district of the producer's commune version, or by
    province for commune versions without a district (after 1 July 2025). Two queries."""
    on = on or timezone.localdate()
    counts = list(
        _current_products(user=user, on=on)
        .with_report_area()
        .values("report_area_id")
        .annotate(n=Count("pk"), producers=Count("producer", distinct=True))
    )
    units = Unit.objects.filter(pk__in=[row["report_area_id"] for row in counts]).select_related("province")
    units = {unit.pk: unit for unit in units}
    sort_keys: dict[int, tuple[str, bool, str]] = {}
    rows = []
    for row in counts:
        unit = units[row["report_area_id"]]
        is_province = unit.level == Level.PROVINCE
        rows.append(
            CountRow(
                label=unit.name,
                count=row["n"],
                count_2=row["producers"],
                key=unit.pk,
                note=_("province (no districts after 1 July 2025)") if is_province else unit.province.name,
            )
        )
        sort_keys[unit.pk] = (unit.name if is_province else unit.province.name, is_province, unit.name)
    rows.sort(key=lambda r: sort_keys[r.key])
    return _with_shares(rows, sum(row.count for row in rows))


def producer_counts_by_kind(*, user: AnyUser | None, on: datetime.date | None = None) -> CountTable:
    """Producers with at least one current product, and those products, by type of producer (HTX, THT,
    DN, household), with shares of each. ``count`` is producers, ``count_2`` products. One query."""
    on = on or timezone.localdate()
    counts = {
        row["producer__kind"]: row
        for row in _current_products(user=user, on=on)
        .values("producer__kind")
        .annotate(products=Count("pk"), producers=Count("producer", distinct=True))
    }
    rows = [
        CountRow(
            label=label,
            key=kind,
            count=counts.get(kind, {}).get("producers", 0),
            count_2=counts.get(kind, {}).get("products", 0),
        )
        for kind, label in Producer.Kind.choices
    ]
    return _with_shares(rows, sum(r.count for r in rows), sum(r.count_2 for r in rows))


@dataclass
class YearRow:
    year: int
    new: int
    re_recognised: int
    upgraded: int
    total: int
    cumulative: int = 0


def recognition_counts_by_year(*, user: AnyUser | None, on: datetime.date | None = None) -> list[YearRow]:
    """Products recognised each year (by decision year, up to ``on``): new, re-recognised, upgraded.

    Counts distinct products per kind among recognitions (decisions above the commune pre-assessment);
    ``cumulative`` adds the years' totals. One query.
    """
    on = on or timezone.localdate()
    events = RatingEvent.objects.recognitions()
    if user is not None:
        events = events.for_user(user)
    kinds = RatingEvent.Kind
    counts = (
        events.filter(decision_date__isnull=False, decision_date__lte=on)
        .annotate(year=ExtractYear("decision_date"))
        .values("year")
        .annotate(
            new=Count("product", distinct=True, filter=Q(kind=kinds.NEW)),
            re_recognised=Count("product", distinct=True, filter=Q(kind=kinds.RE_RECOGNITION)),
            upgraded=Count("product", distinct=True, filter=Q(kind=kinds.UPGRADE)),
            total=Count("product", distinct=True),
        )
        .order_by("year")
    )
    rows = [YearRow(**row) for row in counts]
    running = 0
    for row in rows:
        running += row.total
        row.cumulative = running
    return rows


def certificate_expiring_list(
    *, user: AnyUser | None, days: int = DEFAULT_EXPIRY_DAYS, on: datetime.date | None = None
) -> ProductQuerySet:
    """Products whose certificate is in force on ``on`` and ends within ``days`` days, soonest first,
    with the producer, commune and province loaded and the certificate number annotated. One query."""
    on = on or timezone.localdate()
    return (
        _products(user)
        .expiring_within(days=days, on=on)
        .with_current_certificate()
        .select_related("producer__commune__province")
        .order_by("current_valid_until", "name", "pk")
    )


def product_catalogue_list(*, on: datetime.date | None = None) -> ProductQuerySet:
    """The public catalogue: every product with a certificate in force on ``on``, with what the list shows
    (producer, commune version and its province, group of the 2023 list) in the same query. Highest
    stars first. Filter it with ocop.filters.ProductCatalogueFilterSet."""
    return (
        Product.objects.currently_valid(on=on)
        .with_group_2023()
        .select_related("producer__commune__province", "group__rules")
        .order_by("-current_stars", "name", "pk")
    )


def product_catalogue_get(*, pk: int, on: datetime.date | None = None) -> tuple[Product, RatingEvent] | None:
    """A product of the public catalogue with the certificate to show: the one in force on ``on``, or for
    an expired product the one that ended last. None for an unknown or never-recognised product. Two queries.
    """
    product = (
        Product.objects.with_current_status(on=on)
        .with_group_2023()
        .exclude(status=STATUS_NEVER)
        .select_related("producer__commune__province", "group__rules")
        .filter(pk=pk)
        .first()
    )
    if product is None:
        return None
    if product.current_rating_id is not None:
        rating = RatingEvent.objects.get(pk=product.current_rating_id)
    else:
        on = on or timezone.localdate()
        rating = (
            RatingEvent.objects.recognitions()
            .filter(product=product, certificate_issued_on__lte=on)
            .order_by("-valid_until", "-id")
            .first()
        )
    return product, rating

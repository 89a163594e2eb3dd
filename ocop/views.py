"""OCOP pages: the staff overview and expiring certificates (login required, scoped to the user's area), and
the public catalogue with a page, QR code and printable label per product (no login)."""

from __future__ import annotations

import csv
import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.filters import ProductCatalogueFilterSet
from ocop.models import Product, RatingEvent
from ocop.qr import product_qr_svg
from ocop.querysets import STATUS_NEVER, STATUS_VALID
from ocop.selectors import (
    DEFAULT_EXPIRY_DAYS,
    certificate_expiring_list,
    producer_counts_by_kind,
    product_catalogue_get,
    product_catalogue_list,
    product_counts_by_area,
    product_counts_by_group,
    product_counts_by_stars,
    recognition_counts_by_year,
)

CATALOGUE_PAGE_SIZE = 25
MAX_EXPIRY_DAYS = 3 * 366


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The OCOP counts of the user's area today (the content of the report table Biểu 04)."""
    today = timezone.localdate()
    user = request.user
    context = {
        "today": today,
        "by_stars": product_counts_by_stars(user=user, on=today),
        "by_group": product_counts_by_group(user=user, on=today),
        "by_area": product_counts_by_area(user=user, on=today),
        "by_kind": producer_counts_by_kind(user=user, on=today),
        "by_year": recognition_counts_by_year(user=user, on=today),
        "expiry_days": DEFAULT_EXPIRY_DAYS,
    }
    return render(request, "ocop/overview.html", context)


def _days(request: HttpRequest) -> int:
    """``?days=``, or the default when missing or outside 1 to three years."""
    try:
        days = int(request.GET.get("days", ""))
    except ValueError:
        return DEFAULT_EXPIRY_DAYS
    return days if 1 <= days <= MAX_EXPIRY_DAYS else DEFAULT_EXPIRY_DAYS


@login_required
def expiring(request: HttpRequest) -> HttpResponse:
    """Certificates of the user's area ending within ``?days=`` (default 90), soonest first; ``?format=csv``
    downloads the same list to plan re-ratings."""
    today = timezone.localdate()
    days = _days(request)
    products = list(certificate_expiring_list(user=request.user, days=days, on=today))
    for product in products:
        product.days_left = (product.current_valid_until - today).days
    if request.GET.get("format") == "csv":
        return _expiring_csv(products, today=today, days=days)
    return render(request, "ocop/expiring.html", {"today": today, "days": days, "products": products})


def _expiring_csv(products: list[Product], *, today: datetime.date, days: int) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ocop-expiring-{today:%Y%m%d}-{days}d.csv"'
    response.write("\ufeff")  # a byte-order mark, so spreadsheet programs read the Vietnamese names as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Product"),
            _("Producer"),
            _("Commune"),
            _("Province"),
            _("Stars"),
            _("Certificate number"),
            _("Valid until"),
            _("Days left"),
        ]
    )
    for product in products:
        commune = product.producer.commune
        writer.writerow(
            [
                product.name,
                product.producer.name,
                commune.name,
                commune.province.name if commune.province_id else "",
                product.current_stars,
                product.current_certificate_number,
                product.current_valid_until.strftime("%d/%m/%Y"),
                product.days_left,
            ]
        )
    return response


def catalogue(request: HttpRequest) -> HttpResponse:
    """Public: the products whose OCOP certificate is in force today, filtered and paginated."""
    filterset = ProductCatalogueFilterSet(request.GET or None, queryset=product_catalogue_list())
    page = Paginator(filterset.qs, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ocop/catalogue.html", {"filterset": filterset, "page": page})


def _catalogue_entry(pk: int) -> tuple[Product, RatingEvent]:
    found = product_catalogue_get(pk=pk)
    if found is None:
        raise Http404(_("No OCOP-recognised product with this number."))
    return found


def _entry_context(request: HttpRequest, product: Product, rating: RatingEvent) -> dict:
    valid = product.status == STATUS_VALID
    return {
        "product": product,
        "rating": rating,
        "is_valid": valid,
        # The first day the certificate no longer holds (valid_until is its last day).
        "expired_on": None if valid else rating.valid_until + datetime.timedelta(days=1),
        "page_url": request.build_absolute_uri(reverse("ocop:catalogue_detail", args=[product.pk])),
    }


def catalogue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Public: one recognised product with its certificate, whether it is still valid, and its QR code."""
    product, rating = _catalogue_entry(pk)
    return render(request, "ocop/catalogue_detail.html", _entry_context(request, product, rating))


def catalogue_label(request: HttpRequest, pk: int) -> HttpResponse:
    """Public: a printable label (product, stars, certificate and QR code) for packaging."""
    product, rating = _catalogue_entry(pk)
    return render(request, "ocop/catalogue_label.html", _entry_context(request, product, rating))


def catalogue_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """Public: the QR code (SVG) of a product's catalogue page."""
    if not Product.objects.with_current_status().filter(pk=pk).exclude(status=STATUS_NEVER).exists():
        raise Http404(_("No OCOP-recognised product with this number."))
    url = request.build_absolute_uri(reverse("ocop:catalogue_detail", args=[pk]))
    return HttpResponse(product_qr_svg(url=url), content_type="image/svg+xml")

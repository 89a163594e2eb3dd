"""Reusable reads over OCOP products and rating events (the lists and counts of the reports)."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

# Values of the ``status`` annotation of ProductQuerySet.with_current_status().
STATUS_VALID = "valid"
STATUS_EXPIRED = "expired"
STATUS_NEVER = "never"


class RatingEventQuerySet(models.QuerySet):
    def recognitions(self) -> RatingEventQuerySet:
        """Rating events that recognise stars: a decision above the commune's pre-assessment."""
        return self.exclude(level="commune").exclude(decision_number="")

    def valid_on(self, date: datetime.date) -> RatingEventQuerySet:
        """Recognitions whose certificate is in force on ``date``."""
        return self.recognitions().filter(certificate_issued_on__lte=date, valid_until__gte=date)

    def for_user(self, user) -> RatingEventQuerySet:
        """Rating events of products whose producer's commune lies in the user's area (area_q)."""
        from communes.access import area_q

        return self.filter(area_q(user, "product__producer__commune__"))


class ProductQuerySet(models.QuerySet):
    """Products; current status comes from the latest unexpired recognition."""

    def with_current_status(self, *, on: datetime.date | None = None) -> ProductQuerySet:
        """Annotate each product with its OCOP status on ``on`` (default today), in the same query.

        From the latest recognition whose certificate is in force on ``on`` (decision date, then id,
        descending): ``current_rating_id``, ``current_stars``, ``current_valid_until``,
        ``current_potential_five_stars``, ``current_decision_number``, ``current_decision_date``
        (all None when there is none). ``last_valid_until`` is the end of the latest certificate
        issued by ``on``, in force or not. ``status`` is "valid" when a certificate is in force,
        "expired" when every certificate has ended, "never" when none was issued by ``on``. An
        expired certificate never counts as valid.
        """
        from ocop.models import RatingEvent

        on = on or timezone.localdate()
        current = (
            RatingEvent.objects.valid_on(on)
            .filter(product=OuterRef("pk"))
            .order_by("-decision_date", "-certificate_issued_on", "-id")
        )
        issued = (
            RatingEvent.objects.recognitions()
            .filter(product=OuterRef("pk"), certificate_issued_on__lte=on)
            .order_by("-valid_until", "-id")
        )
        return self.annotate(
            current_rating_id=Subquery(current.values("id")[:1]),
            current_stars=Subquery(current.values("stars")[:1]),
            current_valid_until=Subquery(current.values("valid_until")[:1]),
            current_potential_five_stars=Subquery(current.values("potential_five_stars")[:1]),
            current_decision_number=Subquery(current.values("decision_number")[:1]),
            current_decision_date=Subquery(current.values("decision_date")[:1]),
            last_valid_until=Subquery(issued.values("valid_until")[:1]),
        ).annotate(
            status=Case(
                When(current_rating_id__isnull=False, then=Value(STATUS_VALID)),
                When(last_valid_until__isnull=False, then=Value(STATUS_EXPIRED)),
                default=Value(STATUS_NEVER),
                output_field=models.CharField(),
            )
        )

    # Catalogue and report helpers (added by the catalogue helper; they build on with_current_status).

    def for_user(self, user) -> ProductQuerySet:
        """Products whose producer's commune (the version of its time) lies in the user's area."""
        from communes.access import area_q

        return self.filter(area_q(user, "producer__commune__"))

    def currently_valid(self, *, on: datetime.date | None = None) -> ProductQuerySet:
        """Products with a certificate in force on ``on`` (default today), annotated as by with_current_status."""
        return self.with_current_status(on=on).filter(status=STATUS_VALID)

    def expiring_within(self, *, days: int, on: datetime.date | None = None) -> ProductQuerySet:
        """Products whose certificate is in force on ``on`` and ends within ``days`` days of it (inclusive)."""
        on = on or timezone.localdate()
        return self.currently_valid(on=on).filter(current_valid_until__lte=on + datetime.timedelta(days=days))

    def with_current_certificate(self) -> ProductQuerySet:
        """Add the current certificate's number and issue date (after with_current_status), in the same query."""
        from ocop.models import RatingEvent

        # order_by(): the default ordering (by product) would join ocop_product inside the subquery.
        current = RatingEvent.objects.filter(pk=OuterRef("current_rating_id")).order_by()
        return self.annotate(
            current_certificate_number=Subquery(current.values("certificate_number")[:1]),
            current_certificate_issued_on=Subquery(current.values("certificate_issued_on")[:1]),
        )

    def with_group_2023(self) -> ProductQuerySet:
        """Add ``group_2023_id`` and ``group_2023_name``: the product's group in the 2023 (148) list.

        A 148 subgroup counts under its parent group; a 1048 group under the 148 group it maps to.
        """
        return self.annotate(
            group_2023_id=Coalesce("group__maps_to__parent_id", "group__maps_to_id", "group__parent_id", "group_id"),
            group_2023_name=Coalesce(
                "group__maps_to__parent__name_vi", "group__maps_to__name_vi", "group__parent__name_vi", "group__name_vi"
            ),
        )

    def with_report_area(self) -> ProductQuerySet:
        """Add ``report_area_id``: the district of the producer's commune version, or its province when that
        version has no district (communes after 1 July 2025)."""
        return self.annotate(
            report_area_id=Coalesce("producer__commune__district_id", "producer__commune__province_id")
        )

"""Reads that span several models of the communes app."""

import datetime

from django.db.models import Count, Q

from communes.models import CriteriaSet, Unit


def reference_data_summary(*, date: datetime.date) -> dict:
    """Counts of units in force on ``date`` by level and kind, and the criteria sets with their completeness."""
    units = Unit.objects.as_of(date).aggregate(
        provinces=Count("pk", filter=Q(level="province")),
        districts=Count("pk", filter=Q(level="district")),
        communes=Count("pk", filter=Q(level="commune")),
        rural_communes=Count("pk", filter=Q(level="commune", kind="xa")),
        wards=Count("pk", filter=Q(level="commune", kind="phuong")),
        townships=Count("pk", filter=Q(level="commune", kind="thi_tran")),
        special_zones=Count("pk", filter=Q(level="commune", kind="dac_khu")),
        villages=Count("pk", filter=Q(level="village")),
    )
    criteria_sets = CriteriaSet.objects.with_counts().order_by("level", "period_start")
    return {"units": units, "criteria_sets": list(criteria_sets)}

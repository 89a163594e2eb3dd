"""Query helpers shared by every app."""

from django.db.models import Count, IntegerField, Model, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_related(model: type[Model], field: str) -> Coalesce:
    """Count rows of ``model`` whose ``field`` points at the outer row, as a correlated subquery.

    Several of these on one queryset never multiply each other's rows, unlike several Count() JOINs.
    """
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n"), output_field=IntegerField()), 0)

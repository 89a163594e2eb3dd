"""FilterSets shared by the OCOP pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communes.filters import IdFilter
from ocop.models import EvaluatingLevel, Producer, Product, ProductGroup, RatingEvent
from ocop.querysets import STATUS_EXPIRED, STATUS_NEVER, STATUS_VALID

STAR_CHOICES = [("3", _("3 stars")), ("4", _("4 stars")), ("5", _("5 stars")), ("potential", _("Potential 5 stars"))]


PRODUCT_STATUS_CHOICES = [
    (STATUS_VALID, _("Certificate in force")),
    (STATUS_EXPIRED, _("Certificate expired")),
    (STATUS_NEVER, _("Never recognised")),
]


def current_groups():
    """The groups of the current list (148/QĐ-TTg): neither a subgroup nor an older group mapped to a newer one."""
    # In the order of the decision's list (the data migration creates them in that order).
    return ProductGroup.objects.filter(parent__isnull=True, maps_to__isnull=True).order_by("pk")


class ProductCatalogueFilterSet(django_filters.FilterSet):
    """Catalogue products by current stars, 2023 group and area (province or commune name).

    Works on a queryset annotated by ProductQuerySet.with_current_status() and .with_group_2023()
    (ocop.selectors.product_catalogue_list gives one).
    """

    q = django_filters.CharFilter(label=_("Product or producer"), method="filter_q")
    stars = django_filters.ChoiceFilter(
        label=_("Stars"), choices=STAR_CHOICES, method="filter_stars", empty_label=_("All ratings")
    )
    group = django_filters.ModelChoiceFilter(
        label=_("Product group"), queryset=current_groups(), method="filter_group", empty_label=_("All groups")
    )
    province = django_filters.CharFilter(
        label=_("Province"), field_name="producer__commune__province__name", lookup_expr="icontains"
    )
    commune = django_filters.CharFilter(
        label=_("Commune"), field_name="producer__commune__name", lookup_expr="icontains"
    )

    class Meta:
        model = Product
        fields = ["q", "stars", "group", "province", "commune"]

    def filter_q(self, queryset, name: str, value: str):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(producer__name__icontains=value))

    def filter_stars(self, queryset, name: str, value: str):
        """3, 4 or 5 stars as recognised (a potential 5-star product is a 4-star one), or potential 5 stars."""
        if not value:
            return queryset
        if value == "potential":
            return queryset.filter(current_potential_five_stars=True)
        return queryset.filter(current_stars=int(value))

    def filter_group(self, queryset, name: str, value: ProductGroup | None):
        return queryset if value is None else queryset.filter(group_2023_id=value.pk)


def _area_code_q(prefix: str, code: str) -> Q:
    """Rows whose commune version (at ``prefix``) has the code, or lies in the district or province of that
    code: every version sharing the code counts (today's Thái Nguyên 19 and the former one alike)."""
    return (
        Q(**{f"{prefix}code": code}) | Q(**{f"{prefix}district__code": code}) | Q(**{f"{prefix}province__code": code})
    )


class ProducerFilterSet(django_filters.FilterSet):
    """Producers by type, area (province, district or commune code) and name or registration code."""

    q = django_filters.CharFilter(label=_("Name or registration code"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=Producer.Kind.choices)
    province = django_filters.CharFilter(label=_("Province code"), field_name="commune__province__code")
    district = django_filters.CharFilter(label=_("District code"), field_name="commune__district__code")
    commune = django_filters.CharFilter(label=_("Commune code"), field_name="commune__code")
    area = django_filters.CharFilter(label=_("Province, district or commune code"), method="filter_area")

    class Meta:
        model = Producer
        fields = ["q", "kind", "province", "district", "commune", "area"]

    def filter_q(self, queryset, name: str, value: str):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(registration_code__icontains=value))

    def filter_area(self, queryset, name: str, value: str):
        value = value.strip()
        return queryset.filter(_area_code_q("commune__", value)) if value else queryset


class ProductFilterSet(ProductCatalogueFilterSet):
    """The catalogue's filters (stars, 2023 group with the 1048 groups mapped to it, search) for every
    product status, with the area as codes, the producer type, the status and the end of the certificate.

    Works on a queryset annotated by ProductQuerySet.with_current_status() and .with_group_2023().
    """

    province = django_filters.CharFilter(label=_("Province code"), field_name="producer__commune__province__code")
    district = django_filters.CharFilter(label=_("District code"), field_name="producer__commune__district__code")
    commune = django_filters.CharFilter(label=_("Commune code"), field_name="producer__commune__code")
    area = django_filters.CharFilter(label=_("Province, district or commune code"), method="filter_area")
    # An id, not a choice: an unknown group gives an empty list rather than an error.
    group = IdFilter(
        label=_("Product group (2023 list; older groups count under the one they map to)"), method="filter_group_id"
    )
    producer = IdFilter(label=_("Producer"), field_name="producer_id")
    producer_type = django_filters.ChoiceFilter(
        label=_("Producer type"), field_name="producer__kind", choices=Producer.Kind.choices
    )
    status = django_filters.ChoiceFilter(label=_("Certificate status"), choices=PRODUCT_STATUS_CHOICES)
    expiring_before = django_filters.DateFilter(
        label=_("Certificate in force, ending on or before"), method="filter_expiring_before"
    )

    class Meta:
        model = Product
        fields = [
            "q",
            "stars",
            "group",
            "province",
            "district",
            "commune",
            "area",
            "producer",
            "producer_type",
            "status",
            "expiring_before",
        ]

    def filter_area(self, queryset, name: str, value: str):
        value = value.strip()
        return queryset.filter(_area_code_q("producer__commune__", value)) if value else queryset

    def filter_group_id(self, queryset, name: str, value):
        return queryset if value is None else queryset.filter(group_2023_id=value)

    def filter_expiring_before(self, queryset, name: str, value):
        """Products whose certificate is in force today and ends on or before the date (expired ones are out)."""
        if value is None:
            return queryset
        return queryset.filter(status=STATUS_VALID, current_valid_until__lte=value)


class RatingEventFilterSet(django_filters.FilterSet):
    """Rating events by product, level, kind, stars, decision date and area (code)."""

    product = IdFilter(label=_("Product"), field_name="product_id")
    level = django_filters.ChoiceFilter(label=_("Evaluating level"), choices=EvaluatingLevel.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=RatingEvent.Kind.choices)
    stars = django_filters.ChoiceFilter(label=_("Stars"), choices=[(n, str(n)) for n in range(1, 6)])
    decided_from = django_filters.DateFilter(
        label=_("Decided on or after"), field_name="decision_date", lookup_expr="gte"
    )
    decided_to = django_filters.DateFilter(
        label=_("Decided on or before"), field_name="decision_date", lookup_expr="lte"
    )
    area = django_filters.CharFilter(label=_("Province, district or commune code"), method="filter_area")

    class Meta:
        model = RatingEvent
        fields = ["product", "level", "kind", "stars", "decided_from", "decided_to", "area"]

    def filter_area(self, queryset, name: str, value: str):
        value = value.strip()
        return queryset.filter(_area_code_q("product__producer__commune__", value)) if value else queryset

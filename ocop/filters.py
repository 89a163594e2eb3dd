"""FilterSets shared by the OCOP pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ocop.models import Product, ProductGroup

STAR_CHOICES = [("3", _("3 stars")), ("4", _("4 stars")), ("5", _("5 stars")), ("potential", _("Potential 5 stars"))]


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

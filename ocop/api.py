"""OCOP API: producers, products with their current status, rating events (/api/v1/ocop/...).

Anonymous callers read the public catalogue only: products with a certificate in force today
(ocop.selectors.product_catalogue_list, the catalogue page's own list), whose nested producer carries
no contact data. Signed-in callers and tokens read their area (area_q on the producer's commune
version); writes need the role's model permission and the unit inside the area. Producers and
products are not deleted through the API (rating history hangs on them), rating events are only
created, through ocop.services.rating_record.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.openapi import AutoSchema
from rest_framework.routers import BaseRouter

from communes.access import area_q
from ntm_portal.api.viewsets import ScopedModelViewSet
from ocop.filters import ProducerFilterSet, ProductFilterSet, RatingEventFilterSet
from ocop.models import Producer, Product, RatingEvent
from ocop.selectors import product_catalogue_list
from ocop.serializers import ProducerSerializer, ProductSerializer, RatingEventSerializer


class PublicReadSchema(AutoSchema):
    """Reads need no credentials: the operation's security lists the empty requirement too."""

    def get_auth(self) -> list[dict]:
        auth = super().get_auth()
        if self.method in ("GET", "HEAD") and {} not in auth:
            auth.append({})
        return auth


NO_DELETE = ["get", "post", "put", "patch", "head", "options"]
CREATE_ONLY = ["get", "post", "head", "options"]


class ProducerViewSet(ScopedModelViewSet):
    """OCOP producers (cooperatives, cooperative groups, enterprises, household businesses) of your area."""

    queryset = Producer.objects.select_related("commune__province", "commune__district").order_by("name", "pk")
    serializer_class = ProducerSerializer
    filterset_class = ProducerFilterSet
    ordering_fields = ["name", "kind", "created_at"]
    unit_field = "commune"
    http_method_names = NO_DELETE

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(area_q(self.request.user, "commune__"))


class ProductViewSet(ScopedModelViewSet):
    """OCOP products with their status today: current stars, potential 5 stars, valid until, and
    whether a certificate is in force (valid), has ended (expired) or was never issued (never).
    Anonymous callers see the public catalogue: products with a certificate in force."""

    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet
    ordering_fields = ["name", "current_stars", "current_valid_until", "created_at"]
    unit_field = "producer__commune"
    http_method_names = NO_DELETE
    public = True
    schema = PublicReadSchema()

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if not user.is_authenticated:
            return product_catalogue_list()
        return (
            Product.objects.for_user(user)
            .with_current_status()
            .with_group_2023()
            .select_related("producer__commune__province", "group")
            .order_by("name", "pk")
        )

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.for_user(self.request.user)

    def perform_create(self, serializer) -> None:
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)  # with its status

    def perform_update(self, serializer) -> None:
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


class RatingEventViewSet(ScopedModelViewSet):
    """Rating events of products in your area: scores, stars, decision and certificate. Created through
    the rating rules of the admin (ocop.services.rating_record); never changed or deleted."""

    queryset = RatingEvent.objects.select_related("product", "rules").order_by("-decision_date", "-id")
    serializer_class = RatingEventSerializer
    filterset_class = RatingEventFilterSet
    ordering_fields = ["decision_date", "created_at", "stars", "total"]
    unit_field = "product__producer__commune"
    http_method_names = CREATE_ONLY


def register(router: BaseRouter) -> None:
    router.register("ocop/producers", ProducerViewSet, basename="ocop-producer")
    router.register("ocop/products", ProductViewSet, basename="ocop-product")
    router.register("ocop/ratings", RatingEventViewSet, basename="ocop-rating")

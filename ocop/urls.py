from django.urls import path

from ocop import views

app_name = "ocop"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("expiring/", views.expiring, name="expiring"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/", views.catalogue_detail, name="catalogue_detail"),
    path("catalogue/<int:pk>/qr.svg", views.catalogue_qr, name="catalogue_qr"),
    path("catalogue/<int:pk>/label/", views.catalogue_label, name="catalogue_label"),
]

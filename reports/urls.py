from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_index, name="index"),
    path("provinces/<int:pk>/", views.province_dashboard, name="province_dashboard"),
    path("districts/<int:pk>/", views.district_dashboard, name="district_dashboard"),
    path("communes/<int:pk>/", views.commune_dashboard, name="commune_dashboard"),
]

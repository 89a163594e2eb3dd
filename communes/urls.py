from django.urls import path

from communes import assessment_views, matrix_views, views

app_name = "communes"

urlpatterns = [
    path("", views.home, name="home"),
    path("assessments/", matrix_views.matrix_index, name="matrix_index"),
    path("assessments/<int:pk>/", assessment_views.assessment_entry, name="assessment_entry"),
    path("assessments/<int:pk>/history/", assessment_views.assessment_history, name="assessment_history"),
    path("assessments/<int:pk>/transition/", assessment_views.assessment_transition, name="assessment_transition"),
    path("units/<int:unit_pk>/assessments/new/", assessment_views.assessment_create_view, name="assessment_create"),
    path("districts/<int:pk>/matrix/", matrix_views.district_matrix, name="district_matrix"),
    path("provinces/<int:pk>/matrix/", matrix_views.province_matrix, name="province_matrix"),
]

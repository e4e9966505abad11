"""Pages of the triage app (namespace ``triage``); see ``views``."""

from django.urls import URLPattern, URLResolver, path

from safeguard.triage import views

app_name = "triage"

urlpatterns: list[URLPattern | URLResolver] = [
    path("triage/models/", views.model_list, name="models"),
    path("triage/models/<int:pk>/", views.model_detail, name="model"),
    path("triage/models/<int:pk>/promote", views.model_promote, name="promote"),
    path("triage/cases/<str:reference>/accept", views.case_accept, name="accept"),
    path("triage/cases/<str:reference>/correct", views.case_correct, name="correct"),
]

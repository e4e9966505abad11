"""Pages of the surveys app (namespace ``surveys``): the customer's survey link and its thank-you page."""

from django.urls import URLPattern, URLResolver, path

from safeguard.surveys import views

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = [
    path("surveys/<str:token>/", views.answer, name="answer"),
    path("surveys/<str:token>/thanks/", views.thanks, name="thanks"),
]

"""URL map: admin, staff pages, language switch, API."""

from django.contrib import admin
from django.urls import include, path, re_path

from safeguard.api.main import api
from safeguard.api.problems import not_found as api_not_found
from safeguard.cases.views.home import home

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Anything else under /api/ is a problem document too, never Django's HTML 404.
    re_path(r"^api/", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", home, name="home"),
    path("", include("safeguard.cases.urls")),
    path("", include("safeguard.intake.urls")),
    path("", include("safeguard.surveys.urls")),
    path("", include("safeguard.triage.urls")),
    path("", include("safeguard.quality.urls")),
    path("", include("safeguard.accounts.urls")),
]

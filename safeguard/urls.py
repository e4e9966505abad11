"""URL map: admin, staff pages, API."""

from django.contrib import admin
from django.urls import include, path

from safeguard.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("safeguard.accounts.urls")),
]

"""(being written by a helper: replace this whole file)"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def portal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("portal")


urlpatterns = [path("portal/", portal, name="portal")]

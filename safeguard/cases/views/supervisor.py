"""(being written by a helper: replace this whole file)"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def supervisor(request: HttpRequest) -> HttpResponse:
    return HttpResponse("supervisor")


urlpatterns = [path("supervisor/", supervisor, name="supervisor")]

"""(being written by a helper: replace this whole file)"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def log_contact(request: HttpRequest) -> HttpResponse:
    return HttpResponse("log_contact")


urlpatterns = [path("intake/contact/", log_contact, name="log_contact")]

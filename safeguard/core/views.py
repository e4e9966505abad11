"""Pages every app shares: the rate-limit answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """django-ratelimit's answer (RATELIMIT_VIEW): 429 with a page saying to wait, never a 403."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response

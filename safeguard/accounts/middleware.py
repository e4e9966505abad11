"""Enforce a second factor for staff sessions when ``SAFEGUARD_REQUIRE_MFA`` is on."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths a signed-in user without a verified second factor may still reach.
_EXEMPT_NAMES = ("accounts:mfa_verify", "accounts:mfa_enrol", "accounts:logout", "accounts:login")


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.SAFEGUARD_REQUIRE_MFA
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(("/api/", "/static/", "/portal/"))
            and request.path not in {reverse(name) for name in _EXEMPT_NAMES}
        ):
            return redirect("accounts:mfa_verify")
        return self.get_response(request)

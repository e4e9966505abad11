"""Enforce a second factor for staff sessions.

A session needs one when ``SAFEGUARD_REQUIRE_MFA`` is on (production), or when the
user has enrolled an authenticator (demo mode: optional, but once set up it is used).
The login view records the latter in the session, so this costs no query per request.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

# Set by the login view when the user has a confirmed second factor.
MFA_SESSION_KEY = "safeguard_mfa_enrolled"

# Paths a signed-in user without a verified second factor may still reach.
_EXEMPT_NAMES = ("accounts:mfa_verify", "accounts:mfa_enrol", "accounts:logout", "accounts:login", "set_language")
# The API authenticates with tokens, the portal serves customers, static files are public.
_EXEMPT_PREFIXES = ("/api/", "/static/", "/portal/")


def mfa_required(request: HttpRequest) -> bool:
    return bool(settings.SAFEGUARD_REQUIRE_MFA or request.session.get(MFA_SESSION_KEY))


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and mfa_required(request)
            and not user.is_verified()
            and request.path not in {reverse(name) for name in _EXEMPT_NAMES}
        ):
            url = reverse("accounts:mfa_verify")
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(url)
        return self.get_response(request)

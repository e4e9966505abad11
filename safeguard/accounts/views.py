"""Staff pages of the accounts app: login, MFA enrolment and verification, the account page."""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.accounts import services, tokens
from safeguard.accounts.errors import MfaCodeInvalid
from safeguard.accounts.forms import CodeForm, EnrolForm, TokenForm
from safeguard.accounts.middleware import MFA_SESSION_KEY, mfa_required
from safeguard.accounts.models import ApiToken, User
from safeguard.core.errors import DomainError

# The TOTP secret being enrolled: kept in the session until the user proves their app has it.
_ENROL_KEY = "safeguard_mfa_enrol_key"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _next_url(request: HttpRequest, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _with_next(name: str, next_url: str) -> str:
    return reverse(name) + "?" + urlencode({"next": next_url})


class LoginView(auth_views.LoginView):
    """Django's login (it passes ``request`` to ``authenticate``, which django-axes needs), then
    the user's language, then the second factor where one is needed."""

    template_name = "accounts/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user: User = form.get_user()
        # After login(), which starts a fresh session.
        self.request.session[MFA_SESSION_KEY] = services.has_totp(user)
        if mfa_required(self.request):
            response = HttpResponseRedirect(_with_next("accounts:mfa_verify", self.get_success_url()))
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response


@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = _next_url(request)
    if user.is_verified():  # type: ignore[attr-defined]  # installed by django_otp's middleware
        return redirect(next_url)
    if not services.has_totp(user):
        if mfa_required(request):
            return redirect(_with_next("accounts:mfa_enrol", next_url))
        return redirect("accounts:account")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(user=user, token=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("code", _("That code is not right, or you tried too often. Wait a moment and try again."))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


def _qr_svg(config_url: str) -> str:
    # Rendered here, inline: the secret never leaves the server for a QR service.
    svg: str = segno.make(config_url, error="m").svg_inline(scale=4, title=_("QR code for your authenticator app"))
    return mark_safe(svg)  # noqa: S308 (segno's own markup of our own data)


@login_required
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = _next_url(request)
    if services.has_totp(user):
        messages.info(request, _("Two-factor authentication is already set up."))
        return redirect("accounts:account")
    key = request.session.get(_ENROL_KEY) or services.new_totp_key()
    request.session[_ENROL_KEY] = key
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.enrol_totp(user=user, key=key, token=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.detail)
        else:
            del request.session[_ENROL_KEY]
            request.session[MFA_SESSION_KEY] = True
            otp_login(request, device)
            return render(request, "accounts/backup_codes.html", {"codes": codes, "next": next_url})
    unsaved = TOTPDevice(user=user, key=key, name=services.TOTP_DEVICE_NAME)
    secret = b32encode(unhexlify(key)).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": _qr_svg(unsaved.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "accounts/mfa_enrol.html", context)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "has_totp": services.has_totp(user),
        "backup_codes_left": services.backup_codes_left(user),
        "mfa_required": settings.SAFEGUARD_REQUIRE_MFA,
        "tokens": ApiToken.objects.filter(user=user),
        "token_form": TokenForm(),
        "code_form": CodeForm(),
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The token was not created: the name is too long."))
        return redirect("accounts:account")
    token, secret = tokens.create_token(user=_user(request), name=form.cleaned_data["name"])
    # Shown in this response only; never stored, never put in a message or a cookie.
    return render(request, "accounts/token_created.html", {"token": token, "secret": secret})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    token = get_object_or_404(ApiToken, pk=pk, user=user)
    tokens.revoke_token(token=token, by=user)
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("accounts:account")


@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_verified():  # type: ignore[attr-defined]
        return redirect(_with_next("accounts:mfa_verify", reverse("accounts:account")))
    try:
        codes = services.regenerate_backup_codes(user=user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("accounts:account")
    return render(request, "accounts/backup_codes.html", {"codes": codes, "next": reverse("accounts:account")})


@login_required
@require_POST
def mfa_reset(request: HttpRequest) -> HttpResponse:
    """Remove one's own second factor; a current code is required, so a borrowed session is not enough."""
    user = _user(request)
    form = CodeForm(request.POST)
    try:
        if not form.is_valid() or services.verify_second_factor(user=user, token=form.cleaned_data["code"]) is None:
            raise MfaCodeInvalid(_("That code is not right, or you tried too often. Wait a moment and try again."))
        services.reset_mfa(user=user, by=user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("accounts:account")
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[MFA_SESSION_KEY] = False
    messages.success(request, _("Two-factor authentication was removed from your account."))
    return redirect("accounts:account")

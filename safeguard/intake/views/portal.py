"""The public complaint and feedback form and its confirmation (``/portal/``; no account needed).

POST, then redirect to the confirmation (PRG). The reference of the case just submitted is kept in
the session, so a refresh shows it again and nobody else's case can be shown there.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, get_supported_language_variant, pgettext
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from safeguard.cases import selectors
from safeguard.cases.models import Case
from safeguard.core.errors import InvalidInput
from safeguard.intake import services
from safeguard.intake.forms.portal import PortalForm
from safeguard.intake.tracking import expected_dates

# The reference of the case this browser submitted last (the confirmation page shows it).
SUBMITTED_KEY = "safeguard_portal_reference"


def submit_rate(group: str, request: HttpRequest) -> str:
    """Read at call time, so an operator's (or a test's) setting applies without a restart."""
    rate: str = settings.SAFEGUARD_PORTAL_SUBMIT_RATE
    return rate


def date_formats() -> dict[str, str]:
    """Date formats "in words" in the page's language (Django translates the day and month names)."""
    return {
        # Translators: a Django date format (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date)
        "date_format": pgettext("portal date", "l j F Y"),
        # Translators: a Django date format with the time
        "datetime_format": pgettext("portal date and time", "l j F Y, H:i"),
    }


def _language() -> str:
    try:
        return get_supported_language_variant(get_language() or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


@ratelimit(key="ip", rate=submit_rate, method="POST", block=True)
@require_http_methods(["GET", "POST"])
def portal(request: HttpRequest) -> HttpResponse:
    form = PortalForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_bot:
            # Refused quietly: the bot sees what a person would, and nothing is written.
            return redirect("intake:portal_submitted")
        if form.is_valid():
            try:
                case = _submit(form.cleaned_data)
            except InvalidInput as exc:
                field = exc.extra.get("field")
                form.add_error(field if field in form.fields else None, exc.detail)
            else:
                request.session[SUBMITTED_KEY] = case.reference
                return redirect("intake:portal_submitted")
        return render(request, "intake/portal/form.html", {"form": form}, status=422)
    return render(request, "intake/portal/form.html", {"form": form})


def _submit(data: dict[str, Any]) -> Case:
    return services.submit(
        by=None,
        channel="portal",
        type=data["type"],
        name=data["name"],
        phone=data["phone"],
        email=data["email"],
        product=data["product"],
        description=data["description"],
        desired_outcome=data["desired_outcome"],
        preferred_language=_language(),
        preferred_channel=data["preferred_channel"] or ("email" if data["email"] else "sms"),
        files=data["attachments"],
    )


@require_http_methods(["GET"])
def portal_submitted(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SUBMITTED_KEY)
    case = Case.objects.filter(reference=reference).first() if reference else None
    if case is None:
        return redirect("intake:portal")
    context = {
        "reference": case.reference,
        "case": case,
        "expected": expected_dates(case, selectors.milestones(case)),
        **date_formats(),
    }
    return render(request, "intake/portal/submitted.html", context)


urlpatterns = [
    path("portal/", portal, name="portal"),
    path("portal/submitted/", portal_submitted, name="portal_submitted"),
]

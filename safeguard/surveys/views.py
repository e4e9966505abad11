"""The survey page customers open from their link (``/surveys/<token>/``; no account needed).

GET shows the form, POST records the answer and redirects to the thank-you page (PRG). A link
that is not ours (tampered, truncated) gets 404; one that was answered or has expired gets 410
Gone, each with a page that says so in plain words. The page speaks the invitation's language
unless the customer picked another with the language switch (the language cookie). Both
methods are rate limited per client address, like the portal.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from safeguard.core.errors import InvalidInput
from safeguard.surveys import selectors, services
from safeguard.surveys.errors import SurveyAlreadyAnswered, SurveyExpired, SurveyTokenInvalid
from safeguard.surveys.forms import SurveyForm
from safeguard.surveys.models import SurveyInvitation

STATUS = {selectors.INVALID: 404, selectors.EXPIRED: 410, selectors.ANSWERED: 410}


def answer_rate(group: str, request: HttpRequest) -> str:
    """Read at call time, so an operator's (or a test's) setting applies without a restart."""
    rate: str = settings.SAFEGUARD_SURVEY_ANSWER_RATE
    return rate


def view_rate(group: str, request: HttpRequest) -> str:
    rate: str = settings.SAFEGUARD_SURVEY_VIEW_RATE
    return rate


def _language(request: HttpRequest, invitation: SurveyInvitation | None) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    codes = [code for code, _name in settings.LANGUAGES]
    if chosen in codes:
        return chosen
    if invitation is not None and invitation.language in codes:
        return invitation.language
    return translation.get_language() or settings.LANGUAGE_CODE


def _page(
    request: HttpRequest, invitation: SurveyInvitation | None, template: str, status: int = 200, **context: object
) -> HttpResponse:
    language = _language(request, invitation)
    with translation.override(language):
        response = render(request, template, {"invitation": invitation, **context}, status=status)
    response["Content-Language"] = language
    return response


def _closed(request: HttpRequest, invitation: SurveyInvitation | None, state: str) -> HttpResponse:
    return _page(request, invitation, "surveys/unavailable.html", state=state, status=STATUS[state])


@ratelimit(key="ip", rate=view_rate, method="GET", block=True)
@ratelimit(key="ip", rate=answer_rate, method="POST", block=True)
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_for_token(token)
    state = selectors.link_state(invitation, now=timezone.now())
    if invitation is None or state != selectors.OPEN:
        return _closed(request, invitation, state)
    with translation.override(_language(request, invitation)):
        form = SurveyForm(request.POST or None, kinds=invitation.kinds, purpose=invitation.purpose)
        if request.method == "POST" and form.is_valid():
            try:
                scores = form.scores()
                services.answer(
                    token=token,
                    csat=scores["csat"],
                    nps=scores["nps"],
                    effort=scores["effort"],
                    comment=form.cleaned_data["comment"],
                    now=timezone.now(),
                )
            except SurveyTokenInvalid:
                return _closed(request, None, selectors.INVALID)
            except SurveyAlreadyAnswered:
                return _closed(request, invitation, selectors.ANSWERED)
            except SurveyExpired:
                return _closed(request, invitation, selectors.EXPIRED)
            except InvalidInput as exc:  # a score the form let through but the service refused
                field = exc.extra.get("field")
                form.add_error(field if field in form.fields else None, exc.detail)
            else:
                return redirect("surveys:thanks", token=token)
        status = 422 if request.method == "POST" else 200
        return _page(request, invitation, "surveys/answer.html", form=form, status=status)


@ratelimit(key="ip", rate=view_rate, method="GET", block=True)
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        return _closed(request, None, selectors.INVALID)
    if invitation.answered_at is None:
        return redirect("surveys:answer", token=token)
    return _page(request, invitation, "surveys/thanks.html")

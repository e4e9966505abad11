"""The customer follows a case (``/portal/track/``): reference, one-time code, then the case.

Session keys: ``REFERENCE_KEY`` holds the reference typed on the first step (the code step needs
it); ``TRACKING_KEY`` holds ``{"case": id, "until": timestamp}`` once a code was accepted. The
session key is rotated at that moment, and the tracking session ends after
``SAFEGUARD_TRACKING_SESSION_MINUTES`` without activity. Every page after the code step reads the
case from the session only: no URL names a case, so one case's session cannot open another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails
from django_ratelimit.decorators import ratelimit

from safeguard.cases import selectors
from safeguard.cases import services as cases
from safeguard.cases.errors import IllegalTransition, StaleCase
from safeguard.cases.models import Attachment, Case, Message
from safeguard.core.errors import InvalidInput
from safeguard.intake import tracking
from safeguard.intake.forms.tracking import CodeForm, ReferenceForm, ReplyForm, WithdrawForm
from safeguard.intake.views.portal import date_formats


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


REFERENCE_KEY = "safeguard_track_reference"
TRACKING_KEY = "safeguard_track"


def code_rate(group: str, request: HttpRequest) -> str:
    rate: str = settings.SAFEGUARD_TRACKING_CODE_RATE
    return rate


def verify_rate(group: str, request: HttpRequest) -> str:
    rate: str = settings.SAFEGUARD_TRACKING_VERIFY_RATE
    return rate


def _session_until() -> float:
    return (timezone.now() + timedelta(minutes=settings.SAFEGUARD_TRACKING_SESSION_MINUTES)).timestamp()


def tracked_case(request: HttpRequest) -> Case | None:
    """The case this browser proved with a code, while the tracking session lasts (and extend it)."""
    state = request.session.get(TRACKING_KEY)
    if not isinstance(state, dict) or state.get("until", 0) <= timezone.now().timestamp():
        request.session.pop(TRACKING_KEY, None)
        return None
    case = Case.objects.select_related("product").filter(pk=int(state.get("case") or 0)).first()
    if case is not None:
        request.session[TRACKING_KEY] = {"case": case.pk, "until": _session_until()}
    return case


def _session_ended(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Your tracking session has ended. Enter your reference to get a new code."))
    return redirect("intake:track")


# --- reference and code ---------------------------------------------------------------------


@ratelimit(key="ip", rate=code_rate, method="POST", block=True)
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    form = ReferenceForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "intake/portal/track.html", {"form": form}, status=422)
        reference = form.cleaned_data["reference"]
        tracking.request_code(reference=reference)  # the same answer whether the case exists or not
        request.session[REFERENCE_KEY] = reference
        return redirect("intake:track_verify")
    return render(request, "intake/portal/track.html", {"form": form})


@ratelimit(key="ip", rate=verify_rate, method="POST", block=True)
@require_http_methods(["GET", "POST"])
def track_verify(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(REFERENCE_KEY)
    if not reference:
        return redirect("intake:track")
    form = CodeForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "reference": reference}
    if request.method == "POST":
        case = None
        if form.is_valid():
            case = tracking.verify_code(reference=reference, code=form.cleaned_data["code"])
            if case is None:  # whatever was wrong: the reference, the code, its age or its attempts
                form.add_error("code", _("This code is not valid or has expired. Check it, or ask for a new code."))
        if case is None:
            return render(request, "intake/portal/verify.html", context, status=422)
        request.session.cycle_key()  # a new session id for the proven customer
        request.session.pop(REFERENCE_KEY, None)
        request.session[TRACKING_KEY] = {"case": case.pk, "until": _session_until()}
        return redirect("intake:track_case")
    return render(request, "intake/portal/verify.html", context)


# --- the case -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalMessage:
    """A message as the customer sees it: never a staff username unless the institution allows names."""

    direction: str
    author: str
    at: datetime
    subject: str
    body: str


def _author(message: Message) -> str:
    if message.direction == Message.Direction.INBOUND:
        return _("You")
    if settings.SAFEGUARD_PORTAL_SHOW_STAFF_NAMES and message.author is not None:
        return message.author.get_full_name() or _("Complaints team")
    return _("Complaints team")


def _conversation(case: Case) -> list[PortalMessage]:
    return [
        PortalMessage(m.direction, _author(m), m.created_at, m.subject, m.body) for m in selectors.portal_messages(case)
    ]


def _context(case: Case, **forms: Any) -> dict[str, Any]:
    return {
        "case": case,
        "tracking": True,
        "status_label": tracking.status_label(case.status),
        "expected": tracking.expected_dates(case, selectors.milestones(case)),
        "conversation": _conversation(case),
        "files": list(selectors.portal_attachments(case)),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(initial={"version": case.version}),
        **date_formats(),
    }


@require_http_methods(["GET"])
def track_case(request: HttpRequest) -> HttpResponse:
    case = tracked_case(request)
    if case is None:
        return _session_ended(request)
    return render(request, "intake/portal/case.html", _context(case))


@require_POST
def track_reply(request: HtmxHttpRequest) -> HttpResponse:
    case = tracked_case(request)
    if case is None:
        return _session_ended(request)
    form = ReplyForm(request.POST, request.FILES)
    sent = form.is_valid() and _reply(case, form)
    if request.htmx:
        # htmx swaps only 2xx answers: the form with its errors comes back as 200.
        context = _context(case, reply_form=None if sent else form)
        context["notice"] = _("Thank you. We have your message.") if sent else ""
        return render(request, "intake/portal/case.html#conversation", context)
    if not sent:
        return render(request, "intake/portal/case.html", _context(case, reply_form=form), status=422)
    messages.success(request, _("Thank you. We have your message."))
    return redirect("intake:track_case")


def _reply(case: Case, form: ReplyForm) -> bool:
    """The message and its files, all or nothing (stored bytes of a failed reply are deleted)."""
    added: list[Attachment] = []
    try:
        with transaction.atomic():
            message = cases.add_message(
                case=case, by=None, direction="in", channel="portal", body=form.cleaned_data["body"]
            )
            for file in form.cleaned_data["attachments"]:
                added.append(
                    cases.add_attachment(
                        case=case, by=None, file=file, source=Attachment.Source.CUSTOMER, message=message
                    )
                )
    except BaseException as exc:
        cases.discard_files(added)
        if not isinstance(exc, InvalidInput):
            raise
        field = exc.extra.get("field")
        form.add_error("attachments" if field == "attachments" else "body", exc.detail)
        return False
    return True


@require_POST
def track_withdraw(request: HttpRequest) -> HttpResponse:
    case = tracked_case(request)
    if case is None:
        return _session_ended(request)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return render(request, "intake/portal/case.html", _context(case, withdraw_form=form), status=422)
    try:
        cases.withdraw(case=case, by=None, version=form.cleaned_data["version"], reason=form.cleaned_data["reason"])
    except StaleCase:
        messages.warning(request, _("Your case changed while you were looking at it. Please check it and try again."))
    except IllegalTransition:
        messages.error(request, _("This case can no longer be withdrawn."))
    except InvalidInput as exc:
        form.add_error("reason", exc.detail)
        return render(request, "intake/portal/case.html", _context(case, withdraw_form=form), status=422)
    else:
        messages.success(request, _("You have withdrawn your complaint. We will not work on it any further."))
    return redirect("intake:track_case")


@require_http_methods(["GET"])
def track_download(request: HttpRequest, pk: int) -> FileResponse:
    case = tracked_case(request)
    attachment = selectors.portal_attachments(case).filter(pk=pk).first() if case is not None else None
    if attachment is None:
        raise Http404
    handle = storages["attachments"].open(attachment.storage_name, "rb")
    return FileResponse(handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type)


@require_POST
def track_signout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    messages.info(request, _("You have stopped following your case on this device."))
    return redirect("intake:track")


urlpatterns = [
    path("portal/track/", track, name="track"),
    path("portal/track/verify/", track_verify, name="track_verify"),
    path("portal/track/case/", track_case, name="track_case"),
    path("portal/track/case/reply/", track_reply, name="track_reply"),
    path("portal/track/case/withdraw/", track_withdraw, name="track_withdraw"),
    path("portal/track/files/<int:pk>/", track_download, name="track_download"),
    path("portal/track/signout/", track_signout, name="track_signout"),
]

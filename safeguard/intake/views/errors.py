"""The intake errors list (``/intake/errors/``): what arrived and could not be turned into a case.

Staff with ``intake.view_inbounditem`` (agents, supervisors, auditors, administrators) see the
items that failed and those still waiting well after they arrived (their worker died), or the
rejected ones, newest first, a page at a time (``size + 1`` rows, never a ``COUNT(*)``). The
payload is never shown, not even decrypted for the page: only its size and SHA-256, and the masked
sender hint a channel may keep in the headers (``sender_masked``). Those who also hold
``intake.retry_inbounditem`` get a Retry button (a plain POST, then back to the list with the
outcome as a notice); auditors read the list only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safeguard.accounts.models import User
from safeguard.cases.access import ensure_can
from safeguard.core.errors import Conflict
from safeguard.intake import inbound
from safeguard.intake.models import InboundItem
from safeguard.intake.tasks import STUCK_AFTER

VIEW_PERM = "intake.view_inbounditem"
RETRY_PERM = "intake.retry_inbounditem"
PAGE_SIZE = 50
# Deeper pages than this are not offered (an offset that large means something else is wrong).
MAX_PAGE = 200
# What the list shows: items needing attention (failed, or stuck unprocessed), or rejected ones.
ATTENTION = "attention"
REJECTED = "rejected"
# The columns the page needs; the encrypted payload is never read.
_COLUMNS = (
    "channel",
    "source",
    "payload_size",
    "payload_sha256",
    "headers",
    "received_at",
    "status",
    "error",
    "attempts",
    "processed_at",
)


def _show(value: str | None) -> str:
    return REJECTED if value == REJECTED else ATTENTION


def _page_number(value: str | None) -> int:
    return min(int(value), MAX_PAGE) if value and value.isdigit() and int(value) >= 1 else 1


def intake_errors_for(show: str) -> QuerySet[InboundItem]:
    """The items of the list, newest first (served by ``inbound_item_status_idx``)."""
    if show == REJECTED:
        wanted = Q(status=InboundItem.Status.REJECTED)
    else:
        stuck = Q(status=InboundItem.Status.RECEIVED, received_at__lt=timezone.now() - STUCK_AFTER)
        wanted = Q(status=InboundItem.Status.FAILED) | stuck
    return InboundItem.objects.filter(wanted).only(*_COLUMNS).order_by("-received_at", "-id")


def _list_url(show: str, page: int) -> str:
    query = {key: value for key, value in (("show", show), ("page", page)) if value not in (ATTENTION, 1)}
    url = reverse("intake:intake_errors")
    return f"{url}?{urlencode(query)}" if query else url


@login_required
@require_GET
def intake_errors(request: HttpRequest) -> HttpResponse:
    user: User = ensure_can(request.user, VIEW_PERM)
    show = _show(request.GET.get("show"))
    number = _page_number(request.GET.get("page"))
    start = (number - 1) * PAGE_SIZE
    rows = list(intake_errors_for(show)[start : start + PAGE_SIZE + 1])
    context: dict[str, Any] = {
        "items": rows[:PAGE_SIZE],
        "show": show,
        "number": number,
        "previous_url": _list_url(show, number - 1) if number > 1 else "",
        "next_url": _list_url(show, number + 1) if len(rows) > PAGE_SIZE and number < MAX_PAGE else "",
        "may_retry": user.has_perm(RETRY_PERM),
        "stuck_minutes": int(STUCK_AFTER.total_seconds() // 60),
    }
    return render(request, "intake/errors.html", context)


def _outcome(request: HttpRequest, item: InboundItem) -> None:
    """Tell the user how the retry went."""
    if item.status == InboundItem.Status.PROCESSED:
        reference = item.case.reference if item.case is not None else ""
        messages.success(request, _("The item was processed: it is on case %(reference)s.") % {"reference": reference})
    elif item.status == InboundItem.Status.IGNORED:
        messages.info(request, _("The item was ignored: %(reason)s") % {"reason": item.error})
    elif item.status == InboundItem.Status.REJECTED:
        messages.warning(request, _("The item was rejected: %(error)s") % {"error": item.error})
    else:
        messages.error(request, _("The item failed again: %(error)s") % {"error": item.error})


@login_required
@require_POST
def intake_error_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = ensure_can(request.user, RETRY_PERM)
    item = InboundItem.objects.filter(pk=pk).only(*_COLUMNS).first()
    if item is None:
        raise Http404
    try:
        done = inbound.retry(item=item, by=user)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        _outcome(request, done)
    return redirect(_list_url(_show(request.POST.get("show")), _page_number(request.POST.get("page"))))


urlpatterns = [
    path("intake/errors/", intake_errors, name="intake_errors"),
    path("intake/errors/<int:pk>/retry/", intake_error_retry, name="intake_error_retry"),
]

"""The staff queue (``/queue/``): the cases a handler may see, nearest deadline first.

Filter state lives in the URL (a GET form). With htmx the form swaps only the results
(``queue.html#results``) and pushes the URL; without JavaScript it is a plain GET. Pages are
fetched by offset, ``size + 1`` rows at a time, never with a ``COUNT(*)`` over the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from safeguard.cases import selectors
from safeguard.cases.forms.queue import QueueFilterForm, control
from safeguard.cases.forms.supervisor import BulkReassignForm
from safeguard.cases.models import Case, CaseType, Channel, Status
from safeguard.cases.services.assignment import ASSIGN_PERM
from safeguard.cases.templatetags.case_tags import deadline_badge

# The count above the table stops here ("more than 1,000 cases"): a LIMITed subquery, never a full
# COUNT(*). It is fetched after the page (htmx, on load) and given up after COUNT_TIMEOUT_MS on
# PostgreSQL, so a filter that matches few of a million cases never slows the queue itself.
COUNT_CAP = 1000
COUNT_TIMEOUT_MS = 500


# Stands for the reference in the case page's URL, reversed once per page instead of once a row.
_REFERENCE = "REFERENCE"


@dataclass(frozen=True)
class QueueRow:
    """One case of the page as the table shows it: labels translated and links built once per page."""

    case: Case
    url: str
    pick_label: str
    type: str
    channel: str
    product: str
    status: str
    assignee: str
    deadline: str


def _rows(cases: list[Case], now: datetime) -> list[QueueRow]:
    types, channels, statuses = ({str(v): str(label) for v, label in c.choices} for c in (CaseType, Channel, Status))
    chinese = (get_language() or "").startswith("zh")
    detail = reverse("cases:detail", args=[_REFERENCE])
    rows = []
    for case in cases:
        product = case.product
        assignee = case.assignee
        rows.append(
            QueueRow(
                case=case,
                url=detail.replace(_REFERENCE, case.reference),
                pick_label=_("Select %(reference)s") % {"reference": case.reference},
                type=types.get(case.type, case.type),
                channel=channels.get(case.channel, case.channel),
                product=(product.name_zh if chinese and product.name_zh else product.name) if product else "",
                status=statuses.get(case.status, case.status),
                assignee=(assignee.get_full_name() or assignee.get_username()) if assignee else "",
                deadline=deadline_badge(case, now),
            )
        )
    return rows


@login_required
@require_GET
@vary_on_headers("HX-Request")
def queue(request: HttpRequest) -> HttpResponse:
    partial = bool(request.htmx) and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    form = QueueFilterForm(request.GET, user=request.user)  # type: ignore[arg-type]
    valid = form.is_valid()
    now = timezone.now()
    context: dict[str, object] = {"form": form}
    if not partial:
        context["controls"] = form.controls()
    if valid:
        cases = selectors.queue_for(request.user, form.to_filter())
        page = selectors.queue_page(cases, number=form.page_number, size=settings.SAFEGUARD_QUEUE_PAGE_SIZE)
        context["page"] = page
        context["rows"] = _rows(page.cases, now)
        if page.cases and request.user.has_perm(ASSIGN_PERM):
            bulk_form = BulkReassignForm(auto_id="bulk_%s")
            context["bulk_form"] = bulk_form
            # Drawn like the filters; the assignees are the filter's own (the same selector), not a second query.
            nobody = getattr(bulk_form.fields["assignee"], "empty_label", "")
            context["bulk_controls"] = [
                control(bulk_form["assignee"], choices=[("", nobody), *form.staff]),
                control(bulk_form["department"]),
            ]
    template = "cases/queue.html#results" if partial else "cases/queue.html"
    # htmx swaps only 2xx answers, so the errors of an htmx request come back with a 200.
    return render(request, template, context, status=200 if valid or partial else 400)


@login_required
@require_GET
def queue_count(request: HttpRequest) -> HttpResponse:
    """How many cases the queue's filters match, capped: the fragment the results load after the page."""
    form = QueueFilterForm(request.GET, user=request.user)  # type: ignore[arg-type]
    total = None
    if form.is_valid():
        cases = selectors.queue_for(request.user, form.to_filter())
        total = selectors.count_capped(cases, COUNT_CAP, timeout_ms=COUNT_TIMEOUT_MS)
    context = {"total": total, "count_cap": COUNT_CAP, "counted": form.is_valid()}
    return render(request, "cases/queue.html#count", context)


urlpatterns = [
    path("queue/", queue, name="queue"),
    path("queue/count/", queue_count, name="queue_count"),
]

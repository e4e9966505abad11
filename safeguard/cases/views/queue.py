"""The staff queue (``/queue/``): the cases a handler may see, nearest deadline first.

Filter state lives in the URL (a GET form). With htmx the form swaps only the results
(``queue.html#results``) and pushes the URL; without JavaScript it is a plain GET. Pages are
fetched by offset, ``size + 1`` rows at a time, never with a ``COUNT(*)`` over the queue.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from safeguard.cases import selectors
from safeguard.cases.forms.queue import QueueFilterForm
from safeguard.cases.forms.supervisor import BulkReassignForm
from safeguard.cases.services.assignment import ASSIGN_PERM

# The count above the table stops here ("more than 1,000 cases"): a LIMITed subquery, never a full
# COUNT(*). It is fetched after the page (htmx, on load) and given up after COUNT_TIMEOUT_MS on
# PostgreSQL, so a filter that matches few of a million cases never slows the queue itself.
COUNT_CAP = 1000
COUNT_TIMEOUT_MS = 500


@login_required
@require_GET
@vary_on_headers("HX-Request")
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET, user=request.user)  # type: ignore[arg-type]
    valid = form.is_valid()
    context: dict[str, object] = {"form": form, "now": timezone.now()}
    if valid:
        cases = selectors.queue_for(request.user, form.to_filter())
        context["page"] = selectors.queue_page(cases, number=form.page_number, size=settings.SAFEGUARD_QUEUE_PAGE_SIZE)
        if request.user.has_perm(ASSIGN_PERM):
            context["bulk_form"] = BulkReassignForm(auto_id="bulk_%s")
    partial = bool(request.htmx) and not request.htmx.history_restore_request  # type: ignore[attr-defined]
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

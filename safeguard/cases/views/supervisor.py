"""The supervisor view (``/supervisor/``): load per handler, breached and due-soon cases per
department, bulk reassign, and the redress approval queue.

Open to holders of ``cases.assign_case`` or ``cases.approve_redress``; each action checks its own
permission, and the services check again. Actions are plain POSTs answered with a redirect and a
message per outcome, so they work without JavaScript.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from safeguard.accounts.models import User
from safeguard.cases import selectors, services
from safeguard.cases.access import ensure_can, permission_denied
from safeguard.cases.forms.supervisor import BulkReassignForm, RejectRedressForm
from safeguard.cases.services.assignment import ASSIGN_PERM
from safeguard.cases.services.redress import APPROVE_PERM
from safeguard.core.errors import DomainError

# Each department's breached and due-soon lists show this many cases; the rest are a queue link away.
PER_DEPARTMENT = 10


def _supervisor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not (user.has_perm(ASSIGN_PERM) or user.has_perm(APPROVE_PERM)):
        raise permission_denied(ASSIGN_PERM)
    return user


@login_required
@require_GET
def supervisor(request: HttpRequest) -> HttpResponse:
    user = _supervisor(request)
    now = timezone.now()
    hours = settings.SAFEGUARD_DUE_SOON_HOURS
    # The queue's "due before" that lists the due-soon window: its end, rounded up to the minute.
    window_end = timezone.localtime(now + timedelta(hours=hours, minutes=1)).strftime("%Y-%m-%d %H:%M")
    can_approve = user.has_perm(APPROVE_PERM)
    pending = list(selectors.redress_awaiting_approval(user)) if can_approve else []
    context = {
        "now": now,
        "due_soon_hours": hours,
        "due_soon_before": window_end,
        "per_department": PER_DEPARTMENT,
        "loads": selectors.handler_load(user, now=now, due_soon_hours=hours),
        "departments": selectors.deadlines_by_department(
            user, now=now, due_soon_hours=hours, per_department=PER_DEPARTMENT
        ),
        "bulk_form": BulkReassignForm(auto_id="bulk_%s") if user.has_perm(ASSIGN_PERM) else None,
        "can_approve": can_approve,
        "pending": [(r, RejectRedressForm(auto_id=f"reject_{r.pk}_%s")) for r in pending],
    }
    return render(request, "cases/supervisor.html", context)


@login_required
@require_POST
def bulk_reassign(request: HttpRequest) -> HttpResponse:
    """Reassign the ticked cases one by one (each its own transaction) and report each outcome."""
    user = ensure_can(request.user, ASSIGN_PERM)
    form = BulkReassignForm(request.POST)
    back = _back_url(request)
    if not form.is_valid():
        for error in _errors(form):
            messages.error(request, error)
        return HttpResponseRedirect(back)
    assignee, department = form.cleaned_data["assignee"], form.cleaned_data["department"]
    done: list[str] = []
    for reference, version in form.cleaned_data["case"]:
        try:
            case = selectors.case_for(user, reference)
            services.assign(case=case, by=user, version=version, assignee=assignee, department=department)
        except DomainError as exc:
            messages.error(
                request,
                _("%(reference)s was not reassigned: %(reason)s") % {"reference": reference, "reason": exc.detail},
            )
        else:
            done.append(reference)
    if done:
        messages.success(
            request,
            ngettext(
                "Reassigned %(count)d case: %(references)s.", "Reassigned %(count)d cases: %(references)s.", len(done)
            )
            % {"count": len(done), "references": ", ".join(done)},
        )
    return HttpResponseRedirect(back)


@login_required
@require_POST
def approve_redress(request: HttpRequest, pk: int) -> HttpResponse:
    user = ensure_can(request.user, APPROVE_PERM)
    try:
        redress = selectors.redress_for(user, pk)
        services.approve_redress(redress=redress, by=user)
    except DomainError as exc:
        messages.error(request, _("The redress was not approved: %(reason)s") % {"reason": exc.detail})
    else:
        messages.success(
            request,
            _("Approved %(currency)s %(amount)s redress on %(reference)s.")
            % {"currency": redress.currency, "amount": redress.amount, "reference": redress.case.reference},
        )
    return HttpResponseRedirect(reverse("cases:supervisor"))


@login_required
@require_POST
def reject_redress(request: HttpRequest, pk: int) -> HttpResponse:
    user = ensure_can(request.user, APPROVE_PERM)
    form = RejectRedressForm(request.POST)
    if not form.is_valid():
        for error in _errors(form):
            messages.error(request, _("The redress was not rejected: %(reason)s") % {"reason": error})
        return HttpResponseRedirect(reverse("cases:supervisor"))
    try:
        redress = selectors.redress_for(user, pk)
        services.reject_redress(redress=redress, by=user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, _("The redress was not rejected: %(reason)s") % {"reason": exc.detail})
    else:
        messages.success(
            request,
            _("Rejected %(currency)s %(amount)s redress on %(reference)s.")
            % {"currency": redress.currency, "amount": redress.amount, "reference": redress.case.reference},
        )
    return HttpResponseRedirect(reverse("cases:supervisor"))


def _back_url(request: HttpRequest) -> str:
    """The page the form came from (the queue with its filters) if it is on this site, else this view."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("cases:supervisor")


def _errors(form: Form) -> list[str]:
    """A form's errors as sentences: "Field: message", or the message alone for the whole form."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            lines.append(_("%(field)s: %(error)s") % {"field": label, "error": error} if label else str(error))
    return lines


urlpatterns = [
    path("supervisor/", supervisor, name="supervisor"),
    path("supervisor/reassign/", bulk_reassign, name="bulk_reassign"),
    path("supervisor/redress/<int:pk>/approve/", approve_redress, name="redress_approve"),
    path("supervisor/redress/<int:pk>/reject/", reject_redress, name="redress_reject"),
]

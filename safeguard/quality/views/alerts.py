"""Early-warning alerts: the compliance officers' inbox (``/quality/alerts/``) and one alert's page
with its cases, its history and the actions (acknowledge, link a corrective action, close).

Seeing needs ``quality.view_alert`` (supervisors, compliance officers, auditors, administrators);
acting needs ``quality.handle_alert`` (compliance officers), and the services check again. Actions
are plain POSTs: success redirects back with a notice; a refused action re-renders the page with
the reason (400 for bad input, 409 for a move the alert's status does not allow).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from safeguard.accounts.models import User
from safeguard.core.errors import DomainError, PermissionDenied
from safeguard.quality.models import Alert
from safeguard.quality.services import alerts as services
from safeguard.quality.services.alerts import HANDLE_PERM, VIEW_PERM, display_label
from safeguard.quality.warnings import selectors

PAGE_SIZE = 50
# The alert page lists at most this many of its cases (the rest are counted).
CASES_SHOWN = 200

# The inbox's status filter: "" is what still needs someone (open and acknowledged).
_STATUS_FILTERS = {
    "": (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED),
    "open": (Alert.Status.OPEN,),
    "acknowledged": (Alert.Status.ACKNOWLEDGED,),
    "closed": (Alert.Status.CLOSED,),
    "all": (),
}


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Needs attention (open or acknowledged)")),
            ("open", gettext_lazy("Open")),
            ("acknowledged", gettext_lazy("Acknowledged")),
            ("closed", gettext_lazy("Closed")),
            ("all", gettext_lazy("All")),
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("Any")), *Alert.Kind.choices]
    )
    dimension = forms.ChoiceField(
        label=gettext_lazy("Series"), required=False, choices=[("", gettext_lazy("Any")), *Alert.Dimension.choices]
    )
    page = forms.IntegerField(label=gettext_lazy("Page"), required=False, min_value=1, max_value=100_000)

    def to_filter(self) -> selectors.AlertFilter:
        data = self.cleaned_data
        return selectors.AlertFilter(
            status=_STATUS_FILTERS[data.get("status") or ""],
            kind=data.get("kind") or "",
            dimension=data.get("dimension") or "",
        )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What was found or done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why the alert is closed: what was found or done.")},
    )


class CorrectiveActionForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Corrective action reference"),
        max_length=services.CORRECTIVE_ACTION_MAX,
        error_messages={"required": gettext_lazy("Give the corrective action's reference.")},
    )


# Each action form's ids on the page (three forms share it).
_AUTO_ID = {"acknowledge_form": "acknowledge_%s", "close_form": "close_%s", "action_form": "action_%s"}


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not selectors.can_view(user):
        raise PermissionDenied(_("You do not have permission to do this (%(permission)s).") % {"permission": VIEW_PERM})
    assert isinstance(user, User)
    return user


def _handler(request: HttpRequest) -> User:
    user = _viewer(request)
    if not user.has_perm(HANDLE_PERM):
        raise PermissionDenied(
            _("You do not have permission to do this (%(permission)s).") % {"permission": HANDLE_PERM}
        )
    return user


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    form = AlertFilterForm(request.GET)
    context: dict[str, Any] = {"form": form}
    if not form.is_valid():
        return render(request, "quality/alerts/list.html", context, status=400)
    alerts = selectors.alerts_for(user, form.to_filter()).annotate(case_count=Count("cases"))
    page = Paginator(alerts, PAGE_SIZE).get_page(form.cleaned_data.get("page") or 1)
    context["page"] = page
    context["rows"] = [(alert, display_label(alert)) for alert in page.object_list]
    context["open_count"] = selectors.open_alerts(user)
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    return render(request, "quality/alerts/list.html", context)


def _detail(
    request: HttpRequest,
    alert: Alert,
    *,
    status: int = 200,
    error: str = "",
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    """The alert's page; ``bound`` replaces the empty action forms by name (with their errors)."""
    forms_ = bound or {}
    user = request.user
    assert isinstance(user, User)
    can_handle = user.has_perm(HANDLE_PERM) and alert.status != Alert.Status.CLOSED
    cases, total = selectors.cases_behind(user, alert, limit=CASES_SHOWN)
    days = alert.detail.get("days") or []
    context = {
        "alert": alert,
        "label": display_label(alert),
        "days": days,
        "terms": alert.detail.get("terms") or [],
        "cases": cases,
        "cases_total": total,
        "cases_shown": CASES_SHOWN,
        "history": selectors.history(alert),
        "can_handle": can_handle,
        "can_acknowledge": can_handle and alert.status == Alert.Status.OPEN,
        "error": error,
        "acknowledge_form": forms_.get("acknowledge_form") or AcknowledgeForm(auto_id=_AUTO_ID["acknowledge_form"]),
        "close_form": forms_.get("close_form") or CloseForm(auto_id=_AUTO_ID["close_form"]),
        "action_form": forms_.get("action_form")
        or CorrectiveActionForm(auto_id=_AUTO_ID["action_form"], initial={"reference": alert.corrective_action}),
        "chart": {
            "days": [str(d["day"]) for d in days],
            "observed": [d["observed"] for d in days],
            "expected": [d["expected"] for d in days],
            "labels": {"observed": _("Observed"), "expected": _("Expected")},
        }
        if days
        else None,
    }
    return render(request, "quality/alerts/detail.html", context, status=status)


@login_required
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    return _detail(request, selectors.alert_for(user, pk))


def _act(
    request: HttpRequest, pk: int, form_class: type[forms.Form], form_name: str, action: Any, done: str
) -> HttpResponse:
    user = _handler(request)
    alert = selectors.alert_for(user, pk)
    form = form_class(request.POST, auto_id=_AUTO_ID[form_name])
    if not form.is_valid():
        return _detail(request, alert, status=400, bound={form_name: form})
    try:
        action(alert=alert, by=user, **form.cleaned_data)
    except DomainError as exc:
        alert.refresh_from_db()
        return _detail(request, alert, status=exc.status, error=exc.detail, bound={form_name: form})
    messages.success(request, done)
    return HttpResponseRedirect(reverse("quality:alert_detail", args=[alert.pk]))


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    def run(*, alert: Alert, by: User, note: str) -> Alert:
        return services.acknowledge(alert=alert, by=by, now=timezone.now(), note=note)

    return _act(request, pk, AcknowledgeForm, "acknowledge_form", run, _("The alert is acknowledged."))


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(*, alert: Alert, by: User, note: str) -> Alert:
        return services.close(alert=alert, by=by, now=timezone.now(), note=note)

    return _act(request, pk, CloseForm, "close_form", run, _("The alert is closed."))


@login_required
@require_POST
def corrective_action(request: HttpRequest, pk: int) -> HttpResponse:
    def run(*, alert: Alert, by: User, reference: str) -> Alert:
        return services.link_corrective_action(alert=alert, by=by, reference=reference)

    return _act(
        request, pk, CorrectiveActionForm, "action_form", run, _("The corrective action is linked to the alert.")
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("quality/alerts/", alert_list, name="alerts"),
    path("quality/alerts/<int:pk>/", alert_detail, name="alert_detail"),
    path("quality/alerts/<int:pk>/acknowledge", acknowledge, name="alert_acknowledge"),
    path("quality/alerts/<int:pk>/close", close, name="alert_close"),
    path("quality/alerts/<int:pk>/corrective-action", corrective_action, name="alert_corrective_action"),
]

"""Reading alerts: the one access choke point for ``Alert`` (pages and any later API).

Alerts are aggregates (counts and labels, no personal data); seeing them needs
``quality.view_alert``. The cases behind an alert are shown only as far as
``cases.selectors.visible_cases`` lets the reader see them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.audit.models import AuditEntry
from safeguard.audit.selectors import entries_for
from safeguard.cases.access import Actor
from safeguard.cases.models import Case
from safeguard.cases.selectors import visible_cases
from safeguard.core.errors import NotFound
from safeguard.quality.models import Alert
from safeguard.quality.services.alerts import VIEW_PERM

# What a row of the list shows besides the alert.
ALERT_RELATED = ("suggested_owner", "acknowledged_by", "closed_by")


def can_view(user: Actor) -> bool:
    return isinstance(user, User) and user.is_active and user.has_perm(VIEW_PERM)


@dataclass(frozen=True)
class AlertFilter:
    """The inbox's filters; empty strings mean "any". The default shows what still needs a look."""

    status: tuple[str, ...] = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED)
    kind: str = ""
    dimension: str = ""


def alerts_for(user: Actor, filters: AlertFilter | None = None) -> QuerySet[Alert]:
    """The alerts ``user`` may see (none without ``quality.view_alert``), newest first."""
    if not can_view(user):
        return Alert.objects.none()
    filters = filters or AlertFilter()
    alerts = Alert.objects.select_related(*ALERT_RELATED)
    if filters.status:
        alerts = alerts.filter(status__in=list(filters.status))
    if filters.kind:
        alerts = alerts.filter(kind=filters.kind)
    if filters.dimension:
        alerts = alerts.filter(dimension=filters.dimension)
    return alerts.order_by("-detected_on", "-pk")


def alert_for(user: Actor, pk: int) -> Alert:
    """The alert if ``user`` may see it; ``NotFound`` otherwise (the same answer either way)."""
    try:
        return alerts_for(user, AlertFilter(status=())).get(pk=pk)
    except Alert.DoesNotExist:
        raise NotFound(_("No alert with this number."), alert=pk) from None


def cases_behind(user: Actor, alert: Alert, *, limit: int) -> tuple[list[Case], int]:
    """The alert's cases that ``user`` may see, oldest first (at most ``limit``), and how many
    of its cases the user may see in all."""
    cases = visible_cases(user).filter(pk__in=Alert.cases.through.objects.filter(alert=alert).values("case_id"))
    shown = list(cases.select_related("product", "category", "department").order_by("received_at", "pk")[:limit])
    total = len(shown) if len(shown) < limit else cases.count()
    return shown, total


def open_alerts(user: Actor) -> int:
    """How many alerts still wait for someone (open, not yet acknowledged)."""
    return alerts_for(user, AlertFilter(status=(Alert.Status.OPEN,))).count()


def history(alert: Alert) -> list[AuditEntry]:
    """What happened to the alert, oldest first (from the audit log)."""
    return entries_for(object_type=Alert._meta.label_lower, object_id=str(alert.pk))

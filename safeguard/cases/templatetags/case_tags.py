"""Template helpers for case pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext as _

from safeguard.cases.models import Case, CaseMilestone, Status
from safeguard.cases.rules import deadline_state
from safeguard.core.timeutil import humanize_delta
from safeguard.customers.models import Vulnerability
from safeguard.deadlines.models import Milestone

register = template.Library()


@register.simple_tag
def deadline_badge(case: Case, now: datetime) -> str:
    """ "3 h left" / "2 days overdue", coloured on track, due soon or breached."""
    if case.next_due_at is None:
        return "—"
    state = deadline_state(
        case.next_due_at, now=now, hours=settings.SAFEGUARD_DUE_SOON_HOURS, is_breached=case.is_breached
    )
    delta = case.next_due_at - now
    if delta.total_seconds() >= 0:
        text = _("%(duration)s left") % {"duration": humanize_delta(delta)}
    else:
        text = _("%(duration)s overdue") % {"duration": humanize_delta(delta)}
    return format_html('<span class="badge {}" title="{}">{}</span>', state, case.next_due_at.isoformat(), text)


@register.simple_tag
def milestone_badge(milestone: CaseMilestone, now: datetime) -> str:
    """One milestone's badge: met, or its time left / overdue coloured like ``deadline_badge``."""
    if milestone.met_at is not None:
        return format_html('<span class="badge met">{}</span>', _("met"))
    state = deadline_state(
        milestone.due_at,
        now=now,
        hours=settings.SAFEGUARD_DUE_SOON_HOURS,
        is_breached=milestone.breached_at is not None,
    )
    delta = milestone.due_at - now
    if delta.total_seconds() >= 0:
        text = _("%(duration)s left") % {"duration": humanize_delta(delta)}
    else:
        text = _("%(duration)s overdue") % {"duration": humanize_delta(delta)}
    return format_html('<span class="badge {}">{}</span>', state, text)


@register.filter
def status_label(value: str) -> str:
    """The translated name of a status value kept in event data ("investigating" → "Investigating")."""
    try:
        return str(Status(value).label)
    except ValueError:
        return value


@register.filter
def actor_name(label: str) -> str:
    """The timeline's actor: a username, or the translated "Customer" / "System"."""
    return {"customer": _("Customer"), "system": _("System")}.get(label, label)


@register.filter
def vulnerability_label(value: str) -> str:
    """The translated name of a customer's vulnerability flag."""
    try:
        return str(Vulnerability(value).label)
    except ValueError:
        return value


@register.filter
def milestone_label(value: str) -> str:
    """The translated name of a milestone value kept in event data ("first_response" → "First response")."""
    try:
        return str(Milestone(value).label)
    except ValueError:
        return value

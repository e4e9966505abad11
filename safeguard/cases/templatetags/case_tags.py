"""Template helpers for case pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext as _

from safeguard.cases.models import Case
from safeguard.cases.rules import deadline_state
from safeguard.core.timeutil import humanize_delta

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

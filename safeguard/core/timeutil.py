"""Time helpers: aware datetimes only; human durations for deadline badges."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import ngettext


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def humanize_delta(delta: timedelta) -> str:
    """Coarse duration in words: "3 h", "2 days", "45 min" (always positive)."""
    seconds = abs(int(delta.total_seconds()))
    if seconds >= 2 * 86400:
        days = seconds // 86400
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if seconds >= 3600:
        hours = seconds // 3600
        return ngettext("%(n)d h", "%(n)d h", hours) % {"n": hours}
    minutes = max(seconds // 60, 1)
    return ngettext("%(n)d min", "%(n)d min", minutes) % {"n": minutes}

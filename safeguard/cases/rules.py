"""Pure rules of the cases app: references, milestone merging, the reopen window, redress limits.

No ORM and no clock: callers pass ``now`` and the settings they read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from safeguard.core.timeutil import require_aware

# The milestone on which the case's regulatory policy always wins (see merge_milestones).
FINAL_RESPONSE = "final_response"
ACKNOWLEDGE = "acknowledge"
FIRST_RESPONSE = "first_response"


def iso(moment: datetime) -> str:
    """A moment as stored in event data and audit changes: ISO 8601 in UTC, like the database."""
    return require_aware(moment, "moment").astimezone(UTC).isoformat()


def reference(prefix: str, year: int, number: int) -> str:
    """``CMP-2026-000123``: six digits, more when a year passes a million cases."""
    return f"{prefix}-{year:04d}-{number:06d}"


def reference_year(received_at: datetime, zone: str) -> int:
    """The year of receipt in the institution's time zone: a complaint received in Shanghai at
    07:30 on 1 January is numbered in the new year although it is still 31 December in UTC."""
    return require_aware(received_at, "received_at").astimezone(ZoneInfo(zone)).year


def merge_milestones(
    service_standard: Mapping[str, datetime], regulatory: Mapping[str, datetime]
) -> dict[str, datetime]:
    """A case's milestones from the internal service standard and its regulatory policy.

    * acknowledge and first response: the earlier of the two, so the institution keeps the
      commitment it publishes (e.g. a first response within 24 hours) even where the
      regulation allows longer;
    * final response: the regulatory policy's when it has one (the deadline a regulator
      enforces, and the one that extensions and pauses move); otherwise the standard's.
    """
    merged: dict[str, datetime] = {}
    for name in {*service_standard, *regulatory}:
        candidates = [m[name] for m in (service_standard, regulatory) if name in m]
        if name == FINAL_RESPONSE and name in regulatory:
            merged[name] = regulatory[name]
        else:
            merged[name] = min(candidates)
    return merged


def next_due(milestones: Iterable[tuple[datetime, datetime | None]]) -> datetime | None:
    """The earliest ``due_at`` among unmet ``(due_at, met_at)`` pairs."""
    unmet = [due for due, met in milestones if met is None]
    return min(unmet) if unmet else None


def reopen_window_open(resolved_at: datetime | None, *, now: datetime, days: int) -> bool:
    """A resolved or closed case may be reopened for ``days`` days after its final response."""
    if resolved_at is None:
        return False
    return now <= resolved_at + timedelta(days=days)


def redress_needs_approval(amount: Decimal, limit: Decimal) -> bool:
    """Above the limit (strictly) a second person must approve the redress."""
    return amount > limit


def is_due_soon(due_at: datetime, *, now: datetime, hours: int) -> bool:
    return now < due_at <= now + timedelta(hours=hours)


def deadline_state(due_at: datetime, *, now: datetime, hours: int, is_breached: bool = False) -> str:
    """The badge a deadline shows: ``breached`` (passed, or the case already breached one),
    ``due_soon`` (within ``hours``) or ``on_track``."""
    if is_breached or due_at <= now:  # the scan breaches a deadline at the moment it is due
        return "breached"
    return "due_soon" if is_due_soon(due_at, now=now, hours=hours) else "on_track"

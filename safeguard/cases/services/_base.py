"""Helpers shared by the case services: locking, milestones, audit. Not for use outside ``services``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.audit import services as audit
from safeguard.cases import events, rules, states
from safeguard.cases.errors import StaleCase
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, ClockPause
from safeguard.core.errors import InvalidInput
from safeguard.deadlines.rules import compute_milestones, count_paused_days
from safeguard.deadlines.selectors import DeadlineRules

# The policy describing the institution's own service standard (e.g. a first response within
# 24 hours); seeded by the deadlines data migration. See services/__init__.py for how it merges.
SERVICE_STANDARD_POLICY = "internal-standard"


def now() -> datetime:
    return timezone.now()


def require_text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(field)s must not be empty.") % {"field": field}, field=field)
    return text


def require_choice(value: str, choices: Iterable[str], field: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise InvalidInput(
            _("“%(value)s” is not a valid %(field)s; choose one of: %(choices)s.")
            % {"value": value, "field": field, "choices": ", ".join(allowed)},
            field=field,
        )
    return value


# --- optimistic locking -------------------------------------------------------------------


def lock(case: Case, version: int | None = None) -> Case:
    """The case row, locked until the transaction ends; ``StaleCase`` if it is not at ``version``.

    Services that act on what a user saw pass the version the user saw; the others pass nothing
    and act on the current row (they still bump the version, so stale pages notice).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("case services must run inside a transaction")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and locked.version != version:
        raise StaleCase(expected=version, current=locked.version)
    return locked


def save(case: Case, *fields: str) -> None:
    """Write ``fields`` and bump the version with ``UPDATE ... WHERE version = N``.

    The row is already locked by ``lock``; the condition is the second belt, so a write can never
    overwrite another one silently even if a caller forgot to lock.
    """
    values: dict[str, Any] = {name: getattr(case, name) for name in fields}
    stamp = now()
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        version=F("version") + 1, updated_at=stamp, **values
    )
    if updated != 1:
        raise StaleCase(expected=case.version)
    case.version += 1
    case.updated_at = stamp


# --- status ------------------------------------------------------------------------------


def move(
    case: Case,
    target: str,
    *,
    by: User | None,
    at: datetime,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    label: str | None = None,
) -> states.Move:
    """Change the (locked) case's status if the lifecycle allows it; records the TRANSITION event."""
    found = states.move_for(case.status, target)
    source = case.status
    case.status = target
    events.record(
        case,
        events.Kind.TRANSITION,
        by=by,
        label=label,
        at=at,
        note=note,
        data={"from": source, "to": target, "action": found.action, **(data or {})},
    )
    return found


# --- milestones ---------------------------------------------------------------------------


def policy_milestones(
    policies: DeadlineRules,
    policy_id: int,
    *,
    received_at: datetime,
    case_type: str,
    extension: str | None = None,
    paused_days: int = 0,
) -> dict[str, datetime]:
    """The milestones of a case under its policy merged with the internal service standard.

    ``policies`` is the operation's ``deadline_rules()``. Raises ``CalendarYearMissing`` (nothing is
    written then) when a deadline needs a year the calendar has no data for. Extension and pause
    apply to the case's own policy only.
    """
    spec = policies.spec(policy_id)
    regulatory = compute_milestones(
        spec,
        received_at=received_at,
        case_type=case_type,
        extension=extension or None,
        paused_days=paused_days,
    )
    standard = policies.active(SERVICE_STANDARD_POLICY)
    if spec.code == SERVICE_STANDARD_POLICY or standard is None:
        return regulatory
    service = compute_milestones(standard.spec, received_at=received_at, case_type=case_type)
    return rules.merge_milestones(service, regulatory)


def clock_start(case: Case) -> datetime:
    """Where the case's clock starts: receipt, or the latest reopening (a fresh final response)."""
    reopened = (
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TRANSITION, data__action="reopen")
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    return reopened or case.received_at


def paused_days_since(case: Case, start: datetime, *, at: datetime, zone: str) -> int:
    pauses = ClockPause.objects.filter(case=case, started_at__gte=start).values_list("started_at", "ended_at")
    return count_paused_days([(s, e or at) for s, e in pauses], zone)


def reschedule(
    case: Case, *, policies: DeadlineRules, at: datetime, only: Iterable[str] | None = None
) -> dict[str, tuple[str, str]]:
    """Recompute the unmet milestones (or ``only`` those) after a pause or an extension.

    Returns ``{milestone: (old due, new due)}`` for those that moved. A milestone moved later
    loses its "due soon" mark so the warning is given again; a breach stays a breach.
    """
    start = clock_start(case)
    due = policy_milestones(
        policies,
        case.policy_id,
        received_at=start,
        case_type=case.type,
        extension=case.extension,
        paused_days=paused_days_since(case, start, at=at, zone=policies.spec(case.policy_id).zone),
    )
    moved: dict[str, tuple[str, str]] = {}
    names = set(only) if only is not None else None
    for row in CaseMilestone.objects.filter(case=case, met_at__isnull=True):
        if (names is not None and row.milestone not in names) or row.milestone not in due:
            continue
        new = due[row.milestone]
        if new == row.due_at:
            continue
        moved[row.milestone] = (rules.iso(row.due_at), rules.iso(new))
        if new > row.due_at:
            row.due_soon_at = None
        row.due_at = new
        row.save(update_fields=["due_at", "due_soon_at"])
    return moved


def refresh_next_due(case: Case) -> None:
    """Keep ``Case.next_due_at`` = the earliest unmet milestone (none once the case is not open)."""
    if not case.is_open:
        case.next_due_at = None
        return
    rows = CaseMilestone.objects.filter(case=case).values_list("due_at", "met_at")
    case.next_due_at = rules.next_due(rows)


def meet(case: Case, names: Iterable[str], *, at: datetime) -> int:
    """Mark these milestones met (the unmet ones only); returns how many changed."""
    return CaseMilestone.objects.filter(case=case, milestone__in=list(names), met_at__isnull=True).update(met_at=at)


def end_pause(case: Case, *, at: datetime) -> bool:
    """End a running pause (the case is leaving the open states); True if there was one."""
    return ClockPause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=at) > 0


# --- audit --------------------------------------------------------------------------------


def audit_log(by: User | str | None, action: str, case: Case, changes: Mapping[str, Any] | None = None) -> None:
    audit.log(by, action, case, changes={"reference": case.reference, **(changes or {})})

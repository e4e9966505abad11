"""Writing the case timeline. Services call ``record`` inside their transaction, next to the change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from safeguard.accounts.models import User
from safeguard.cases.models import Case, CaseEvent, Message

Kind = CaseEvent.Kind

SYSTEM = "system"
CUSTOMER = "customer"


def actor_label(by: User | None, *, default: str = SYSTEM) -> str:
    """The name the timeline shows: the username, or "system" / "customer" when no user acted."""
    return by.get_username() if by is not None else default


def record(
    case: Case,
    kind: str,
    *,
    by: User | None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    message: Message | None = None,
    at: datetime | None = None,
    label: str | None = None,
) -> CaseEvent:
    event = new(case, kind, by=by, note=note, data=data, message=message, at=at, label=label)
    event.save(force_insert=True)
    return event


def new(
    case: Case,
    kind: str,
    *,
    by: User | None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    message: Message | None = None,
    at: datetime | None = None,
    label: str | None = None,
) -> CaseEvent:
    """An unsaved event, for a service that writes several at once with ``bulk_create``."""
    return CaseEvent(
        case=case,
        kind=kind,
        at=at or timezone.now(),
        actor=by,
        actor_label=label or actor_label(by),
        note=note,
        data=dict(data or {}),
        message=message,
    )


def build(
    case_id: int,
    kind: str,
    *,
    at: datetime,
    data: Mapping[str, Any] | None = None,
    note: str = "",
) -> CaseEvent:
    """An unsaved system event, for ``bulk_create`` in batch jobs."""
    return CaseEvent(
        case_id=case_id, kind=kind, at=at, actor=None, actor_label=SYSTEM, note=note, data=dict(data or {})
    )

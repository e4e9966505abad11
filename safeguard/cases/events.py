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
    return CaseEvent.objects.create(
        **_fields(case, kind, by=by, note=note, data=data, message=message, at=at, label=label)
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


def _fields(
    case: Case,
    kind: str,
    *,
    by: User | None,
    note: str,
    data: Mapping[str, Any] | None,
    message: Message | None,
    at: datetime | None,
    label: str | None,
) -> dict[str, Any]:
    return {
        "case": case,
        "kind": kind,
        "at": at or timezone.now(),
        "actor": by,
        "actor_label": label or actor_label(by),
        "note": note,
        "data": dict(data or {}),
        "message": message,
    }

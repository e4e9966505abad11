"""Messages to and from the customer, and internal notes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from safeguard.accounts.models import User
from safeguard.cases import events, rules
from safeguard.cases.access import ensure_can
from safeguard.cases.models import Case, CaseEvent, Channel, Message, Status
from safeguard.cases.services import _base
from safeguard.cases.states import WORK_PERM


@transaction.atomic
def add_message(
    *,
    case: Case,
    by: User | None,
    direction: str,
    body: str,
    channel: str | None = None,
    subject: str = "",
    external_id: str = "",
    data: Mapping[str, Any] | None = None,
) -> Message:
    """Record a message on any case, whatever its status (nothing a customer sends is lost).

    * ``by`` is the staff user who sent or logged it, or None for the customer (portal, e-mail in)
      and for letters the system sends.
    * The first outbound message written by a person meets the first-response milestone;
      automatic letters (``by`` None) do not.
    * An inbound message on a case awaiting the customer moves it back to investigating.
    * ``external_id`` is the e-mail Message-ID (ours for a letter, the sender's for mail in);
      ``data`` adds detail to the timeline event, e.g. ``{"letter": "acknowledgement"}``.
    """
    _base.require_choice(direction, Message.Direction.values, "direction")
    if channel is not None:
        _base.require_choice(channel, Channel.values, "channel")
    body = _base.require_text(body, "body")
    if by is not None:
        ensure_can(by, WORK_PERM, case)
    locked = _base.lock(case)
    at = _base.now()
    message = Message.objects.create(
        case=locked,
        direction=direction,
        channel=channel or locked.channel,
        subject=subject.strip(),
        body=body,
        author=by,
        external_id=external_id.strip(),
    )
    inbound = direction == Message.Direction.INBOUND
    label = events.CUSTOMER if inbound and by is None else None
    events.record(
        locked,
        events.Kind.MESSAGE_IN if inbound else events.Kind.MESSAGE_OUT,
        by=by,
        label=label,
        at=at,
        message=message,
        data={**(data or {}), "channel": message.channel},
    )
    changes: dict[str, object] = {"message": message.pk, "direction": direction, "channel": message.channel}
    if not inbound and by is not None and _base.meet(locked, [rules.FIRST_RESPONSE], at=at):
        changes["first_response_met"] = rules.iso(at)
        _base.refresh_next_due(locked)
    if inbound and locked.status == Status.AWAITING_CUSTOMER:
        _base.move(locked, Status.INVESTIGATING, by=by, label=label, at=at, data={"reason": "customer_replied"})
        changes["status"] = [Status.AWAITING_CUSTOMER, Status.INVESTIGATING]
    _base.save(locked, "status", "next_due_at")
    actor: User | str | None = by if by is not None else (f"customer:{locked.reference}" if inbound else None)
    _base.audit_log(actor, "case.message", locked, changes)
    return message


@transaction.atomic
def add_note(*, case: Case, by: User | None, body: str) -> CaseEvent:
    """An internal note on the timeline (never shown to the customer). ``by`` None is a note the
    system writes for staff (e.g. a letter it could not send)."""
    body = _base.require_text(body, "body")
    if by is not None:
        ensure_can(by, WORK_PERM, case)
    locked = _base.lock(case)
    event = events.record(locked, events.Kind.NOTE, by=by, note=body)
    _base.save(locked)
    _base.audit_log(by, "case.note", locked, {"event": event.pk})
    return event

"""Moving a case through its lifecycle (the moves are listed in ``cases/states.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.cases import events, rules, states
from safeguard.cases.access import ensure_can
from safeguard.cases.errors import (
    IllegalTransition,
    RedressNeedsApproval,
    ReopenWindowClosed,
    ResolutionRequired,
)
from safeguard.cases.models import Case, CaseMilestone, Outcome, Redress, Resolution, RootCause, Status
from safeguard.cases.services import _base
from safeguard.cases.services.merge import MergeTargetRequired
from safeguard.cases.services.redress import add_redress
from safeguard.core.errors import InvalidInput
from safeguard.deadlines.selectors import deadline_rules


def _guarded(case: Case, by: User | None, action: str, target: str, version: int | None) -> Case:
    """Permission, then version, then the lifecycle: refuse before anything is written.

    ``by`` None is the customer acting on their own case (only ``withdraw`` allows it; the
    portal proved who they are); for every other action it is refused like any user without
    the permission."""
    move = states.move_for(case.status, target)
    if move.action != action:
        raise IllegalTransition(case.status, target)
    if by is not None or action != states.Action.WITHDRAW:
        ensure_can(by, move.permission, case)
    locked = _base.lock(case, version)
    if states.move_for(locked.status, target).action != action:
        raise IllegalTransition(locked.status, target)
    return locked


@transaction.atomic
def acknowledge(*, case: Case, by: User, note: str = "", version: int | None = None) -> Case:
    """received → acknowledged: the institution confirms it has the complaint."""
    locked = _guarded(case, by, states.Action.ACKNOWLEDGE, Status.ACKNOWLEDGED, version)
    at = _base.now()
    _base.move(locked, Status.ACKNOWLEDGED, by=by, at=at)
    locked.acknowledged_at = at
    if _base.meet(locked, [rules.ACKNOWLEDGE], at=at):
        _base.refresh_next_due(locked)
    _base.save(locked, "status", "acknowledged_at", "next_due_at")
    events.record(locked, events.Kind.ACKNOWLEDGED, by=by, at=at, note=note)
    _base.audit_log(by, "case.acknowledge", locked, {"status": [Status.RECEIVED, Status.ACKNOWLEDGED]})
    return locked


def _investigation_move(*, case: Case, by: User, version: int, target: str, action: str, note: str) -> Case:
    locked = _guarded(case, by, action, target, version)
    source = locked.status
    _base.move(locked, target, by=by, at=_base.now(), note=note)
    _base.save(locked, "status")
    _base.audit_log(by, "case.transition", locked, {"status": [source, target]})
    return locked


@transaction.atomic
def transition(*, case: Case, to: str, by: User, version: int, note: str = "") -> Case:
    """Move the case to status ``to``: the generic entry the API uses; routes to the specific service.

    ``resolved`` needs a decision, so it is refused here with ``resolution_required`` (use ``resolve``);
    ``merged`` needs the case to merge into: ``merge_target_required`` (use ``merge``).
    """
    move = states.move_for(case.status, to)
    match move.action:
        case states.Action.ACKNOWLEDGE:
            return acknowledge(case=case, by=by, note=note, version=version)
        case states.Action.INVESTIGATE | states.Action.AWAIT_CUSTOMER:
            return _investigation_move(case=case, by=by, version=version, target=to, action=move.action, note=note)
        case states.Action.RESOLVE:
            raise ResolutionRequired(
                _("Resolving a case needs the decision: outcome, root cause, reasons and remedies."),
                **{"from": case.status, "to": to},
            )
        case states.Action.CLOSE:
            return close(case=case, by=by, version=version, note=note)
        case states.Action.REOPEN:
            return reopen(case=case, by=by, version=version, reason=note)
        case states.Action.WITHDRAW:
            return withdraw(case=case, by=by, version=version, reason=note)
        case states.Action.REFER:
            return refer(case=case, by=by, version=version, body=note)
        case states.Action.MERGE:
            raise MergeTargetRequired(
                _("Merging a case needs the case to merge it into: use merge."),
                **{"from": case.status, "to": to},
            )
    raise IllegalTransition(case.status, to)  # pragma: no cover - every action is routed above


def _root_cause(root_cause: RootCause | str) -> RootCause:
    if isinstance(root_cause, RootCause):
        found: RootCause | None = root_cause if root_cause.is_active else None
    else:
        found = RootCause.objects.filter(code=root_cause, is_active=True).first()
    if found is None:
        raise InvalidInput(_("“%(code)s” is not an active root cause.") % {"code": str(root_cause)}, field="root_cause")
    return found


@transaction.atomic
def resolve(
    *,
    case: Case,
    by: User,
    version: int,
    outcome: str,
    root_cause: RootCause | str,
    decision_basis: str,
    reasons: str,
    remedies: str,
    apology_given: bool = False,
    redress: Iterable[Mapping[str, Any]] = (),
) -> Case:
    """Record the decision and mark the final response sent: → resolved.

    ``redress`` items are ``{"kind", "amount", "currency"?, "note"?}``, recorded as ``record_redress`` does.
    A case reopened and resolved again keeps one Resolution row, updated; the earlier decision stays
    in the RESOLVED event and the audit log.
    """
    _base.require_choice(outcome, Outcome.values, "outcome")
    cause = _root_cause(root_cause)
    texts = {
        "decision_basis": _base.require_text(decision_basis, "decision_basis"),
        "reasons": _base.require_text(reasons, "reasons"),
        "remedies": _base.require_text(remedies, "remedies"),
    }
    items = [dict(item) for item in redress]
    locked = _guarded(case, by, states.Action.RESOLVE, Status.RESOLVED, version)
    at = _base.now()
    source = locked.status
    _base.move(locked, Status.RESOLVED, by=by, at=at)
    if _base.end_pause(locked, at=at):
        # The paused days do not count: move the unmet deadlines as resuming would, then meet them.
        _base.reschedule(locked, policies=deadline_rules(), at=at)
    # The final response is a response: it meets the first response too if nothing was sent before.
    _base.meet(locked, [rules.FIRST_RESPONSE, rules.FINAL_RESPONSE], at=at)
    locked.resolved_at = at
    _base.refresh_next_due(locked)
    _base.save(locked, "status", "resolved_at", "next_due_at")

    previous = Resolution.objects.filter(case=locked).first()
    decision: dict[str, Any] = {
        "outcome": outcome,
        "root_cause": cause,
        "apology_given": apology_given,
        "decided_by": by,
        "decided_at": at,
        **texts,
    }
    if previous is None:
        Resolution.objects.create(case=locked, **decision)
    else:
        Resolution.objects.filter(pk=previous.pk).update(**decision)
    recorded = [add_redress(locked, by=by, at=at, **_redress_args(item)) for item in items]
    summary = {"outcome": outcome, "root_cause": cause.code, "apology_given": apology_given}
    data: dict[str, Any] = {**summary, "redress": [r.pk for r in recorded]}
    if previous is not None:
        data["previous"] = {
            "outcome": previous.outcome,
            "root_cause": previous.root_cause.code,
            "decided_at": rules.iso(previous.decided_at),
        }
    events.record(locked, events.Kind.RESOLVED, by=by, at=at, note=texts["reasons"], data=data)
    _base.audit_log(by, "case.resolve", locked, {"status": [source, Status.RESOLVED], **summary})
    return locked


def _redress_args(item: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(item) - {"kind", "amount", "currency", "note"}
    if unknown or "kind" not in item or "amount" not in item:
        raise InvalidInput(_("Each redress needs a kind and an amount (and may have a currency and a note)."))
    return {
        "kind": item["kind"],
        "amount": item["amount"],
        "currency": item.get("currency", "CNY"),
        "note": item.get("note", ""),
    }


@transaction.atomic
def close(*, case: Case, by: User, version: int, note: str = "") -> Case:
    """resolved → closed. Refused while redress awaits approval (the customer has not had it yet)."""
    locked = _guarded(case, by, states.Action.CLOSE, Status.CLOSED, version)
    pending = Redress.objects.filter(case=locked, state=Redress.State.PENDING_APPROVAL).count()
    if pending:
        raise RedressNeedsApproval(
            _("This case has redress awaiting approval; approve or reject it before closing the case."),
            pending=pending,
        )
    at = _base.now()
    _base.move(locked, Status.CLOSED, by=by, at=at, note=note)
    locked.closed_at = at
    _base.save(locked, "status", "closed_at")
    _base.audit_log(by, "case.close", locked, {"status": [Status.RESOLVED, Status.CLOSED]})
    return locked


@transaction.atomic
def reopen(*, case: Case, by: User, version: int, reason: str) -> Case:
    """resolved | closed → investigating, within ``SAFEGUARD_REOPEN_WINDOW_DAYS`` of the final response.

    The reopened case gets a fresh final-response deadline counted from now under its policy
    (any earlier extension no longer applies; a new one may be granted).
    """
    reason = _base.require_text(reason, "reason")
    locked = _guarded(case, by, states.Action.REOPEN, Status.INVESTIGATING, version)
    at = _base.now()
    days = settings.SAFEGUARD_REOPEN_WINDOW_DAYS
    if not rules.reopen_window_open(locked.resolved_at, now=at, days=days):
        raise ReopenWindowClosed(
            _("This case can no longer be reopened: the %(days)d days after its final response have passed.")
            % {"days": days},
            days=days,
        )
    source = locked.status
    old_extension = locked.extension
    _base.move(locked, Status.INVESTIGATING, by=by, at=at, note=reason, data={"previous_extension": old_extension})
    locked.resolved_at = None
    locked.closed_at = None
    locked.extension = ""
    CaseMilestone.objects.filter(case=locked, milestone=rules.FINAL_RESPONSE).update(
        met_at=None, due_soon_at=None, breached_at=None
    )
    moved = _base.reschedule(locked, policies=deadline_rules(), at=at, only=[rules.FINAL_RESPONSE])
    _base.refresh_next_due(locked)
    _base.save(locked, "status", "resolved_at", "closed_at", "extension", "next_due_at")
    _base.audit_log(by, "case.reopen", locked, {"status": [source, Status.INVESTIGATING], "deadlines": moved})
    return locked


@transaction.atomic
def withdraw(*, case: Case, by: User | None, version: int, reason: str) -> Case:
    """The customer withdraws: the case ends the day it is recorded (closed_at = now).

    ``by`` is the staff user recording it, or None when the customer withdraws on the portal
    (the timeline says "customer", the audit entry ``customer:<reference>``)."""
    reason = _base.require_text(reason, "reason")
    locked = _guarded(case, by, states.Action.WITHDRAW, Status.WITHDRAWN, version)
    at = _base.now()
    source = locked.status
    label = events.CUSTOMER if by is None else None
    _base.move(locked, Status.WITHDRAWN, by=by, at=at, note=reason, label=label)
    _base.end_pause(locked, at=at)
    locked.closed_at = at
    _base.refresh_next_due(locked)
    _base.save(locked, "status", "closed_at", "next_due_at")
    actor: User | str = by if by is not None else f"customer:{locked.reference}"
    _base.audit_log(actor, "case.withdraw", locked, {"status": [source, Status.WITHDRAWN]})
    return locked


@transaction.atomic
def refer(*, case: Case, by: User, version: int, body: str, reference: str = "") -> Case:
    """Refer the case to the ombudsman or the regulator (from an open, resolved or closed case).

    ``body`` says what was sent and why; ``reference`` is the receiving body's number, if known.
    """
    body = _base.require_text(body, "body")
    locked = _guarded(case, by, states.Action.REFER, Status.REFERRED, version)
    at = _base.now()
    source = locked.status
    _base.move(locked, Status.REFERRED, by=by, at=at, note=body, data={"reference": reference.strip()})
    _base.end_pause(locked, at=at)
    locked.closed_at = locked.closed_at or at
    _base.refresh_next_due(locked)
    _base.save(locked, "status", "closed_at", "next_due_at")
    _base.audit_log(
        by, "case.refer", locked, {"status": [source, Status.REFERRED], "referral_reference": reference.strip()}
    )
    return locked

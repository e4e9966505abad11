"""Redress: refunds, compensation, fee waivers; above a limit a second person approves."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.cases import events, rules
from safeguard.cases.access import ensure_can
from safeguard.cases.errors import CaseNotOpen, InvalidRedress, RedressNotPending, SelfApproval
from safeguard.cases.models import OPEN_STATUSES, Case, Redress, Status
from safeguard.cases.services import _base
from safeguard.cases.states import WORK_PERM
from safeguard.core.money import CURRENCIES, parse_amount

APPROVE_PERM = "cases.approve_redress"

# The column holds 14 digits, two of them decimals.
_MAX_AMOUNT = Decimal("999999999999.99")


def approval_limit() -> Decimal:
    return Decimal(str(settings.SAFEGUARD_REDRESS_APPROVAL_LIMIT))


def _amount(amount: Decimal | str | int) -> Decimal:
    try:
        value = parse_amount(amount)
    except ValueError:
        raise InvalidRedress(
            _("The amount must be zero or more, with at most two decimal places."), field="amount"
        ) from None
    if value > _MAX_AMOUNT:
        raise InvalidRedress(_("The amount is too large."), field="amount")
    return value


def add_redress(
    case: Case,
    *,
    by: User,
    at: datetime,
    kind: str,
    amount: Decimal | str | int,
    currency: str = "CNY",
    note: str = "",
) -> Redress:
    """Record redress on an already locked case (used by ``record_redress`` and ``resolve``)."""
    _base.require_choice(kind, Redress.Kind.values, "kind")
    _base.require_choice(currency, CURRENCIES, "currency")
    value = _amount(amount)
    pending = rules.redress_needs_approval(value, approval_limit())
    redress = Redress.objects.create(
        case=case,
        kind=kind,
        amount=value,
        currency=currency,
        state=Redress.State.PENDING_APPROVAL if pending else Redress.State.APPROVED,
        note=note.strip(),
        recorded_by=by,
        recorded_at=at,
        decided_at=None if pending else at,
    )
    detail = {"redress": redress.pk, "kind": kind, "amount": str(value), "currency": currency, "state": redress.state}
    events.record(case, events.Kind.REDRESS_RECORDED, by=by, at=at, note=redress.note, data=detail)
    _base.audit_log(by, "case.redress.record", case, detail)
    return redress


@transaction.atomic
def record_redress(
    *,
    case: Case,
    by: User,
    kind: str,
    amount: Decimal | str | int,
    currency: str = "CNY",
    note: str = "",
) -> Redress:
    """Record redress on an open or resolved case. Above ``SAFEGUARD_REDRESS_APPROVAL_LIMIT`` it waits
    for approval (``approve_redress``); otherwise it is approved at once."""
    ensure_can(by, WORK_PERM, case)
    locked = _base.lock(case)
    if locked.status not in (*OPEN_STATUSES, Status.RESOLVED):
        raise CaseNotOpen(
            _("Redress cannot be recorded on a %(status)s case.") % {"status": locked.get_status_display()}
        )
    redress = add_redress(locked, by=by, at=_base.now(), kind=kind, amount=amount, currency=currency, note=note)
    _base.save(locked)
    return redress


def _decide(redress: Redress, *, by: User, state: str, reason: str = "") -> Redress:
    """Approve or reject redress awaiting approval: four eyes, one transaction with its event and audit."""
    ensure_can(by, APPROVE_PERM, redress.case)
    locked = Redress.objects.select_for_update().get(pk=redress.pk)
    if locked.state != Redress.State.PENDING_APPROVAL:
        raise RedressNotPending(
            _("This redress is not awaiting approval (it is %(state)s).") % {"state": locked.get_state_display()}
        )
    if locked.recorded_by_id == by.pk:
        raise SelfApproval(_("Redress must be approved or rejected by someone other than the person who recorded it."))
    case = _base.lock(redress.case)
    at = _base.now()
    locked.state = state
    locked.decided_by = by
    locked.decided_at = at
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    _base.save(case)
    approved = state == Redress.State.APPROVED
    detail = {"redress": locked.pk, "amount": str(locked.amount), "currency": locked.currency}
    kind = events.Kind.REDRESS_APPROVED if approved else events.Kind.REDRESS_REJECTED
    events.record(case, kind, by=by, at=at, note=reason, data=detail)
    _base.audit_log(
        by,
        "case.redress.approve" if approved else "case.redress.reject",
        case,
        {**detail, "state": [Redress.State.PENDING_APPROVAL, state]},
    )
    return locked


@transaction.atomic
def approve_redress(*, redress: Redress, by: User) -> Redress:
    return _decide(redress, by=by, state=Redress.State.APPROVED)


@transaction.atomic
def reject_redress(*, redress: Redress, by: User, reason: str) -> Redress:
    return _decide(redress, by=by, state=Redress.State.REJECTED, reason=_base.require_text(reason, "reason"))

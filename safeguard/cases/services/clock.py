"""The regulatory clock of a case: pausing, resuming, extending the final-response deadline."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.cases import events, rules
from safeguard.cases.access import ensure_can
from safeguard.cases.errors import (
    AlreadyExtended,
    CaseNotOpen,
    ClockAlreadyPaused,
    ClockNotPaused,
    ExtensionNeedsApproval,
    ExtensionNeedsNotice,
    NoDeadlineToExtend,
)
from safeguard.cases.models import Case, CaseMilestone, ClockPause, Extension
from safeguard.cases.services import _base
from safeguard.cases.states import WORK_PERM
from safeguard.deadlines.errors import PauseNotAllowed
from safeguard.deadlines.rules import extension_rule
from safeguard.deadlines.selectors import deadline_rules

EXTEND_PERM = "cases.extend_deadline"
SPECIAL_PERM = "cases.approve_special_extension"


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise CaseNotOpen(
            _("The deadlines of a %(status)s case cannot change.") % {"status": case.get_status_display()}
        )


@transaction.atomic
def pause_clock(*, case: Case, by: User, reason: str) -> ClockPause:
    """Stop the clock (e.g. waiting for documents), where the case's policy allows it."""
    reason = _base.require_text(reason, "reason")
    ensure_can(by, WORK_PERM, case)
    locked = _base.lock(case)
    _require_open(locked)
    spec = deadline_rules().spec(locked.policy_id)
    if not spec.allows_pause:
        raise PauseNotAllowed(policy=spec.code)
    if ClockPause.objects.filter(case=locked, ended_at__isnull=True).exists():
        raise ClockAlreadyPaused(_("The clock of this case is already paused."))
    at = _base.now()
    pause = ClockPause.objects.create(case=locked, started_at=at, reason=reason)
    _base.save(locked)
    events.record(locked, events.Kind.DEADLINE_PAUSED, by=by, at=at, note=reason, data={"pause": pause.pk})
    _base.audit_log(by, "case.pause", locked, {"pause": pause.pk})
    return pause


@transaction.atomic
def resume_clock(*, case: Case, by: User) -> Case:
    """Restart the clock; every unmet milestone moves by the whole days it stood still."""
    ensure_can(by, WORK_PERM, case)
    locked = _base.lock(case)
    _require_open(locked)
    pause = ClockPause.objects.filter(case=locked, ended_at__isnull=True).first()
    if pause is None:
        raise ClockNotPaused(_("The clock of this case is not paused."))
    at = _base.now()
    pause.ended_at = at
    pause.save(update_fields=["ended_at"])
    moved = _base.reschedule(locked, policies=deadline_rules(), at=at)
    _base.refresh_next_due(locked)
    _base.save(locked, "next_due_at")
    events.record(locked, events.Kind.DEADLINE_RESUMED, by=by, at=at, data={"pause": pause.pk, "moved": moved})
    _base.audit_log(by, "case.resume", locked, {"pause": pause.pk, "deadlines": moved})
    return locked


def _approver(rule_needs_senior: bool, by: User, approver: User | None) -> User:
    if not rule_needs_senior:
        return approver or by
    if approver is None:
        raise ExtensionNeedsApproval(_("This extension needs the approval of a senior colleague."))
    if approver.pk == by.pk:
        raise ExtensionNeedsApproval(_("The approver of an extension must be someone other than the requester."))
    if not approver.is_active or not approver.has_perm(SPECIAL_PERM):
        raise ExtensionNeedsApproval(_("%(user)s may not approve this extension.") % {"user": approver.get_username()})
    return approver


@transaction.atomic
def extend_deadline(
    *,
    case: Case,
    by: User,
    name: str,
    reason: str,
    approver: User | None = None,
    notice_sent: bool = False,
) -> Extension:
    """Grant the policy's extension ``name``: the final response moves to the extension's period.

    Extensions the policy marks ``needs_senior_approval`` need an ``approver`` holding
    ``cases.approve_special_extension`` other than ``by``; those marked ``needs_customer_notice``
    need the notice to the customer sent first (``notice_sent=True``).
    """
    reason = _base.require_text(reason, "reason")
    ensure_can(by, EXTEND_PERM, case)
    locked = _base.lock(case)
    _require_open(locked)
    policies = deadline_rules()
    rule = extension_rule(policies.spec(locked.policy_id), name)
    if locked.extension == name:
        raise AlreadyExtended(_("This case already has the “%(name)s” extension.") % {"name": name})
    approved_by = _approver(rule.needs_senior_approval, by, approver)
    if rule.needs_customer_notice and not notice_sent:
        raise ExtensionNeedsNotice(_("Tell the customer about the extension and why before recording it."))
    final = CaseMilestone.objects.filter(case=locked, milestone=rules.FINAL_RESPONSE, met_at__isnull=True).first()
    if final is None:
        raise NoDeadlineToExtend(_("This case has no open final-response deadline to extend."))
    at = _base.now()
    old_due = final.due_at
    locked.extension = name
    moved = _base.reschedule(locked, policies=policies, at=at, only=[rules.FINAL_RESPONSE])
    new_due = moved[rules.FINAL_RESPONSE][1] if moved else rules.iso(old_due)
    extension = Extension.objects.create(
        case=locked,
        name=name,
        reason=reason,
        requested_by=by,
        approved_by=approved_by,
        notice_sent_at=at if notice_sent else None,
    )
    _base.refresh_next_due(locked)
    _base.save(locked, "extension", "next_due_at")
    detail = {
        "extension": name,
        "old_due": rules.iso(old_due),
        "new_due": new_due,
        "approved_by": approved_by.get_username(),
        "notice_sent": notice_sent,
    }
    events.record(locked, events.Kind.DEADLINE_EXTENDED, by=by, at=at, note=reason, data=detail)
    _base.audit_log(by, "case.extend", locked, detail)
    return extension

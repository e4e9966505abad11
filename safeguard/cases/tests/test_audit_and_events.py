"""Every change writes its timeline event and its audit entry in the same transaction."""

from __future__ import annotations

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.audit.selectors import verify_chain
from safeguard.cases import services
from safeguard.cases.models import CaseEvent, Redress, Status
from safeguard.cases.tests.support import stage

pytestmark = pytest.mark.django_db


def _last_audit():
    return AuditEntry.objects.order_by("-id").first()


def _last_event(case):
    return CaseEvent.objects.filter(case=case).order_by("-id").first()


def test_a_case_worked_from_start_to_finish_leaves_a_complete_trail(case, agent, supervisor):
    trail = []

    def step(expected_action, expected_event, result):
        entry, event = _last_audit(), _last_event(case)
        assert entry.action == expected_action
        assert entry.object_id == str(case.pk)
        assert entry.changes["reference"] == case.reference
        assert event.kind == expected_event
        trail.append(expected_action)
        return result

    c = case
    step("case.open", "acknowledged", c)
    c = step("case.assign", "assigned", services.assign(case=c, by=supervisor, version=c.version, assignee=agent))
    c = step(
        "case.transition", "transition", services.transition(case=c, to="investigating", by=agent, version=c.version)
    )
    step("case.message", "message_out", services.add_message(case=c, by=agent, direction="out", body="您好"))
    step("case.note", "note", services.add_note(case=c, by=agent, body="Checked the ledger."))
    step("case.pause", "deadline_paused", services.pause_clock(case=c, by=agent, reason="appraisal"))
    step("case.resume", "deadline_resumed", services.resume_clock(case=c, by=agent))
    step("case.extend", "deadline_extended", services.extend_deadline(case=c, by=agent, name="complex", reason="x"))
    redress = step(
        "case.redress.record",
        "redress_recorded",
        services.record_redress(case=c, by=agent, kind="refund", amount="6800"),
    )
    step("case.redress.approve", "redress_approved", services.approve_redress(redress=redress, by=supervisor))
    c = case.__class__.objects.get(pk=case.pk)
    c = step(
        "case.resolve",
        "resolved",
        services.resolve(
            case=c,
            by=agent,
            version=c.version,
            outcome="upheld",
            root_cause="pricing-fees",
            decision_basis="terms",
            reasons="charged twice",
            remedies="mediation",
            apology_given=True,
        ),
    )
    c = step("case.close", "transition", services.close(case=c, by=agent, version=c.version))
    c = step("case.reopen", "transition", services.reopen(case=c, by=supervisor, version=c.version, reason="new"))
    c = step("case.refer", "transition", services.refer(case=c, by=supervisor, version=c.version, body="to NFRA"))
    assert c.status == Status.REFERRED
    assert Redress.objects.get(case=case).state == "approved"
    assert verify_chain()[1] is None
    assert len(trail) == 14


def test_withdraw_and_acknowledge_are_audited(case, agent):
    staged = stage(case, Status.RECEIVED)
    acknowledged = services.acknowledge(case=staged, by=agent, note="Called the customer back.")
    assert _last_audit().action == "case.acknowledge"
    assert _last_event(case).note == "Called the customer back."
    services.withdraw(case=acknowledged, by=agent, version=acknowledged.version, reason="withdrawn by phone")
    assert _last_audit().action == "case.withdraw"
    assert _last_audit().changes["status"] == ["acknowledged", "withdrawn"]


def test_audit_entries_carry_no_message_text(case, agent):
    services.add_message(case=case, by=agent, direction="out", body="您的身份证号 110101199001011237")
    assert "110101" not in str(_last_audit().changes)

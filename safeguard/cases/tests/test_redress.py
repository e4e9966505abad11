"""Redress above the limit waits for approval by someone other than the person who recorded it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from safeguard.cases import selectors, services
from safeguard.cases.errors import InvalidRedress, RedressNeedsApproval, RedressNotPending, SelfApproval
from safeguard.cases.models import CaseEvent, Redress, Status
from safeguard.cases.tests.support import counts, stage
from safeguard.core.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.SAFEGUARD_REDRESS_APPROVAL_LIMIT = "5000.00"


def test_redress_up_to_the_limit_is_approved_at_once(case, agent):
    redress = services.record_redress(case=case, by=agent, kind="refund", amount="5000.00")
    assert redress.state == Redress.State.APPROVED
    assert redress.amount == Decimal("5000.00")
    assert redress.decided_at is not None
    assert CaseEvent.objects.get(case=case, kind="redress_recorded").data["state"] == "approved"


def test_redress_above_the_limit_waits_in_the_approval_queue(case, agent, supervisor):
    redress = services.record_redress(case=case, by=agent, kind="compensation", amount=Decimal("5000.01"))
    assert redress.state == Redress.State.PENDING_APPROVAL
    assert list(selectors.redress_awaiting_approval(supervisor)) == [redress]
    approved = services.approve_redress(redress=redress, by=supervisor)
    assert approved.state == Redress.State.APPROVED
    assert approved.decided_by == supervisor
    assert list(selectors.redress_awaiting_approval(supervisor)) == []


def test_the_recorder_cannot_approve_their_own_redress(case, supervisor):
    redress = services.record_redress(case=case, by=supervisor, kind="compensation", amount="8000")
    before = counts(case)
    with pytest.raises(SelfApproval):
        services.approve_redress(redress=redress, by=supervisor)
    assert counts(case) == before
    redress.refresh_from_db()
    assert redress.state == Redress.State.PENDING_APPROVAL


def test_an_agent_cannot_approve_redress(case, agent, make_user):
    colleague = make_user("agent")
    redress = services.record_redress(case=case, by=colleague, kind="compensation", amount="8000")
    with pytest.raises(PermissionDenied):
        services.approve_redress(redress=redress, by=agent)


def test_rejected_redress_records_the_reason_and_cannot_be_decided_again(case, agent, supervisor):
    redress = services.record_redress(case=case, by=agent, kind="goodwill", amount="9000")
    rejected = services.reject_redress(redress=redress, by=supervisor, reason="Goodwill is capped at 2,000.")
    assert rejected.state == Redress.State.REJECTED
    assert CaseEvent.objects.get(case=case, kind="redress_rejected").note == "Goodwill is capped at 2,000."
    with pytest.raises(RedressNotPending):
        services.approve_redress(redress=redress, by=supervisor)


@pytest.mark.parametrize("amount", ["-1", "10.005", "abc", "1e20"])
def test_bad_amounts_are_refused_and_nothing_is_written(case, agent, amount):
    before = counts(case)
    with pytest.raises(InvalidRedress):
        services.record_redress(case=case, by=agent, kind="refund", amount=amount)
    assert counts(case) == before
    assert not Redress.objects.exists()


def test_an_unknown_currency_is_refused(case, agent):
    with pytest.raises(InvalidInput):
        services.record_redress(case=case, by=agent, kind="refund", amount="1", currency="XYZ")


def test_a_case_with_redress_awaiting_approval_cannot_be_closed(case, agent, supervisor):
    services.record_redress(case=case, by=agent, kind="refund", amount="6000")
    staged = stage(case, Status.RESOLVED)
    with pytest.raises(RedressNeedsApproval):
        services.close(case=staged, by=agent, version=staged.version)
    services.approve_redress(redress=Redress.objects.get(case=case), by=supervisor)
    staged.refresh_from_db()
    assert services.close(case=staged, by=agent, version=staged.version).status == Status.CLOSED


def test_resolve_records_redress_given_with_the_decision(case, agent):
    staged = stage(case, Status.INVESTIGATING)
    services.resolve(
        case=staged,
        by=agent,
        version=staged.version,
        outcome="upheld",
        root_cause="pricing-fees",
        decision_basis="Card terms 4.2",
        reasons="Charged twice.",
        remedies="Mediation or court.",
        redress=[{"kind": "refund", "amount": "680.00"}, {"kind": "compensation", "amount": "6000"}],
    )
    states = sorted(Redress.objects.filter(case=case).values_list("amount", "state"))
    assert states == [(Decimal("680.00"), "approved"), (Decimal("6000.00"), "pending_approval")]


@pytest.mark.parametrize(
    ("persona", "error"),
    [("auditor", PermissionDenied), ("compliance", PermissionDenied), ("nobody", NotFound), ("other_agent", NotFound)],
)
def test_only_handlers_who_see_the_case_record_redress(case, request, persona, error):
    before = counts(case)
    with pytest.raises(error):
        services.record_redress(case=case, by=request.getfixturevalue(persona), kind="refund", amount="100.00")
    assert counts(case) == before and not Redress.objects.exists()

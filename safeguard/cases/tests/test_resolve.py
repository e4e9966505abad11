"""Resolving: the decision is recorded, the final response is met, the case leaves the queue."""

from __future__ import annotations

from typing import Any

import pytest

from safeguard.cases import services
from safeguard.cases.errors import ResolutionRequired
from safeguard.cases.models import CaseMilestone, Resolution, RootCause, Status
from safeguard.cases.tests.support import NOW, counts, stage
from safeguard.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

DECISION: dict[str, Any] = {
    "outcome": "partially_upheld",
    "root_cause": "process-delay",
    "decision_basis": "《银行业保险业消费投诉处理管理办法》; card terms 4.2",
    "reasons": "The refund took longer than promised.",
    "remedies": "您可以向调解组织申请调解，或依法申请仲裁、提起诉讼。",
}


@pytest.fixture
def investigating(case):
    return stage(case, Status.INVESTIGATING)


def test_resolving_records_the_decision_and_meets_the_final_response(investigating, agent):
    resolved = services.resolve(
        case=investigating, by=agent, version=investigating.version, apology_given=True, **DECISION
    )
    assert resolved.status == Status.RESOLVED
    assert resolved.resolved_at == NOW
    assert resolved.next_due_at is None
    resolution = Resolution.objects.get(case=investigating)
    assert resolution.outcome == "partially_upheld"
    assert resolution.root_cause.code == "process-delay"
    assert resolution.apology_given
    assert resolution.decided_by == agent
    met = dict(CaseMilestone.objects.filter(case=investigating).values_list("milestone", "met_at"))
    assert met == {"acknowledge": NOW, "first_response": NOW, "final_response": NOW}


def test_a_customer_who_does_not_answer_can_still_get_a_decision(case, agent):
    waiting = stage(case, Status.AWAITING_CUSTOMER)
    assert services.resolve(case=waiting, by=agent, version=waiting.version, **DECISION).status == Status.RESOLVED


def test_the_generic_transition_asks_for_the_decision(investigating, agent):
    with pytest.raises(ResolutionRequired) as refused:
        services.transition(case=investigating, to=Status.RESOLVED, by=agent, version=investigating.version)
    assert refused.value.code == "resolution_required"


@pytest.mark.parametrize(
    ("field", "value"),
    [("outcome", "maybe"), ("root_cause", "gremlins"), ("reasons", ""), ("remedies", "  "), ("decision_basis", "")],
)
def test_an_incomplete_decision_is_refused_and_nothing_is_written(investigating, agent, field, value):
    before = counts(investigating)
    with pytest.raises(InvalidInput):
        services.resolve(case=investigating, by=agent, version=investigating.version, **{**DECISION, field: value})
    assert counts(investigating) == before
    assert not Resolution.objects.exists()


def test_an_inactive_root_cause_is_refused(investigating, agent):
    RootCause.objects.filter(code="process-delay").update(is_active=False)
    with pytest.raises(InvalidInput):
        services.resolve(case=investigating, by=agent, version=investigating.version, **DECISION)


def test_bad_redress_with_the_decision_refuses_the_whole_resolution(investigating, agent):
    with pytest.raises(InvalidInput):
        services.resolve(
            case=investigating,
            by=agent,
            version=investigating.version,
            redress=[{"kind": "refund", "amount": "-5"}],
            **DECISION,
        )
    investigating.refresh_from_db()
    assert investigating.status == Status.INVESTIGATING
    assert not Resolution.objects.exists()

"""Every allowed move, by each persona: who may make it, who is refused, who cannot even see the case.

The expectations are written out here by hand (not derived from roles.py) so that a change
to the role table that gives a move to the wrong people fails this test.
"""

from __future__ import annotations

import pytest

from safeguard.cases import selectors, services, states
from safeguard.cases.models import Case, Status
from safeguard.cases.tests.support import counts, stage
from safeguard.core.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db

OK, DENIED, HIDDEN = "ok", "denied", "hidden"

# Handlers work cases; supervisors also reopen and refer; compliance only refers; the auditor reads.
# other_agent (another branch) and nobody (no role) cannot see the case at all.
WHO_MAY = {
    states.Action.ACKNOWLEDGE: {"agent": OK, "supervisor": OK, "compliance": DENIED, "auditor": DENIED},
    states.Action.INVESTIGATE: {"agent": OK, "supervisor": OK, "compliance": DENIED, "auditor": DENIED},
    states.Action.AWAIT_CUSTOMER: {"agent": OK, "supervisor": OK, "compliance": DENIED, "auditor": DENIED},
    states.Action.RESOLVE: {"agent": OK, "supervisor": OK, "compliance": DENIED, "auditor": DENIED},
    states.Action.CLOSE: {"agent": OK, "supervisor": OK, "compliance": DENIED, "auditor": DENIED},
    states.Action.WITHDRAW: {"agent": OK, "supervisor": OK, "compliance": DENIED, "auditor": DENIED},
    states.Action.REOPEN: {"agent": DENIED, "supervisor": OK, "compliance": DENIED, "auditor": DENIED},
    states.Action.REFER: {"agent": DENIED, "supervisor": OK, "compliance": OK, "auditor": DENIED},
    states.Action.MERGE: {"agent": OK, "supervisor": OK, "compliance": DENIED, "auditor": DENIED},
}
PERSONAS = ("agent", "supervisor", "compliance", "auditor", "other_agent", "nobody")
CASES = [(move, persona) for move in states.MOVES for persona in PERSONAS]


def _expected(move: states.Move, persona: str) -> str:
    return WHO_MAY[move.action].get(persona, HIDDEN)


def _make(move: states.Move, *, case, by, into=None):
    if move.action == states.Action.MERGE:
        return services.merge(case=case, into=into, by=by, version=case.version, note="Reason given")
    if move.action == states.Action.RESOLVE:
        return services.resolve(
            case=case,
            by=by,
            version=case.version,
            outcome="upheld",
            root_cause="pricing-fees",
            decision_basis="Card terms, section 4.2",
            reasons="The annual fee was taken twice.",
            remedies="You may ask the regulator or a mediation body to review this decision.",
        )
    return services.transition(case=case, to=move.target, by=by, version=case.version, note="Reason given")


def test_every_move_has_an_expectation():
    assert {m.action for m in states.MOVES} == set(WHO_MAY)


@pytest.mark.parametrize(("move", "persona"), CASES, ids=[f"{m.source}->{m.target}-{p}" for m, p in CASES])
def test_who_may_make_each_move(request, case, open_case, move, persona):
    user = request.getfixturevalue(persona)
    # A merge needs the case it goes into (the same customer's, in the same department).
    into = open_case() if move.action == states.Action.MERGE else None
    staged = stage(case, move.source)
    expected = _expected(move, persona)
    if expected == HIDDEN:
        with pytest.raises(NotFound):
            selectors.case_for(user, staged.reference)
    else:
        assert selectors.case_for(user, staged.reference) == staged
    before = counts(staged)
    if expected == OK:
        moved = _make(move, case=staged, by=user, into=into)
        assert moved.status == move.target
        assert moved.version == staged.version + 1
        return
    with pytest.raises(PermissionDenied if expected == DENIED else NotFound):
        _make(move, case=staged, by=user, into=into)
    staged.refresh_from_db()
    assert staged.status == move.source
    assert counts(staged) == before


def test_an_agent_may_work_a_case_assigned_to_them_from_another_department(case, other_agent):
    Case.objects.filter(pk=case.pk).update(assignee=other_agent)
    found = selectors.case_for(other_agent, case.reference)
    moved = services.transition(case=found, to=Status.INVESTIGATING, by=other_agent, version=found.version)
    assert moved.status == Status.INVESTIGATING

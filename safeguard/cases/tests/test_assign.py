"""Assignment: supervisors assign; an agent may take an unassigned case of their department."""

from __future__ import annotations

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.cases import services
from safeguard.cases.errors import InvalidAssignee
from safeguard.cases.models import CaseEvent, Status
from safeguard.cases.tests.support import counts, stage
from safeguard.core.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_a_supervisor_assigns_a_case_to_an_agent_of_its_department(case, supervisor, agent):
    assigned = services.assign(case=case, by=supervisor, version=case.version, assignee=agent)
    assert assigned.assignee == agent
    event = CaseEvent.objects.get(case=case, kind="assigned")
    assert event.data["to"] == {"department": "cards", "assignee": "agent"}
    entry = AuditEntry.objects.get(action="case.assign")
    assert entry.changes["assignee"] == [None, "agent"]


def test_a_supervisor_moves_a_case_to_another_branch_and_its_agent(case, supervisor, other_agent, departments):
    moved = services.assign(
        case=case, by=supervisor, version=case.version, department=departments["branch_sh"], assignee=other_agent
    )
    assert (moved.department, moved.assignee) == (departments["branch_sh"], other_agent)


def test_an_agent_of_another_department_cannot_be_the_assignee(case, supervisor, other_agent):
    before = counts(case)
    with pytest.raises(InvalidAssignee):
        services.assign(case=case, by=supervisor, version=case.version, assignee=other_agent)
    assert counts(case) == before


@pytest.mark.parametrize("persona", ["auditor", "compliance"])
def test_someone_who_cannot_work_cases_cannot_be_the_assignee(case, supervisor, request, persona):
    with pytest.raises(InvalidAssignee):
        services.assign(case=case, by=supervisor, version=case.version, assignee=request.getfixturevalue(persona))


def test_an_inactive_user_cannot_be_the_assignee(case, supervisor, make_user):
    gone = make_user("agent", is_active=False)
    with pytest.raises(InvalidAssignee):
        services.assign(case=case, by=supervisor, version=case.version, assignee=gone)


def test_an_agent_takes_an_unassigned_case_of_their_department(case, agent):
    taken = services.assign(case=case, by=agent, version=case.version, assignee=agent)
    assert taken.assignee == agent


def test_an_agent_cannot_take_a_case_someone_else_has(case, agent, supervisor, make_user):
    colleague = make_user("agent")
    assigned = services.assign(case=case, by=supervisor, version=case.version, assignee=colleague)
    with pytest.raises(PermissionDenied):
        services.assign(case=assigned, by=agent, version=assigned.version, assignee=agent)


def test_an_agent_cannot_give_a_case_to_someone_else(case, agent, make_user):
    colleague = make_user("agent")
    with pytest.raises(PermissionDenied):
        services.assign(case=case, by=agent, version=case.version, assignee=colleague)


def test_an_agent_cannot_move_a_case_to_another_department(case, agent, departments):
    with pytest.raises(PermissionDenied):
        services.assign(case=case, by=agent, version=case.version, assignee=agent, department=departments["head"])


def test_a_closed_case_cannot_be_reassigned(case, supervisor, agent):
    staged = stage(case, Status.CLOSED)
    with pytest.raises(Exception, match="cannot be reassigned"):
        services.assign(case=staged, by=supervisor, version=staged.version, assignee=agent)


def test_assigning_the_same_people_again_writes_nothing(case, supervisor, agent):
    assigned = services.assign(case=case, by=supervisor, version=case.version, assignee=agent)
    before = counts(assigned)
    again = services.assign(case=assigned, by=supervisor, version=assigned.version, assignee=agent)
    assert counts(assigned) == before
    assert again.version == assigned.version


@pytest.mark.parametrize(("persona", "error"), [("auditor", PermissionDenied), ("other_agent", NotFound)])
def test_readers_and_agents_who_cannot_see_the_case_cannot_assign_it(case, agent, request, persona, error):
    before = counts(case)
    with pytest.raises(error):
        services.assign(case=case, by=request.getfixturevalue(persona), version=case.version, assignee=agent)
    assert counts(case) == before


def test_an_agent_of_a_department_above_may_be_the_assignee(case, supervisor, make_user):
    head_office_agent = make_user("agent", departments_=("head",))
    assigned = services.assign(case=case, by=supervisor, version=case.version, assignee=head_office_agent)
    assert assigned.assignee == head_office_agent


def test_an_agent_of_a_department_below_cannot_be_the_assignee_of_a_case_above(
    open_case, supervisor, agent, departments
):
    head_case = open_case(department=departments["head"])
    before = counts(head_case)
    with pytest.raises(InvalidAssignee):
        services.assign(case=head_case, by=supervisor, version=head_case.version, assignee=agent)
    assert counts(head_case) == before

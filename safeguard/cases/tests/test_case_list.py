"""Who sees which cases, the queue's filters and order, and its query budget."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safeguard.accounts.models import Department
from safeguard.cases import selectors, services
from safeguard.cases.models import Case, Status
from safeguard.cases.tests.support import NOW, stage
from safeguard.core.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(open_case, departments):
    """One case in cards, one in the Shanghai branch, one in a sub-team below cards, one with no department."""
    team = Department.objects.create(code="cards-disputes", name="Card disputes", parent=departments["cards"])
    return {
        "cards": open_case(department=departments["cards"]),
        "branch": open_case(department=departments["branch_sh"]),
        "team": open_case(department=team),
        "none": open_case(department=None),
    }


def _refs(cases):
    return {c.reference for c in cases}


def test_an_agent_sees_their_departments_and_the_departments_below(spread, agent):
    assert _refs(selectors.visible_cases(agent)) == _refs([spread["cards"], spread["team"]])


def test_an_agent_of_another_branch_sees_only_theirs(spread, other_agent):
    assert _refs(selectors.visible_cases(other_agent)) == _refs([spread["branch"]])


def test_an_agent_sees_a_case_assigned_to_them_elsewhere(spread, other_agent):
    Case.objects.filter(pk=spread["cards"].pk).update(assignee=other_agent)
    assert _refs(selectors.visible_cases(other_agent)) == _refs([spread["branch"], spread["cards"]])


def test_head_office_membership_covers_the_whole_tree(spread, make_user):
    head_agent = make_user("agent", departments_=("head",))
    assert _refs(selectors.visible_cases(head_agent)) == _refs([spread["cards"], spread["branch"], spread["team"]])


@pytest.mark.parametrize("persona", ["supervisor", "compliance", "auditor"])
def test_view_all_departments_sees_everything(spread, request, persona):
    assert selectors.visible_cases(request.getfixturevalue(persona)).count() == 4


def test_without_view_case_nothing_is_visible(spread, nobody, make_user):
    assert selectors.visible_cases(nobody).count() == 0
    inactive = make_user("supervisor", is_active=False)
    assert selectors.visible_cases(inactive).count() == 0
    assert selectors.visible_cases(None).count() == 0


def test_case_for_gives_the_same_answer_for_missing_and_invisible(spread, other_agent):
    with pytest.raises(NotFound) as invisible:
        selectors.case_for(other_agent, spread["cards"].reference)
    with pytest.raises(NotFound) as missing:
        selectors.case_for(other_agent, "CMP-2026-999999")
    assert invisible.value.detail == missing.value.detail
    assert invisible.value.code == missing.value.code == "not_found"


def test_case_for_accepts_a_reference_typed_in_lower_case(spread, agent):
    ref = spread["cards"].reference
    assert selectors.case_for(agent, f" {ref.lower()} ") == spread["cards"]


def test_the_queue_is_ordered_by_next_deadline_with_none_last_then_reference(open_case, agent, supervisor):
    first = open_case()
    second = open_case(received_at=NOW - timedelta(hours=2))  # due two hours earlier
    third = open_case()
    stage(third, Status.RESOLVED)
    Case.objects.filter(pk=third.pk).update(next_due_at=None)
    assert [c.reference for c in selectors.case_list(supervisor)] == [
        second.reference,
        first.reference,
        third.reference,
    ]


def test_queue_filters(open_case, agent, supervisor):
    mine = open_case(type="feedback", assignee=agent)
    late = open_case(received_at=NOW - timedelta(days=2))
    Case.objects.filter(pk=late.pk).update(is_breached=True)
    resolved = stage(open_case(), Status.RESOLVED)
    assert _refs(selectors.case_list(supervisor, type="feedback")) == {mine.reference}
    assert _refs(selectors.case_list(supervisor, assignee=agent)) == {mine.reference}
    assert _refs(selectors.case_list(supervisor, assignee=agent.pk)) == {mine.reference}
    assert _refs(selectors.case_list(supervisor, breached=True)) == {late.reference}
    assert _refs(selectors.case_list(supervisor, status=Status.RESOLVED)) == {resolved.reference}
    assert _refs(selectors.case_list(supervisor, status=[Status.RESOLVED, "acknowledged"])) == _refs(
        [mine, late, resolved]
    )
    assert _refs(selectors.case_list(supervisor, due_before=NOW)) == {late.reference}


def test_case_list_query_budget(spread, agent, django_assert_max_num_queries):
    agent = type(agent).objects.get(pk=agent.pk)  # no permission cache yet
    # 1: the agent's permissions (their own and their roles', one UNION; cached on the user after)
    # 2: the cases, joined with customer, department, assignee, product, category and policy,
    #    the department scope a recursive subquery inside the same statement
    with django_assert_max_num_queries(2):
        rows = list(selectors.case_list(agent))
        for row in rows:
            assert row.customer.customer_no and row.policy.code
            assert row.department is not None and row.assignee is None and row.product is None
    assert len(rows) == 2


def test_an_invisible_case_cannot_be_acted_on_through_a_service(spread, other_agent):
    case = spread["cards"]
    with pytest.raises(NotFound):
        services.transition(case=case, to=Status.INVESTIGATING, by=other_agent, version=case.version)

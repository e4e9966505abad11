from datetime import timedelta

import pytest

from safeguard.api.tests.conftest import NOW, assert_problem
from safeguard.cases.models import Case
from safeguard.cases.schemas import MAX_PAGE_SIZE

pytestmark = pytest.mark.django_db


def _refs(response):
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["items"]]


def test_the_list_is_ordered_by_next_deadline(agent, api_as, open_case):
    late = open_case(agent)
    early = open_case(agent)
    Case.objects.filter(pk=late.pk).update(next_due_at=NOW + timedelta(days=5))
    Case.objects.filter(pk=early.pk).update(next_due_at=NOW + timedelta(days=1))
    response = api_as(agent).get("/api/v1/cases")
    assert _refs(response) == [early.reference, late.reference]
    assert response.json()["count"] == 2


def test_the_list_holds_only_visible_cases(agent, other_agent, api_as, open_case):
    mine = open_case(agent)
    open_case(other_agent, department="branch_sh".replace("_", "-"))
    assert _refs(api_as(agent).get("/api/v1/cases")) == [mine.reference]


def test_a_user_without_a_role_gets_an_empty_list(agent, nobody, api_as, open_case):
    open_case(agent)
    response = api_as(nobody).get("/api/v1/cases")
    assert response.json() == {"count": 0, "limit": 25, "offset": 0, "items": []}


def test_filters(agent, supervisor, api_as, open_case):
    plain = open_case(agent)
    feedback = open_case(agent, type="feedback")
    assigned = open_case(agent, assignee=agent)
    breached = open_case(agent)
    Case.objects.filter(pk=breached.pk).update(is_breached=True, next_due_at=NOW - timedelta(hours=1))
    Case.objects.filter(pk=plain.pk).update(next_due_at=NOW + timedelta(days=30))
    client = api_as(supervisor)
    assert _refs(client.get("/api/v1/cases", {"type": "feedback"})) == [feedback.reference]
    assert _refs(client.get("/api/v1/cases", {"breached": "true"})) == [breached.reference]
    assert _refs(client.get("/api/v1/cases", {"assignee": "agent"})) == [assigned.reference]
    assert _refs(client.get("/api/v1/cases", {"assignee": "no-such-user"})) == []
    due_before = (NOW + timedelta(days=29)).isoformat()
    assert plain.reference not in _refs(client.get("/api/v1/cases", {"due_before": due_before}))
    statuses = {c.status for c in Case.objects.all()}
    assert len(_refs(client.get("/api/v1/cases", {"status": sorted(statuses)}))) == 4
    assert _refs(client.get("/api/v1/cases", {"status": "closed"})) == []


def test_pagination(agent, api_as, open_case):
    cases = [open_case(agent) for _ in range(3)]
    client = api_as(agent)
    first = client.get("/api/v1/cases", {"limit": 2})
    second = client.get("/api/v1/cases", {"limit": 2, "offset": 2})
    assert first.json()["count"] == second.json()["count"] == 3
    assert sorted(_refs(first) + _refs(second)) == sorted(c.reference for c in cases)
    assert _refs(client.get("/api/v1/cases", {"offset": 10})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": MAX_PAGE_SIZE + 1},
        {"limit": 0},
        {"offset": -1},
        {"status": "pending"},
        {"type": "grievance"},
        {"breached": "perhaps"},
        {"due_before": "2026-03-01T10:00:00"},
        {"due_before": "soon"},
    ],
)
def test_bad_filters_are_422_problems(agent, api_as, params):
    assert_problem(api_as(agent).get("/api/v1/cases", params), 422, "invalid_input")


def test_the_list_stays_within_its_query_budget(agent, api_as, open_case, django_assert_max_num_queries):
    for _ in range(5):
        open_case(agent)
    client = api_as(agent)
    client.get("/api/v1/cases")  # the token's last_used_at is touched once a minute; not counted below
    # 1 token joined with its user; 1 the user's permissions (direct and through roles, one UNION); 1 count;
    # 1 page of cases with customer, department, assignee, product, category, policy joined; 1 milestones prefetch.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/cases")
    assert response.json()["count"] == 5

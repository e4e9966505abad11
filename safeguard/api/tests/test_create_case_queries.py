"""``POST /api/v1/cases`` is the intake hot path: a small, fixed number of queries per case.

The budget is PostgreSQL's count; SQLite makes two fewer (no advisory locks).
"""

import pytest

from safeguard.cases.models import Case
from safeguard.deadlines.selectors import deadline_rules

pytestmark = pytest.mark.django_db


def test_a_case_for_a_known_customer_takes_at_most_23_queries(
    agent, api_as, case_body, customer, django_assert_max_num_queries
):
    client = api_as(agent)
    client.get("/api/v1/cases")  # the token's last_used_at is touched once a minute; not counted below
    deadline_rules()  # a running process already holds the current policies and calendars
    body = case_body(customer={"customer_no": customer.customer_no})
    # 1 the token, joined with its user
    # 2 SAVEPOINT: the request's transaction (BEGIN in production)
    # 3 the advisory lock on the Idempotency-Key (PostgreSQL only)
    # 4 an earlier answer to this key, if any
    # 5 the user's permissions (their own and their roles', one UNION)
    # 6 the customer, by number
    # 7 the caller's department
    # 8 SAVEPOINT: open_case's transaction
    # 9 the deadline rules version (policies and calendars come from the per-process copy)
    # 10 the product, by code
    # 11 the category, by code
    # 12 the reference counter (one upsert)
    # 13 the case
    # 14 its milestones (one bulk insert)
    # 15 its timeline: created and acknowledged on receipt (one bulk insert)
    # 16 the audit chain's advisory lock (PostgreSQL only)
    # 17 the audit chain's last hash
    # 18 the audit entry
    # 19 RELEASE SAVEPOINT
    # 20 the case as written, with customer, department, product, category and policy joined
    # 21 its milestones
    # 22 the idempotency record with the answer
    # 23 RELEASE SAVEPOINT (COMMIT in production)
    with django_assert_max_num_queries(23):
        response = client.post("/api/v1/cases", body, **{"Idempotency-Key": "budget-1"})
    assert response.status_code == 201, response.content
    assert Case.objects.filter(reference=response.json()["reference"], customer=customer).exists()


def test_a_replay_takes_at_most_five_queries(agent, api_as, case_body, customer, django_assert_max_num_queries):
    client = api_as(agent)
    body = case_body(customer={"customer_no": customer.customer_no})
    first = client.post("/api/v1/cases", body, **{"Idempotency-Key": "budget-2"})
    # 1 the token; 2 SAVEPOINT; 3 the advisory lock (PostgreSQL only); 4 the stored answer;
    # 5 RELEASE SAVEPOINT. The case is not touched.
    with django_assert_max_num_queries(5):
        again = client.post("/api/v1/cases", body, **{"Idempotency-Key": "budget-2"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()

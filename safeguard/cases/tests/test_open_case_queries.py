"""Opening a case is the intake hot path (``POST /api/v1/cases``): a small, fixed number of queries.

Throughput itself is measured in ``bench/``; these budgets keep a change from quietly adding
round trips. Each budget is PostgreSQL's count: SQLite makes one query fewer (no advisory lock).
"""

import pytest

from safeguard.accounts.models import User
from safeguard.cases import services
from safeguard.cases.models import CaseEvent, CaseMilestone, Status
from safeguard.deadlines.models import PolicyMilestone
from safeguard.deadlines.selectors import deadline_rules

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a new request sees them: no permission cache yet."""
    return User.objects.get(pk=user.pk)


def test_opening_a_case_takes_at_most_eleven_queries(agent, customer, departments, django_assert_max_num_queries):
    deadline_rules()  # a running process already holds the current policies and calendars
    by = _fresh(agent)
    # 1 SAVEPOINT (open_case's transaction inside the test's; BEGIN in production)
    # 2 the agent's permissions (their own and their roles', one UNION)
    # 3 the deadline rules version (policies and calendars then come from the per-process copy)
    # 4 the reference counter (one upsert)
    # 5 the case, its next deadline included
    # 6 its milestones (one bulk insert)
    # 7 its timeline: created and acknowledged on receipt (one bulk insert)
    # 8 the audit chain's advisory lock (PostgreSQL only)
    # 9 the audit chain's last hash
    # 10 the audit entry
    # 11 RELEASE SAVEPOINT
    with django_assert_max_num_queries(11):
        case = services.open_case(
            by=by,
            customer=customer,
            type="complaint",
            channel="phone",
            description="信用卡年费被重复扣收，请退还。",
            department=departments["cards"],
        )
    assert case.status == Status.ACKNOWLEDGED
    assert CaseMilestone.objects.filter(case=case).count() == 3
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == ["created", "acknowledged"]


def test_a_policy_changed_since_the_last_case_is_read_again(open_case, django_assert_max_num_queries):
    open_case()
    PolicyMilestone.objects.filter(policy__code="cn-nfra", milestone="final_response").update(amount=10)
    # The version query finds a new token, so the policies and calendars are loaded again:
    # policies with calendars, their milestones, their extensions, calendar years, calendar days.
    with django_assert_max_num_queries(11 - 1 + 5):  # no permission query: opened by the system
        case = open_case()
    final = CaseMilestone.objects.get(case=case, milestone="final_response")
    assert (final.due_at.date() - case.received_at.date()).days == 10

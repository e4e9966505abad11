"""The most frequent writes after intake, each within a fixed number of queries.

Budgets are PostgreSQL's counts; SQLite makes one fewer (no advisory lock on the audit chain).
"""

import pytest

from safeguard.accounts.models import User
from safeguard.cases import services
from safeguard.cases.models import CaseMilestone, Status

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a new request sees them (their permissions are read once per request)."""
    user = User.objects.get(pk=user.pk)
    user.has_perm("cases.view_case")
    return user


def test_a_transition_takes_at_most_nine_queries(agent, case, django_assert_max_num_queries):
    by = _fresh(agent)
    # 1 SAVEPOINT; 2 the departments the agent sees (may they see this case?); 3 the case, locked;
    # 4 the TRANSITION event; 5 the case update with the version check; 6 the audit chain's advisory
    # lock (PostgreSQL only); 7 the chain's last hash; 8 the audit entry; 9 RELEASE SAVEPOINT
    with django_assert_max_num_queries(9):
        moved = services.transition(case=case, to=Status.INVESTIGATING, by=by, version=case.version)
    assert moved.status == Status.INVESTIGATING


def test_a_first_response_takes_at_most_twelve_queries(agent, case, django_assert_max_num_queries):
    by = _fresh(agent)
    # 1 SAVEPOINT; 2 the departments the agent sees; 3 the case, locked; 4 the message; 5 its event;
    # 6 the first-response milestone met; 7 the next deadline recomputed from the milestones;
    # 8 the case update; 9 advisory lock (PostgreSQL only); 10 last hash; 11 audit entry; 12 RELEASE
    with django_assert_max_num_queries(12):
        services.add_message(case=case, by=by, direction="out", body="我们已收到您的投诉，正在核实。")
    assert CaseMilestone.objects.get(case=case, milestone="first_response").met_at is not None


def test_a_later_message_takes_at_most_ten_queries(agent, case, django_assert_max_num_queries):
    services.add_message(case=case, by=agent, direction="out", body="我们已收到您的投诉，正在核实。")
    by = _fresh(agent)
    # As the first response, without 6-7: an inbound message meets no milestone, so the next deadline stays.
    with django_assert_max_num_queries(10):
        services.add_message(case=case, by=by, direction="in", body="好的，谢谢。")

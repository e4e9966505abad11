"""The deadline scan marks due-soon and breached milestones once each, and escalates breaches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.audit.models import AuditEntry
from safeguard.cases import services
from safeguard.cases.models import Case, CaseEvent, CaseMilestone
from safeguard.cases.tests.support import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _due_soon(settings):
    settings.SAFEGUARD_DUE_SOON_HOURS = 24


@pytest.fixture
def boss(supervisor):
    supervisor.email = "boss@example.com"
    supervisor.save(update_fields=["email"])
    return supervisor


def _kinds(case):
    return list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))


def test_a_milestone_within_the_warning_window_is_marked_due_soon_once(case, frozen_time):
    frozen_time.shift(timedelta(hours=1))
    assert services.scan_deadlines() == 1
    first = CaseMilestone.objects.get(case=case, milestone="first_response")
    assert first.due_soon_at == NOW + timedelta(hours=1)
    assert _kinds(case).count("due_soon") == 1
    frozen_time.shift(timedelta(hours=1))
    assert services.scan_deadlines() == 0
    assert _kinds(case).count("due_soon") == 1


def test_a_passed_deadline_is_breached_escalated_and_mailed_once(case, boss, mailoutbox, frozen_time):
    frozen_time.shift(timedelta(hours=24, minutes=1))
    assert services.scan_deadlines() == 1  # first response breached (and no longer "due soon")
    stored = Case.objects.get(pk=case.pk)
    assert stored.is_breached
    assert stored.version == case.version + 1
    first = CaseMilestone.objects.get(case=case, milestone="first_response")
    assert first.breached_at == NOW + timedelta(hours=24, minutes=1)
    escalated = CaseEvent.objects.get(case=case, kind="escalated")
    assert escalated.data == {"supervisors": ["supervisor"], "milestones": ["first_response"]}
    assert "supervisor" in escalated.note
    assert AuditEntry.objects.filter(action="case.breach", object_id=str(case.pk)).count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["boss@example.com"]
    assert case.reference in mailoutbox[0].body

    # Idempotent: a second run finds nothing new and sends nothing.
    assert services.scan_deadlines() == 0
    assert _kinds(case).count("breached") == 1
    assert _kinds(case).count("escalated") == 1
    assert len(mailoutbox) == 1


def test_escalation_goes_to_supervisors_of_the_department_and_above_only(case, make_user, frozen_time):
    make_user("supervisor", departments_=("head",), username="head_supervisor")
    make_user("supervisor", departments_=("branch_sh",), username="branch_supervisor")
    make_user("compliance_officer", departments_=("cards",), username="cards_compliance")
    frozen_time.shift(timedelta(days=2))
    services.scan_deadlines()
    escalated = CaseEvent.objects.get(case=case, kind="escalated")
    assert escalated.data["supervisors"] == ["head_supervisor"]


def test_met_milestones_are_never_breached(case, agent, frozen_time):
    services.add_message(case=case, by=agent, direction="out", body="您好")
    frozen_time.shift(timedelta(days=2))
    assert services.scan_deadlines() == 0
    assert not Case.objects.get(pk=case.pk).is_breached


def test_a_paused_clock_is_not_breached(case, agent, frozen_time):
    services.pause_clock(case=case, by=agent, reason="external appraisal")
    frozen_time.shift(timedelta(days=2))
    assert services.scan_deadlines() == 0


def test_the_final_response_is_breached_after_its_day_ends(case, agent, frozen_time):
    services.add_message(case=case, by=agent, direction="out", body="您好")
    final = CaseMilestone.objects.get(case=case, milestone="final_response")
    frozen_time.move_to(final.due_at - timedelta(hours=2))
    assert services.scan_deadlines() == 1  # due soon
    frozen_time.move_to(final.due_at + timedelta(seconds=1))
    assert services.scan_deadlines() == 1  # breached
    final.refresh_from_db()
    assert final.due_soon_at is not None and final.breached_at is not None


def test_the_task_wrapper_runs_the_scan(case, frozen_time):
    from safeguard.cases.tasks import scan_deadlines

    frozen_time.shift(timedelta(days=2))
    result = scan_deadlines.enqueue()
    assert result.return_value == 1


def _scan_queries(open_case, frozen_time, n):
    """Queries of one scan over ``n`` newly breached cases, leaving out the audit log's own."""
    for _ in range(n):
        open_case()
    frozen_time.shift(timedelta(days=2))
    with CaptureQueriesContext(connection) as captured:
        assert services.scan_deadlines() == n
    frozen_time.shift(timedelta(days=-2))
    # audit.log runs in its own savepoint and, on PostgreSQL, takes the chain's advisory lock
    own = ("audit", "SAVEPOINT", "pg_advisory_xact_lock")
    return [q["sql"] for q in captured.captured_queries if not any(word in q["sql"] for word in own)]


def test_the_scan_makes_the_same_queries_for_few_or_many_cases(open_case, boss, frozen_time):
    # One audit entry per breached case is by design (the chain is per entry); everything else
    # is batched: select due-soon, select breached, mark both, flag the cases and bump their
    # versions (one update), supervisors (+ their departments), the department tree, insert the events.
    few = _scan_queries(open_case, frozen_time, 2)
    many = _scan_queries(open_case, frozen_time, 6)
    assert len(few) == len(many)
    assert len(many) <= 11

"""Pausing the clock where the policy allows it; resuming moves the unmet deadlines by the paused days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from safeguard.cases import services
from safeguard.cases.errors import ClockAlreadyPaused, ClockNotPaused
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, ClockPause, Status
from safeguard.cases.tests.support import SHANGHAI, counts, stage
from safeguard.core.errors import NotFound, PermissionDenied
from safeguard.deadlines.errors import PauseNotAllowed

pytestmark = pytest.mark.django_db


def _due(case, name="final_response"):
    return CaseMilestone.objects.get(case=case, milestone=name).due_at


def test_resuming_moves_the_final_response_by_the_days_paused(case, agent, frozen_time):
    services.add_message(case=case, by=agent, direction="out", body="Please send the statement.")
    services.pause_clock(case=case, by=agent, reason="Waiting for the external appraisal (art. 18).")
    frozen_time.shift(timedelta(days=4))
    services.resume_clock(case=case, by=agent)
    # 15 days counted from 2 March + 4 paused days: 21 March is a Saturday, so Monday 23 March
    assert _due(case) == datetime(2026, 3, 23, 23, 59, 59, tzinfo=SHANGHAI)
    assert Case.objects.get(pk=case.pk).next_due_at == _due(case)
    resumed = CaseEvent.objects.get(case=case, kind="deadline_resumed")
    assert "final_response" in resumed.data["moved"]
    assert ClockPause.objects.get(case=case).ended_at is not None


def test_a_policy_without_pauses_refuses_one(open_case, agent):
    case = open_case(policy="uk-fca-disp")
    before = counts(case)
    with pytest.raises(PauseNotAllowed):
        services.pause_clock(case=case, by=agent, reason="waiting")
    assert counts(case) == before
    assert not ClockPause.objects.exists()


def test_the_clock_cannot_be_paused_twice_or_resumed_when_running(case, agent):
    with pytest.raises(ClockNotPaused):
        services.resume_clock(case=case, by=agent)
    services.pause_clock(case=case, by=agent, reason="waiting")
    with pytest.raises(ClockAlreadyPaused):
        services.pause_clock(case=case, by=agent, reason="again")


def test_withdrawing_a_paused_case_ends_the_pause(case, agent):
    services.pause_clock(case=case, by=agent, reason="waiting")
    fresh = Case.objects.get(pk=case.pk)
    services.withdraw(case=fresh, by=agent, version=fresh.version, reason="The customer withdrew.")
    assert ClockPause.objects.get(case=case).ended_at is not None


def test_a_closed_case_has_no_clock_to_pause(case, agent):
    staged = stage(case, Status.CLOSED)
    with pytest.raises(Exception, match="cannot change"):
        services.pause_clock(case=staged, by=agent, reason="waiting")


# Readers may not touch the clock; whoever cannot see the case gets the same 404 as for a missing one.
REFUSED = [
    ("auditor", PermissionDenied),
    ("compliance", PermissionDenied),
    ("nobody", NotFound),
    ("other_agent", NotFound),
]


@pytest.mark.parametrize(("persona", "error"), REFUSED)
def test_only_handlers_who_see_the_case_pause_the_clock(case, request, persona, error):
    before = counts(case)
    with pytest.raises(error):
        services.pause_clock(case=case, by=request.getfixturevalue(persona), reason="waiting")
    assert counts(case) == before and not ClockPause.objects.exists()


@pytest.mark.parametrize(("persona", "error"), REFUSED)
def test_only_handlers_who_see_the_case_resume_the_clock(case, agent, request, persona, error):
    pause = services.pause_clock(case=case, by=agent, reason="waiting")
    before = counts(case)
    with pytest.raises(error):
        services.resume_clock(case=case, by=request.getfixturevalue(persona))
    assert counts(case) == before and ClockPause.objects.get(pk=pause.pk).ended_at is None


def test_resolving_a_paused_case_moves_its_deadlines_by_the_days_paused_before_meeting_them(case, agent, frozen_time):
    services.add_message(case=case, by=agent, direction="out", body="Please send the statement.")
    case = stage(case, Status.INVESTIGATING)
    services.pause_clock(case=case, by=agent, reason="Waiting for the external appraisal (art. 18).")
    frozen_time.shift(timedelta(days=20))  # past the original 15-day deadline, all of it paused
    fresh = Case.objects.get(pk=case.pk)
    services.resolve(
        case=fresh,
        by=agent,
        version=fresh.version,
        outcome="upheld",
        root_cause="pricing-fees",
        decision_basis="Card terms 4.2",
        reasons="Charged twice.",
        remedies="Mediation or court.",
    )
    final = CaseMilestone.objects.get(case=case, milestone="final_response")
    assert final.met_at is not None
    # The paused days do not count: the decision is in time, as resuming and then resolving would be.
    assert final.met_at <= final.due_at
    assert ClockPause.objects.get(case=case).ended_at is not None

"""Reopening: only within SAFEGUARD_REOPEN_WINDOW_DAYS of the final response; gives a fresh deadline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from safeguard.cases import services
from safeguard.cases.errors import ReopenWindowClosed
from safeguard.cases.models import Case, CaseMilestone, Resolution, Status
from safeguard.cases.tests.support import NOW, SHANGHAI, counts

pytestmark = pytest.mark.django_db

DECISION: dict[str, Any] = {
    "outcome": "not_upheld",
    "root_cause": "customer-misunderstanding",
    "decision_basis": "Card terms, section 4.2",
    "reasons": "The fee was charged once.",
    "remedies": "You may ask a mediation body to review this decision.",
}


@pytest.fixture(autouse=True)
def _window(settings):
    settings.SAFEGUARD_REOPEN_WINDOW_DAYS = 30


@pytest.fixture
def resolved(case, agent):
    investigating = services.transition(case=case, to=Status.INVESTIGATING, by=agent, version=case.version)
    return services.resolve(case=investigating, by=agent, version=investigating.version, **DECISION)


def test_a_resolved_case_reopens_within_the_window(resolved, supervisor, frozen_time):
    frozen_time.shift(timedelta(days=30))
    reopened = services.reopen(case=resolved, by=supervisor, version=resolved.version, reason="New statement.")
    assert reopened.status == Status.INVESTIGATING
    assert reopened.resolved_at is None
    final = CaseMilestone.objects.get(case=resolved, milestone="final_response")
    assert final.met_at is None
    # a fresh 15 days from the reopening on 1 April: 16 April
    assert final.due_at == datetime(2026, 4, 16, 23, 59, 59, tzinfo=SHANGHAI)
    assert reopened.next_due_at == final.due_at


def test_a_closed_case_reopens_within_the_window(resolved, supervisor, frozen_time):
    closed = services.close(case=resolved, by=supervisor, version=resolved.version)
    frozen_time.shift(timedelta(days=10))
    reopened = services.reopen(case=closed, by=supervisor, version=closed.version, reason="Customer disputes.")
    assert reopened.status == Status.INVESTIGATING
    assert reopened.closed_at is None


def test_after_the_window_reopening_is_refused(resolved, supervisor, frozen_time):
    frozen_time.shift(timedelta(days=30, seconds=1))
    before = counts(resolved)
    with pytest.raises(ReopenWindowClosed) as refused:
        services.reopen(case=resolved, by=supervisor, version=resolved.version, reason="Too late.")
    assert refused.value.code == "reopen_window_closed"
    assert counts(resolved) == before
    assert Case.objects.get(pk=resolved.pk).status == Status.RESOLVED


def test_the_window_comes_from_settings(resolved, supervisor, frozen_time, settings):
    settings.SAFEGUARD_REOPEN_WINDOW_DAYS = 7
    frozen_time.shift(timedelta(days=8))
    with pytest.raises(ReopenWindowClosed):
        services.reopen(case=resolved, by=supervisor, version=resolved.version, reason="x")


def test_a_reopened_case_resolved_again_keeps_the_first_decision_on_record(resolved, supervisor, agent):
    reopened = services.reopen(case=resolved, by=supervisor, version=resolved.version, reason="New evidence.")
    again = services.resolve(
        case=reopened, by=agent, version=reopened.version, **{**DECISION, "outcome": "upheld", "root_cause": "fraud"}
    )
    assert again.status == Status.RESOLVED
    resolution = Resolution.objects.get(case=resolved)
    assert (resolution.outcome, resolution.root_cause.code) == ("upheld", "fraud")
    event = resolved.events.filter(kind="resolved").order_by("-id").first()
    assert event.data["previous"]["outcome"] == "not_upheld"
    assert resolved.received_at == NOW

"""Acknowledging a received case meets the acknowledgement milestone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safeguard.cases import services
from safeguard.cases.errors import IllegalTransition
from safeguard.cases.models import CaseMilestone, Status
from safeguard.cases.tests.support import NOW
from safeguard.deadlines.models import DeadlinePolicy, PolicyMilestone

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(open_case):
    """A case under a policy whose acknowledgement is due 2 days after receipt (no service standard)."""
    DeadlinePolicy.objects.filter(code="internal-standard").update(is_active=False)
    policy = DeadlinePolicy.objects.get(code="cn-nfra")
    PolicyMilestone.objects.create(policy=policy, milestone="acknowledge", unit="calendar_days", amount=2)
    return open_case()


def test_a_received_case_is_acknowledged_and_its_milestone_met(received, agent, frozen_time):
    assert received.status == Status.RECEIVED
    frozen_time.shift(timedelta(hours=5))
    acknowledged = services.acknowledge(case=received, by=agent)
    assert acknowledged.status == Status.ACKNOWLEDGED
    assert acknowledged.acknowledged_at == NOW + timedelta(hours=5)
    ack = CaseMilestone.objects.get(case=received, milestone="acknowledge")
    assert ack.met_at == NOW + timedelta(hours=5)
    final = CaseMilestone.objects.get(case=received, milestone="final_response")
    assert acknowledged.next_due_at == final.due_at


def test_a_case_is_acknowledged_once(received, agent):
    acknowledged = services.acknowledge(case=received, by=agent)
    with pytest.raises(IllegalTransition):
        services.acknowledge(case=acknowledged, by=agent)

"""Withdrawal: from any open status, and the case ends that day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safeguard.cases import services
from safeguard.cases.models import OPEN_STATUSES, Case, CaseMilestone, Status
from safeguard.cases.tests.support import NOW, stage
from safeguard.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("source", OPEN_STATUSES)
def test_withdrawal_ends_the_case_on_the_day_it_is_recorded(case, agent, source):
    staged = stage(case, source)
    withdrawn = services.withdraw(case=staged, by=agent, version=staged.version, reason="客户撤回投诉。")
    assert withdrawn.status == Status.WITHDRAWN
    assert withdrawn.closed_at == NOW
    assert withdrawn.next_due_at is None
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.closed_at, stored.next_due_at) == (Status.WITHDRAWN, NOW, None)


def test_a_withdrawn_case_is_not_scanned_for_deadlines(case, agent, frozen_time):
    withdrawn = services.withdraw(case=case, by=agent, version=case.version, reason="Customer withdrew.")
    frozen_time.shift(timedelta(days=40))
    assert services.scan_deadlines() == 0
    assert not CaseMilestone.objects.filter(case=withdrawn, breached_at__isnull=False).exists()


def test_withdrawal_needs_a_reason(case, agent):
    with pytest.raises(InvalidInput):
        services.withdraw(case=case, by=agent, version=case.version, reason=" ")
    assert Case.objects.get(pk=case.pk).status == Status.ACKNOWLEDGED

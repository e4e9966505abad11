"""The customer withdraws on the portal (``by`` None); staff still need the permission."""

from __future__ import annotations

import pytest

from safeguard.audit.models import AuditEntry
from safeguard.cases import services
from safeguard.cases.errors import IllegalTransition, StaleCase
from safeguard.cases.models import OPEN_STATUSES, Case, CaseEvent, Status
from safeguard.cases.tests.support import NOW, counts, stage
from safeguard.core.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("source", OPEN_STATUSES)
def test_the_customer_withdraws_an_open_case(case, source):
    staged = stage(case, source)
    withdrawn = services.withdraw(case=staged, by=None, version=staged.version, reason="已与客户经理协商解决。")
    assert (withdrawn.status, withdrawn.closed_at, withdrawn.next_due_at) == (Status.WITHDRAWN, NOW, None)
    move = CaseEvent.objects.get(case=case, kind="transition", data__to="withdrawn")
    assert (move.actor, move.actor_label, move.note) == (None, "customer", "已与客户经理协商解决。")
    entry = AuditEntry.objects.filter(action="case.withdraw").latest("id")
    assert (entry.actor_id, entry.actor_label) == (None, f"customer:{case.reference}")


def test_a_staff_withdrawal_is_still_recorded_under_the_handler(case, agent):
    services.withdraw(case=case, by=agent, version=case.version, reason="Customer called to withdraw.")
    move = CaseEvent.objects.get(case=case, kind="transition", data__to="withdrawn")
    assert (move.actor, move.actor_label) == (agent, agent.get_username())
    assert AuditEntry.objects.filter(action="case.withdraw").latest("id").actor_label == agent.get_username()


def test_staff_still_need_the_permission_and_to_see_the_case(case, auditor, other_agent):
    before = counts(case)
    with pytest.raises(PermissionDenied):
        services.withdraw(case=case, by=auditor, version=case.version, reason="no")
    with pytest.raises(NotFound):
        services.withdraw(case=case, by=other_agent, version=case.version, reason="no")
    assert counts(case) == before


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN, Status.REFERRED])
def test_the_customer_cannot_withdraw_a_case_that_is_no_longer_open(case, status):
    staged = stage(case, status)
    before = counts(staged)
    with pytest.raises(IllegalTransition):
        services.withdraw(case=staged, by=None, version=staged.version, reason="too late")
    assert counts(staged) == before


def test_the_customer_needs_a_reason_and_the_current_version(case):
    before = counts(case)
    with pytest.raises(InvalidInput):
        services.withdraw(case=case, by=None, version=case.version, reason="  ")
    with pytest.raises(StaleCase):
        services.withdraw(case=case, by=None, version=case.version + 1, reason="changed my mind")
    assert counts(case) == before
    assert Case.objects.get(pk=case.pk).status == Status.ACKNOWLEDGED


@pytest.mark.parametrize(
    ("status", "call"),
    [
        (Status.RECEIVED, lambda c: services.acknowledge(case=c, by=None, version=c.version)),  # type: ignore[arg-type]
        (Status.INVESTIGATING, lambda c: services.refer(case=c, by=None, version=c.version, body="x")),  # type: ignore[arg-type]
        (Status.RESOLVED, lambda c: services.close(case=c, by=None, version=c.version)),  # type: ignore[arg-type]
        (Status.RESOLVED, lambda c: services.reopen(case=c, by=None, version=c.version, reason="x")),  # type: ignore[arg-type]
    ],
)
def test_no_other_move_accepts_an_anonymous_actor(case, status, call):
    staged = stage(case, status)
    before = counts(staged)
    with pytest.raises(NotFound):  # nobody signed in sees no case, as for any refused user
        call(staged)
    assert counts(staged) == before

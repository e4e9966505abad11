"""Optimistic locking: a write based on an old version of the case is refused and writes nothing."""

from __future__ import annotations

import pytest

from safeguard.cases import services
from safeguard.cases.errors import StaleCase
from safeguard.cases.models import Case, Status
from safeguard.cases.tests.support import counts, stage

pytestmark = pytest.mark.django_db


def test_every_write_bumps_the_version(case, agent):
    assert case.version == 1
    moved = services.transition(case=case, to=Status.INVESTIGATING, by=agent, version=1)
    assert moved.version == 2
    services.add_note(case=moved, by=agent, body="Called the card centre.")
    assert Case.objects.get(pk=case.pk).version == 3


def test_two_agents_cannot_overwrite_each_other(case, agent, supervisor):
    # Both opened the case at version 1; the supervisor saves first.
    mine = Case.objects.get(pk=case.pk)
    theirs = Case.objects.get(pk=case.pk)
    services.transition(case=theirs, to=Status.INVESTIGATING, by=supervisor, version=theirs.version)
    before = counts(case)
    with pytest.raises(StaleCase) as refused:
        services.transition(case=mine, to=Status.INVESTIGATING, by=agent, version=mine.version)
    assert refused.value.code == "stale_case"
    assert refused.value.status == 409
    assert "changed since you opened it" in refused.value.detail
    assert refused.value.extra == {"expected_version": 1, "current_version": 2}
    assert counts(case) == before


@pytest.mark.parametrize(
    "write",
    [
        lambda c, by: services.transition(case=c, to=Status.WITHDRAWN, by=by, version=c.version - 1, note="x"),
        lambda c, by: services.assign(case=c, by=by, version=c.version - 1, assignee=by),
        lambda c, by: services.refer(case=c, by=by, version=c.version - 1, body="to the regulator"),
        lambda c, by: services.withdraw(case=c, by=by, version=c.version - 1, reason="customer withdrew"),
        lambda c, by: services.resolve(
            case=c,
            by=by,
            version=c.version - 1,
            outcome="upheld",
            root_cause="pricing-fees",
            decision_basis="terms",
            reasons="fee taken twice",
            remedies="mediation",
        ),
    ],
    ids=["transition", "assign", "refer", "withdraw", "resolve"],
)
def test_a_stale_version_is_refused_by_each_service_that_takes_one(case, supervisor, write):
    staged = stage(case, Status.INVESTIGATING)
    services.add_note(case=staged, by=supervisor, body="someone else wrote meanwhile")
    current = Case.objects.get(pk=case.pk)
    before = counts(current)
    with pytest.raises(StaleCase):
        write(current, supervisor)
    assert counts(current) == before
    assert Case.objects.get(pk=case.pk).status == Status.INVESTIGATING


@pytest.mark.parametrize("service", ["close", "reopen"])
def test_stale_close_and_reopen_are_refused(case, supervisor, service):
    staged = stage(case, Status.RESOLVED)
    before = counts(staged)
    kwargs = {"reason": "new evidence"} if service == "reopen" else {}
    with pytest.raises(StaleCase):
        getattr(services, service)(case=staged, by=supervisor, version=staged.version + 1, **kwargs)
    assert counts(staged) == before

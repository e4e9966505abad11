"""Every move the lifecycle does not list is refused, with a clear error, and writes nothing."""

from __future__ import annotations

import itertools

import pytest

from safeguard.cases import services, states
from safeguard.cases.errors import IllegalTransition
from safeguard.cases.models import Status
from safeguard.cases.tests.support import counts, stage

pytestmark = pytest.mark.django_db

ILLEGAL = [(s, t) for s, t in itertools.product(Status.values, Status.values) if not states.is_allowed(s, t)]


def test_the_table_lists_the_lifecycle_of_the_issue():
    allowed = {(m.source, m.target) for m in states.MOVES}
    assert ("received", "acknowledged") in allowed
    assert ("acknowledged", "investigating") in allowed
    assert {("investigating", "awaiting_customer"), ("awaiting_customer", "investigating")} <= allowed
    assert ("investigating", "resolved") in allowed
    assert ("resolved", "closed") in allowed
    assert {("resolved", "investigating"), ("closed", "investigating")} <= allowed
    assert {(s, "withdrawn") for s in ("received", "acknowledged", "investigating", "awaiting_customer")} <= allowed
    assert {(s, "referred") for s in (*Status.values[:4], "resolved", "closed")} <= allowed
    assert {(s, "merged") for s in ("received", "acknowledged", "investigating", "awaiting_customer")} <= allowed
    assert set(states.TERMINAL_STATUSES) == {"withdrawn", "referred", "merged"}
    # every move needs one of the case permissions
    assert {m.permission.split(".")[0] for m in states.MOVES} == {"cases"}


def test_there_are_illegal_pairs_to_check():
    assert len(ILLEGAL) == len(Status.values) ** 2 - len(states.MOVES)


@pytest.mark.parametrize(("source", "target"), ILLEGAL, ids=[f"{s}->{t}" for s, t in ILLEGAL])
def test_an_illegal_transition_is_refused_and_writes_nothing(case, make_user, source, target):
    # A supervisor with every case permission: the refusal must come from the lifecycle alone.
    actor = make_user("supervisor")
    actor.user_permissions.add(*_all_case_permissions())
    staged = stage(case, source)
    before = counts(staged)
    with pytest.raises(IllegalTransition) as refused:
        services.transition(case=staged, to=target, by=actor, version=staged.version, note="why not")
    assert refused.value.code == "illegal_transition"
    assert refused.value.status == 409
    assert refused.value.extra == {"from": source, "to": target}
    assert str(Status(source).label) in refused.value.detail
    assert str(Status(target).label) in refused.value.detail
    staged.refresh_from_db()
    assert staged.status == source
    assert counts(staged) == before


def test_an_unknown_status_is_an_illegal_transition(case, supervisor):
    with pytest.raises(IllegalTransition, match="nowhere"):
        services.transition(case=case, to="nowhere", by=supervisor, version=case.version)


def _all_case_permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="cases")

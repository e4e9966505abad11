"""The lifecycle table itself (pure: no database)."""

from __future__ import annotations

import pytest

from safeguard.cases import states
from safeguard.cases.errors import IllegalTransition
from safeguard.cases.models import Status


def test_each_pair_has_at_most_one_move():
    pairs = [(m.source, m.target) for m in states.MOVES]
    assert len(pairs) == len(set(pairs))


def test_no_move_stays_in_place():
    assert all(m.source != m.target for m in states.MOVES)


def test_move_for_names_both_statuses_when_refusing():
    with pytest.raises(IllegalTransition, match=r"Closed.*Received"):
        states.move_for(Status.CLOSED, Status.RECEIVED)


def test_allowed_moves_follow_the_permissions_a_user_holds():
    agent_perms = {"cases.work_case", "cases.close_case", "cases.acknowledge_case"}
    targets = {m.target for m in states.allowed_moves(Status.RESOLVED, agent_perms.__contains__)}
    assert targets == {Status.CLOSED}  # reopening and referral are for supervisors
    supervisor = {m.target for m in states.allowed_moves(Status.RESOLVED, lambda _perm: True)}
    assert supervisor == {Status.CLOSED, Status.INVESTIGATING, Status.REFERRED}


def test_terminal_statuses_have_no_way_out():
    for status in states.TERMINAL_STATUSES:
        assert states.moves_from(status) == []

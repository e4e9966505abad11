"""The case lifecycle: every allowed move between statuses, and who may make it.

This table is the one source of truth; services ask ``move_for`` before changing a
status, the API and pages ask ``allowed_moves`` to offer buttons, and docs/lifecycle.md
describes the same table for people.

    received -> acknowledged -> investigating <-> awaiting_customer -> resolved -> closed
    resolved | closed -> investigating                   (reopen, within the reopen window)
    any open status -> withdrawn                          (the customer withdraws; the case ends that day)
    any open status | resolved | closed -> referred       (to the ombudsman or the regulator)
    any open status -> merged                             (a duplicate merged into another case)

Pure: no database, no clock. The reopen window is checked by ``rules.reopen_window_open``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from safeguard.cases.errors import IllegalTransition
from safeguard.cases.models import OPEN_STATUSES, Status


class Action:
    """The service that makes a move (``services.<name>``)."""

    ACKNOWLEDGE = "acknowledge"
    INVESTIGATE = "investigate"
    AWAIT_CUSTOMER = "await_customer"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    REFER = "refer"
    MERGE = "merge"


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    action: str
    # The Django permission the acting user needs (Case Meta permissions).
    permission: str


ACKNOWLEDGE_PERM = "cases.acknowledge_case"
WORK_PERM = "cases.work_case"
CLOSE_PERM = "cases.close_case"
REOPEN_PERM = "cases.reopen_case"
REFER_PERM = "cases.refer_case"

MOVES: tuple[Move, ...] = (
    Move(Status.RECEIVED, Status.ACKNOWLEDGED, Action.ACKNOWLEDGE, ACKNOWLEDGE_PERM),
    Move(Status.ACKNOWLEDGED, Status.INVESTIGATING, Action.INVESTIGATE, WORK_PERM),
    Move(Status.INVESTIGATING, Status.AWAITING_CUSTOMER, Action.AWAIT_CUSTOMER, WORK_PERM),
    Move(Status.AWAITING_CUSTOMER, Status.INVESTIGATING, Action.INVESTIGATE, WORK_PERM),
    # Resolved means the decision is made and the final response sent (services.resolve).
    Move(Status.INVESTIGATING, Status.RESOLVED, Action.RESOLVE, WORK_PERM),
    # The customer did not answer: decide on what the institution has.
    Move(Status.AWAITING_CUSTOMER, Status.RESOLVED, Action.RESOLVE, WORK_PERM),
    Move(Status.RESOLVED, Status.CLOSED, Action.CLOSE, CLOSE_PERM),
    Move(Status.RESOLVED, Status.INVESTIGATING, Action.REOPEN, REOPEN_PERM),
    Move(Status.CLOSED, Status.INVESTIGATING, Action.REOPEN, REOPEN_PERM),
    *(Move(source, Status.WITHDRAWN, Action.WITHDRAW, WORK_PERM) for source in OPEN_STATUSES),
    *(
        Move(source, Status.REFERRED, Action.REFER, REFER_PERM)
        for source in (*OPEN_STATUSES, Status.RESOLVED, Status.CLOSED)
    ),
    # A duplicate ends by being merged into the case that carries on; both timelines are kept.
    *(Move(source, Status.MERGED, Action.MERGE, WORK_PERM) for source in OPEN_STATUSES),
)

_BY_PAIR: dict[tuple[str, str], Move] = {(m.source, m.target): m for m in MOVES}

# Statuses with no way out: withdrawn, referred and merged cases stay as they are.
TERMINAL_STATUSES = tuple(s for s in Status if not any(m.source == s for m in MOVES))


def move_for(source: str, target: str) -> Move:
    """The move from ``source`` to ``target``, or ``IllegalTransition`` when the lifecycle has none."""
    found = _BY_PAIR.get((source, target))
    if found is None:
        raise IllegalTransition(source, target)
    return found


def is_allowed(source: str, target: str) -> bool:
    return (source, target) in _BY_PAIR


def moves_from(source: str) -> list[Move]:
    return [m for m in MOVES if m.source == source]


def allowed_moves(source: str, has_perm: Callable[[str], bool]) -> list[Move]:
    """The moves a user could make from ``source``: pass ``user.has_perm``."""
    return [m for m in moves_from(source) if has_perm(m.permission)]

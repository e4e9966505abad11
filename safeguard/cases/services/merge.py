"""Duplicates: flagging a possible duplicate, and merging a duplicate into the case that carries on.

A possible duplicate is only a link (``CaseLink`` kind ``possible_duplicate``, from the newer case
to the earlier one, with the similarity score) and a timeline event on the newer case: intake
flags it (``intake/dedupe.py``), a person decides. Nothing is ever merged automatically.

``merge`` ends the duplicate (status ``merged``; its clock stops as for a withdrawal) and links it
to the case that carries on. Both timelines stay exactly as they were: nothing is moved, copied
or deleted; each case gets a ``merged`` event naming the other, and each an audit entry. A
message that later arrives on the merged case (a reply to its old reference) is still recorded
there (``add_message`` takes messages on any case).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.cases import events, states
from safeguard.cases.access import can_see, ensure_can
from safeguard.cases.errors import CaseNotOpen, IllegalTransition
from safeguard.cases.models import Case, CaseLink, Status
from safeguard.cases.services import _base
from safeguard.core.errors import InvalidInput, NotFound

# A case merged into one of these is no longer handled there: refuse (reopen it first, or merge
# the other way round).
_NOT_A_TARGET = (Status.CLOSED, *states.TERMINAL_STATUSES)


class MergeTargetRequired(InvalidInput):
    """``transition`` to "merged" has no case to merge into: use ``merge``."""

    code = "merge_target_required"


class MergeRefused(InvalidInput):
    """The two cases cannot be merged (the same case, or cases of different customers)."""

    code = "merge_refused"


@transaction.atomic
def link_possible_duplicate(*, case: Case, other: Case, score: float | None, by: User | None = None) -> CaseLink:
    """Flag ``case`` as a possible duplicate of the earlier ``other`` (same customer).

    ``by`` None is intake flagging it; a person doing it needs ``cases.work_case`` on both cases.
    Flagging the same pair again returns the existing link and writes nothing.
    """
    if case.pk == other.pk:
        raise MergeRefused(_("A case cannot be a duplicate of itself."), field="other")
    if case.customer_id != other.customer_id:
        raise MergeRefused(_("Only cases of the same customer can be duplicates."), field="other")
    if score is not None and not 0 <= score <= 1:
        raise InvalidInput(_("The similarity must be between 0 and 1."), field="score")
    if by is not None:
        ensure_can(by, states.WORK_PERM, case)
        ensure_can(by, states.WORK_PERM, other)
    locked = _base.lock(case)
    found = CaseLink.objects.filter(case=locked, other=other, kind=CaseLink.Kind.POSSIBLE_DUPLICATE).first()
    if found is not None:
        return found
    score = round(score, 3) if score is not None else None
    link = CaseLink.objects.create(
        case=locked, other=other, kind=CaseLink.Kind.POSSIBLE_DUPLICATE, score=score, created_by=by
    )
    events.record(locked, events.Kind.POSSIBLE_DUPLICATE, by=by, data={"reference": other.reference, "score": score})
    _base.save(locked)
    _base.audit_log(by, "case.possible_duplicate", locked, {"other": other.reference, "score": score})
    return link


@transaction.atomic
def merge(*, case: Case, into: Case, by: User, version: int, note: str = "") -> Case:
    """Merge the duplicate ``case`` into ``into``: the duplicate ends as ``merged``; ``into`` goes on.

    ``version`` is the duplicate's version the user saw. Refused: the same case, a case of another
    customer, a target that is closed or ended, one the user may not see (``not_found``), a
    duplicate that is no longer open (``illegal_transition``), a stale version (``stale_case``).
    Returns the merged duplicate.
    """
    move = states.move_for(case.status, Status.MERGED)
    if move.action != states.Action.MERGE:  # pragma: no cover - merged is reached only by merging
        raise IllegalTransition(case.status, Status.MERGED)
    ensure_can(by, move.permission, case)
    if into.pk == case.pk:
        raise MergeRefused(_("A case cannot be merged into itself."), field="into")
    if not can_see(by, into):
        raise NotFound(_("No case with this reference."), field="into")
    # Lock both rows, always in the same order, so two merges of the same pair cannot deadlock.
    if into.pk < case.pk:
        target = _base.lock(into)
        locked = _base.lock(case, version)
    else:
        locked = _base.lock(case, version)
        target = _base.lock(into)
    if not states.is_allowed(locked.status, Status.MERGED):
        raise IllegalTransition(locked.status, Status.MERGED)
    if target.customer_id != locked.customer_id:
        raise MergeRefused(_("Only cases of the same customer can be merged."), field="into")
    if target.status in _NOT_A_TARGET:
        raise CaseNotOpen(
            _("Case %(reference)s is “%(status)s”: a case can only be merged into one that is still handled.")
            % {"reference": target.reference, "status": Status(target.status).label},
            field="into",
        )

    at = _base.now()
    note = note.strip()
    source = locked.status
    _base.move(locked, Status.MERGED, by=by, at=at, note=note, data={"into": target.reference})
    _base.end_pause(locked, at=at)
    locked.closed_at = at
    _base.refresh_next_due(locked)
    _base.save(locked, "status", "closed_at", "next_due_at")
    CaseLink.objects.create(case=locked, other=target, kind=CaseLink.Kind.MERGED_INTO, created_by=by)
    events.record(
        locked, events.Kind.MERGED, by=by, at=at, note=note, data={"reference": target.reference, "role": "duplicate"}
    )
    events.record(
        target, events.Kind.MERGED, by=by, at=at, note=note, data={"reference": locked.reference, "role": "target"}
    )
    _base.save(target)
    _base.audit_log(by, "case.merge", locked, {"status": [source, Status.MERGED], "into": target.reference})
    _base.audit_log(by, "case.merge_target", target, {"merged": locked.reference})
    return locked

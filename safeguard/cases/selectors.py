"""Reading cases: the one choke point for access (rules in ``access``).

Every view, endpoint and command gets cases through ``case_for`` or a list that starts
from ``visible_cases``. A missing case and an invisible one get the same ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.cases.access import VIEW_PERM, Actor, department_scope, sees_every_department
from safeguard.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseMilestone, Message, Redress
from safeguard.core.errors import NotFound

# What a case page or a queue row shows besides the case itself.
RELATED = ("customer", "department", "assignee", "product", "category", "policy")


def visible_cases(user: Actor) -> QuerySet[Case]:
    """Cases ``user`` may see: none without ``cases.view_case``; all with
    ``accounts.view_all_departments``; otherwise those of their departments (and the departments
    below them) and those assigned to them."""
    if not isinstance(user, User) or not user.is_active or not user.has_perm(VIEW_PERM):
        return Case.objects.none()
    if sees_every_department(user):
        return Case.objects.all()
    return Case.objects.filter(Q(department_id__in=department_scope(user)) | Q(assignee_id=user.pk))


def case_for(user: Actor, reference: str) -> Case:
    """The case with this reference if ``user`` may see it; ``NotFound`` otherwise."""
    try:
        return visible_cases(user).select_related(*RELATED).get(reference=reference.strip().upper())
    except Case.DoesNotExist:
        raise NotFound(_("No case with this reference."), reference=reference) from None


def case_list(
    user: Actor,
    *,
    status: str | Iterable[str] | None = None,
    type: str | None = None,
    due_before: datetime | None = None,
    breached: bool | None = None,
    assignee: User | int | None = None,
) -> QuerySet[Case]:
    """A queue: visible cases, nearest deadline first (no deadline last), then by reference."""
    cases = visible_cases(user)
    if status is not None:
        cases = cases.filter(status__in=[status] if isinstance(status, str) else list(status))
    if type is not None:
        cases = cases.filter(type=type)
    if due_before is not None:
        cases = cases.filter(next_due_at__lt=due_before)
    if breached is not None:
        cases = cases.filter(is_breached=breached)
    if assignee is not None:
        cases = cases.filter(assignee_id=assignee.pk if isinstance(assignee, User) else assignee)
    return cases.select_related(*RELATED).order_by(F("next_due_at").asc(nulls_last=True), "reference")


def timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's events, oldest first (the case page and the audit view)."""
    return CaseEvent.objects.filter(case=case).select_related("actor", "message").order_by("at", "id")


def messages(case: Case) -> QuerySet[Message]:
    return Message.objects.filter(case=case).select_related("author").order_by("created_at", "id")


def milestones(case: Case) -> QuerySet[CaseMilestone]:
    return CaseMilestone.objects.filter(case=case).order_by("due_at", "id")


def redress_awaiting_approval(user: Actor) -> QuerySet[Redress]:
    """The approval queue: pending redress on cases ``user`` may see, oldest first."""
    return (
        Redress.objects.filter(state=Redress.State.PENDING_APPROVAL, case__in=visible_cases(user))
        .select_related("case", "recorded_by")
        .order_by("recorded_at", "id")
    )


@dataclass(frozen=True)
class Workload:
    """What a handler's home page counts: open cases, theirs and their whole scope."""

    mine_open: int
    visible_open: int
    due_soon: int
    breached: int


def workload(user: Actor, *, now: datetime, due_soon_hours: int) -> Workload:
    """One aggregate query over the user's visible open cases."""
    open_cases = visible_cases(user).filter(status__in=OPEN_STATUSES)
    user_id = user.pk if isinstance(user, User) else None
    counts = open_cases.aggregate(
        mine_open=Count("pk", filter=Q(assignee_id=user_id)),
        visible_open=Count("pk"),
        due_soon=Count(
            "pk",
            # The window of rules.is_due_soon and the scan: after now, up to and including now + hours.
            filter=Q(is_breached=False, next_due_at__gt=now, next_due_at__lte=now + timedelta(hours=due_soon_hours)),
        ),
        breached=Count("pk", filter=Q(is_breached=True)),
    )
    return Workload(**counts)

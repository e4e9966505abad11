"""Reading cases: the one choke point for access (rules in ``access``).

Every view, endpoint and command gets cases through ``case_for`` or a list that starts
from ``visible_cases``. A missing case and an invisible one get the same ``NotFound``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Permission
from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.cases.access import VIEW_PERM, Actor, department_scope, sees_every_department
from safeguard.cases.models import (
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    CaseMilestone,
    ClockPause,
    Message,
    Redress,
    Resolution,
    ResponseTemplate,
)
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


def redress_of(case: Case) -> QuerySet[Redress]:
    """The case's redress, oldest first, with who recorded and decided it (the case page)."""
    return Redress.objects.filter(case=case).select_related("recorded_by", "decided_by").order_by("recorded_at", "id")


def resolution_of(case: Case) -> Resolution | None:
    """The case's decision with its root cause, or None before it is resolved."""
    return Resolution.objects.filter(case=case).select_related("root_cause", "decided_by").first()


def running_pause(case: Case) -> ClockPause | None:
    """The pause that stops the case's clock now, or None."""
    return ClockPause.objects.filter(case=case, ended_at__isnull=True).order_by("-started_at").first()


def earlier_cases(user: Actor, case: Case, *, limit: int = 10) -> list[Case]:
    """Other cases of the same customer that ``user`` may see, newest first (the customer panel)."""
    return list(
        visible_cases(user)
        .filter(customer_id=case.customer_id)
        .exclude(pk=case.pk)
        .order_by("-received_at", "-id")[:limit]
    )


def response_templates(case: Case) -> list[ResponseTemplate]:
    """Active response templates that fit the case (its type and product, or any), those in the
    customer's preferred language first, then by title."""
    rows = (
        ResponseTemplate.objects.filter(is_active=True)
        .filter(Q(case_type="") | Q(case_type=case.type))
        .filter(Q(product__isnull=True) | Q(product_id=case.product_id))
        .order_by("title", "code", "language")
    )
    preferred = case.customer.preferred_language
    return sorted(rows, key=lambda template: template.language != preferred)


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


# --- the customer portal: what a verified customer sees of their own case -------------------
# The tracking views decide *which* case (the one the customer proved with a one-time code);
# these decide what of it is public: never internal notes, events or other customers' data.

# Files the customer sent themselves: through the portal, by e-mail or from the app.
CUSTOMER_SOURCES = (Attachment.Source.CUSTOMER, Attachment.Source.EMAIL, Attachment.Source.API)


def portal_messages(case: Case) -> QuerySet[Message]:
    """The messages to and from the customer, oldest first (no notes, no events)."""
    return Message.objects.filter(case=case).select_related("author").order_by("created_at", "id")


def portal_attachments(case: Case) -> QuerySet[Attachment]:
    """The files the customer may download: those they sent and those attached to messages to them."""
    return (
        Attachment.objects.filter(case=case)
        .filter(Q(source__in=CUSTOMER_SOURCES) | Q(message__direction=Message.Direction.OUTBOUND))
        .order_by("created_at", "id")
    )


# --- the staff queue and the supervisor view ----------------------------------------------

# What a queue row shows besides the case itself.
QUEUE_RELATED = ("customer", "department", "assignee", "product")

# A whole reference typed into the search box (CMP-2026-000123): one look-up on the unique index.
_WHOLE_REFERENCE = re.compile(r"[A-Z]{3}-\d{4}-\d{1,10}", re.IGNORECASE)

QUEUE_ORDER: dict[str, tuple[Any, ...]] = {
    # Nearest deadline first; cases without one (every closed case) last: index case_due_ref_idx.
    "due": (F("next_due_at").asc(nulls_last=True), "reference"),
    "newest": ("-received_at", "-id"),
    "oldest": ("received_at", "id"),
}


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; every field narrows it. The defaults give the open cases by deadline."""

    statuses: tuple[str, ...] = OPEN_STATUSES
    type: str = ""
    channel: str = ""
    product_id: int | None = None
    department_id: int | None = None
    breached: bool | None = None
    due_before: datetime | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    vulnerable: bool = False
    q: str = ""
    sort: str = "due"


def due_soon_q(now: datetime, hours: int) -> Q:
    """Not breached and due after ``now``, up to and including ``now + hours`` (``rules.is_due_soon``)."""
    return Q(is_breached=False, next_due_at__gt=now, next_due_at__lte=now + timedelta(hours=hours))


def queue_for(user: Actor, filters: QueueFilter) -> QuerySet[Case]:
    """The staff queue: ``user``'s visible cases narrowed by ``filters``, in the chosen order.

    A whole reference in ``q`` finds that case whatever the other filters say (whoever types one
    wants that case). Other text matches the reference, subject or description: ``icontains``,
    which the trigram indexes of migration 0005 serve on PostgreSQL.
    """
    cases = visible_cases(user).select_related(*QUEUE_RELATED)
    q = filters.q.strip()
    if _WHOLE_REFERENCE.fullmatch(q):
        return cases.filter(reference=q.upper())
    if filters.statuses:
        cases = cases.filter(status__in=list(filters.statuses))
    if filters.type:
        cases = cases.filter(type=filters.type)
    if filters.channel:
        cases = cases.filter(channel=filters.channel)
    if filters.product_id is not None:
        cases = cases.filter(product_id=filters.product_id)
    if filters.department_id is not None:
        cases = cases.filter(department_id=filters.department_id)
    if filters.breached is not None:
        cases = cases.filter(is_breached=filters.breached)
    if filters.due_before is not None:
        cases = cases.filter(next_due_at__lt=filters.due_before)
    if filters.unassigned:
        cases = cases.filter(assignee__isnull=True)
    elif filters.assignee_id is not None:
        cases = cases.filter(assignee_id=filters.assignee_id)
    if filters.vulnerable:
        # A JSON list of flags: "any" is "not the empty list", which reads the same on both databases.
        cases = cases.exclude(customer__vulnerabilities=[])
    if q:
        cases = cases.filter(Q(reference__icontains=q) | Q(subject__icontains=q) | Q(description__icontains=q))
    if filters.sort == "due" and filters.statuses and not set(filters.statuses) & set(OPEN_STATUSES):
        # Only cases that are not open: none has a deadline (services clear next_due_at), so the
        # deadline order is the reference order, which the reference's unique index serves.
        return cases.order_by("reference")
    return cases.order_by(*QUEUE_ORDER.get(filters.sort, QUEUE_ORDER["due"]))


@dataclass(frozen=True)
class QueuePage:
    cases: list[Case]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.cases else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.size + len(self.cases)


def queue_page(cases: QuerySet[Case], *, number: int, size: int) -> QueuePage:
    """One page by offset with no ``COUNT(*)`` over the queue: ``size + 1`` rows tell whether
    another page follows.

    Two queries: the page's ids in order, then those rows with their related ones, so sorting and
    filtering never carry the joined columns of rows that are not shown.
    """
    start = (number - 1) * size
    ids = list(cases.values_list("pk", flat=True)[start : start + size + 1])
    shown = ids[:size]
    loaded = Case.objects.select_related(*QUEUE_RELATED).in_bulk(shown) if shown else {}
    return QueuePage(cases=[loaded[pk] for pk in shown], number=number, size=size, has_next=len(ids) > size)


def count_capped(cases: QuerySet[Case], cap: int, *, timeout_ms: int | None = None) -> int | None:
    """How many rows ``cases`` has, counting no further than ``cap + 1`` (shown as "1,000+").

    With ``timeout_ms`` on PostgreSQL the count gives up after that long and returns None: a
    filter that matches few of a million rows costs a full evaluation to count.
    """
    rows = cases.order_by().values("pk")[: cap + 1]
    if timeout_ms is None or connection.vendor != "postgresql":
        return rows.count()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(timeout_ms)])
            counted = rows.count()
            cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
            return counted
    except OperationalError:  # QueryCanceled: the savepoint is rolled back, and the setting with it
        return None


@dataclass(frozen=True)
class HandlerLoad:
    """One handler's open visible cases; ``assignee_id`` None is the row of unassigned cases."""

    assignee_id: int | None
    username: str
    name: str
    is_active: bool
    open: int
    due_soon: int
    breached: int


def handler_load(user: Actor, *, now: datetime, due_soon_hours: int) -> list[HandlerLoad]:
    """Open, due-soon and breached counts per assignee over ``user``'s visible open cases (one
    aggregate query): the unassigned row first, then the busiest handler first."""
    rows = (
        visible_cases(user)
        .filter(status__in=OPEN_STATUSES)
        .values(
            "assignee_id", "assignee__username", "assignee__first_name", "assignee__last_name", "assignee__is_active"
        )
        .annotate(
            open=Count("pk"),
            due_soon=Count("pk", filter=due_soon_q(now, due_soon_hours)),
            breached=Count("pk", filter=Q(is_breached=True)),
        )
        .order_by()
    )
    loads = [
        HandlerLoad(
            assignee_id=row["assignee_id"],
            username=row["assignee__username"] or "",
            name=f"{row['assignee__first_name'] or ''} {row['assignee__last_name'] or ''}".strip(),
            is_active=bool(row["assignee__is_active"]) or row["assignee_id"] is None,
            open=row["open"],
            due_soon=row["due_soon"],
            breached=row["breached"],
        )
        for row in rows
    ]
    return sorted(loads, key=lambda load: (load.assignee_id is not None, -load.open, load.username))


@dataclass
class DepartmentDeadlines:
    """A department's open breached and due-soon cases (at most a few of each) and their totals."""

    department: Department | None
    breached: list[Case] = field(default_factory=list)
    breached_total: int = 0
    due_soon: list[Case] = field(default_factory=list)
    due_soon_total: int = 0


def deadlines_by_department(
    user: Actor, *, now: datetime, due_soon_hours: int, per_department: int
) -> list[DepartmentDeadlines]:
    """``user``'s visible open cases that breached or fall due soon, per department (by name; no
    department last), nearest deadline first, at most ``per_department`` of each kind with the
    totals. Two queries: the ids numbered by a window over (department, breached), then those rows
    with their related ones."""
    group = [F("department_id"), F("is_breached")]
    ranked = list(
        visible_cases(user)
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(is_breached=True) | due_soon_q(now, due_soon_hours))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=group, order_by=[F("next_due_at").asc(nulls_last=True), F("reference").asc()]
            ),
            group_total=Window(Count("pk"), partition_by=group),
        )
        .filter(rank__lte=per_department)
        .values_list("pk", "group_total")
    )
    totals = dict(ranked)
    loaded = Case.objects.select_related(*QUEUE_RELATED).in_bulk(list(totals)) if totals else {}
    nearest = sorted(loaded.values(), key=lambda c: (c.next_due_at is None, c.next_due_at or now, c.reference))
    groups: dict[int | None, DepartmentDeadlines] = {}
    for case in nearest:
        entry = groups.setdefault(case.department_id, DepartmentDeadlines(department=case.department))
        if case.is_breached:
            entry.breached.append(case)
            entry.breached_total = totals[case.pk]
        else:
            entry.due_soon.append(case)
            entry.due_soon_total = totals[case.pk]
    return sorted(groups.values(), key=lambda g: (g.department is None, g.department.name if g.department else ""))


def assignable_staff() -> QuerySet[User]:
    """Active staff who may be given cases: they hold ``cases.work_case`` through a role or directly."""
    work = Permission.objects.filter(content_type__app_label="cases", codename="work_case")
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(pk__in=User.objects.filter(groups__permissions__in=work).values("pk"))
            | Q(pk__in=User.objects.filter(user_permissions__in=work).values("pk"))
        )
        .order_by("username")
    )


def redress_for(user: Actor, pk: int) -> Redress:
    """One redress on a case ``user`` may see (any state); ``NotFound`` otherwise."""
    try:
        return Redress.objects.select_related("case").get(pk=pk, case__in=visible_cases(user))
    except Redress.DoesNotExist:
        raise NotFound(_("No such redress.")) from None

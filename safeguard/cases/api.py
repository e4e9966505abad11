"""Case endpoints under /api/v1: parse, call a selector or a service, shape the answer.

Access comes from ``selectors`` (a case the caller may not see is 404, like a missing one);
permissions and every rule from ``services``; errors become problem documents in ``api.main``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router

from safeguard.accounts.models import Department, User
from safeguard.api import idempotency
from safeguard.api.problems import Problem
from safeguard.cases import selectors, services
from safeguard.cases.access import ensure_can
from safeguard.cases.errors import UnknownCustomer, UnknownDepartment
from safeguard.cases.models import Case, CaseMilestone
from safeguard.cases.schemas import (
    CaseFilters,
    CaseIn,
    CaseOut,
    CasePageOut,
    CaseSummaryOut,
    CustomerIn,
    MessageIn,
    MessageOut,
    TransitionIn,
)
from safeguard.core.errors import InvalidInput
from safeguard.customers.models import Customer
from safeguard.customers.selectors import customer_by_no, find_customer
from safeguard.customers.services import create_customer

router = Router(tags=["cases"])

ERRORS: dict[int, Any] = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
ADD_PERM = "cases.add_case"
_MILESTONES = Prefetch("milestones", queryset=CaseMilestone.objects.order_by("due_at", "id"))


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]  # set by TokenAuth
    assert isinstance(user, User)
    return user


def _fresh(case: Case) -> Case:
    """The case as written, with what the answer shows (the creator may not see it via a queue)."""
    return Case.objects.select_related(*selectors.RELATED).prefetch_related(_MILESTONES).get(pk=case.pk)


def _customer_for(user: User, data: CustomerIn) -> Customer:
    """The customer a case is about: by number, else matched on phone / national ID / e-mail, else new."""
    details, profile = data.details(), data.profile()
    if data.customer_no:
        existing = customer_by_no(data.customer_no)
        if existing is not None:
            return existing
        if not details:
            raise UnknownCustomer(
                _("There is no customer %(number)s. Send their details to record them.") % {"number": data.customer_no},
                field="customer.customer_no",
            )
    elif not details:
        raise InvalidInput(_("Give the customer's number or their details."), field="customer")
    match = find_customer(phone=data.phone or None, national_id=data.national_id or None, email=data.email or None)
    if match is not None:
        return match
    if not data.customer_no:
        raise UnknownCustomer(
            _("No customer matches these details; give a customer number to record a new customer."),
            field="customer.customer_no",
        )
    return create_customer(by=user, customer_no=data.customer_no, **details, **profile)


def _department(user: User, code: str | None) -> Department | None:
    if code is not None:
        found = Department.objects.filter(code=code, is_active=True).first()
        if found is None:
            raise UnknownDepartment(_("There is no active department “%(code)s”.") % {"code": code}, field="department")
        return found
    # Unstated: the caller's own department when there is exactly one, so they can see the case.
    mine = list(user.departments.filter(is_active=True)[:2])
    return mine[0] if len(mine) == 1 else None


def _open(user: User, body: CaseIn) -> tuple[int, dict[str, Any]]:
    ensure_can(user, ADD_PERM)  # before any customer is matched or recorded
    case = services.open_case(
        by=user,
        customer=_customer_for(user, body.customer),
        type=body.type.value,
        channel=body.channel.value,
        description=body.description,
        received_at=body.received_at,
        subject=body.subject,
        product=body.product,
        category=body.category,
        severity=body.severity.value,
        complainant_role=body.complainant_role.value,
        policy=body.policy,
        department=_department(user, body.department),
        external_reference=body.external_reference,
    )
    return 201, CaseOut.of(_fresh(case)).model_dump(mode="json")


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="Open a case")
def create_case(
    request: HttpRequest,
    body: CaseIn,
    idempotency_key: str | None = Header(None, alias=idempotency.HEADER),
) -> HttpResponse:
    """Record a complaint, feedback, inquiry or compliment. Send an `Idempotency-Key` so a retry
    cannot open it twice."""
    user = _user(request)
    return idempotency.respond(
        request,
        user=user,
        endpoint="cases.create",
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        action=lambda: _open(user, body),
    )


@router.get("/cases", response={200: CasePageOut, **ERRORS}, summary="List cases, nearest deadline first")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> CasePageOut:
    user = _user(request)
    page = CasePageOut(count=0, limit=filters.limit, offset=filters.offset, items=[])
    assignee: User | None = None
    if filters.assignee is not None:
        assignee = User.objects.filter(username=filters.assignee).first()
        if assignee is None:
            return page
    cases = selectors.case_list(
        user,
        status=[s.value for s in filters.status] if filters.status else None,
        type=filters.type.value if filters.type else None,
        due_before=filters.due_before,
        breached=filters.breached,
        assignee=assignee,
    )
    page.count = cases.count()
    if page.count > filters.offset:
        rows = cases.prefetch_related(_MILESTONES)[filters.offset : filters.offset + filters.limit]
        page.items = [CaseSummaryOut.of(case) for case in rows]
    return page


@router.get("/cases/{reference}", response={200: CaseOut, **ERRORS}, summary="One case")
def get_case(request: HttpRequest, reference: str) -> CaseOut:
    return CaseOut.of(selectors.case_for(_user(request), reference))


@router.post("/cases/{reference}/transitions", response={200: CaseOut, **ERRORS}, summary="Change a case's status")
def transition_case(request: HttpRequest, reference: str, body: TransitionIn) -> CaseOut:
    """Moves allowed by the lifecycle only (409 `illegal_transition`); `version` must be the current
    one (409 `stale_case`). Resolving needs a decision and is not done here (422 `resolution_required`)."""
    user = _user(request)
    case = selectors.case_for(user, reference)
    services.transition(case=case, to=body.to.value, by=user, version=body.version, note=body.note)
    return CaseOut.of(_fresh(case))


@router.post("/cases/{reference}/messages", response={201: MessageOut, **ERRORS}, summary="Record a message")
def add_message(
    request: HttpRequest,
    reference: str,
    body: MessageIn,
    idempotency_key: str | None = Header(None, alias=idempotency.HEADER),
) -> HttpResponse:
    """A message from the customer (`in`) or to them (`out`); honours `Idempotency-Key` like case creation."""
    user = _user(request)
    case = selectors.case_for(user, reference)

    def action() -> tuple[int, dict[str, Any]]:
        message = services.add_message(
            case=case,
            by=user,
            direction=body.direction.value,
            body=body.body,
            subject=body.subject,
            channel=body.channel.value if body.channel else None,
        )
        return 201, MessageOut.of(message).model_dump(mode="json")

    return idempotency.respond(
        request,
        user=user,
        endpoint=f"cases.message:{case.reference}",
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        action=action,
    )

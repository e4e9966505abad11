"""Helpers for the KPI engine tests (``test_kpi_*.py``, ``test_targets*.py``, ``test_api_kpis*.py``).

Every test runs at ``NOW`` (Monday 15 June 2026, 10:00 Shanghai) and mostly looks at May 2026,
which is over. Cases are opened through ``cases.services.open_case`` (so they get the milestones
their policy gives them); a test then sets the times the arithmetic needs on the rows directly
(``shape``), which is test setup, not a way the product changes cases: the services' own paths are
tested in ``cases``, and the boundary and pause tests here go through the services.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission

from safeguard.accounts.models import Department, User
from safeguard.cases import services
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, Redress, Resolution, RootCause
from safeguard.customers.models import Customer
from safeguard.quality.kpis import Figure, Period
from safeguard.surveys.models import SurveyInvitation, SurveyResponse

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
MAY = Period(date(2026, 5, 1), date(2026, 5, 31))
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
EMPTY = Period(date(2025, 7, 1), date(2025, 7, 31))


def may(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=SHANGHAI)


def d(value: str | int) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def grant(user: User, *codenames: str) -> User:
    """``user`` with extra permissions (``app.codename``), re-read so no permission cache is stale."""
    for name in codenames:
        app, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return User.objects.get(pk=user.pk)


def open_(
    customer: Customer,
    received: datetime,
    *,
    department: Department | None = None,
    type: str = "complaint",
    channel: str = "phone",
    product: str | None = "credit-card",
    policy: str | None = None,
    assignee: User | None = None,
) -> Case:
    return services.open_case(
        by=None,
        customer=customer,
        type=type,
        channel=channel,
        description="信用卡年费被重复扣收，请退还。",
        received_at=received,
        department=department,
        product=product,
        policy=policy,
        assignee=assignee,
    )


def shape(case: Case, **fields: Any) -> Case:
    """Set case fields for a test's setup (bypasses the services on purpose)."""
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def milestone(case: Case, name: str, **fields: Any) -> CaseMilestone:
    """The case's ``name`` milestone with ``fields`` set (created when the policy has none)."""
    row = CaseMilestone.objects.filter(case=case, milestone=name).first()
    if row is None:
        row = CaseMilestone.objects.create(case=case, milestone=name, due_at=fields.pop("due_at"))
    for key, value in fields.items():
        setattr(row, key, value)
    row.save()
    return row


def resolve(case: Case, at: datetime, *, outcome: str | None = None, by: User | None = None) -> Case:
    """Resolved at ``at``: status, ``resolved_at``, the milestones met then, and a decision."""
    CaseMilestone.objects.filter(case=case, met_at__isnull=True).update(met_at=at)
    shape(case, status="resolved", resolved_at=at, next_due_at=None)
    if outcome is not None:
        assert by is not None
        Resolution.objects.update_or_create(
            case=case,
            defaults={
                "outcome": outcome,
                "root_cause": RootCause.objects.get(code="other"),
                "decision_basis": "合同条款",
                "reasons": "经核实",
                "remedies": "可申请调解",
                "decided_by": by,
                "decided_at": at,
            },
        )
    return case


def reopened(case: Case, at: datetime) -> None:
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.TRANSITION, at=at, actor_label="system", data={"action": "reopen"}
    )


def redress(case: Case, amount: str, *, by: User, state: str = "approved", currency: str = "CNY") -> Redress:
    return Redress.objects.create(
        case=case,
        kind=Redress.Kind.REFUND,
        amount=Decimal(amount),
        currency=currency,
        state=state,
        recorded_by=by,
        recorded_at=case.resolved_at or NOW,
        decided_at=case.resolved_at if state == "approved" else None,
    )


def survey(
    case: Case | None,
    customer: Customer,
    *,
    answered: datetime | None,
    sent: datetime | None = None,
    csat: int | None = None,
    nps: int | None = None,
    effort: int | None = None,
) -> SurveyInvitation:
    """An invitation sent at ``sent`` (default: a day before the answer), answered at ``answered``
    (None: not answered) with the given scores; the response copies the case's grouping columns."""
    sent = sent or (answered - timedelta(days=1) if answered else may(1))
    invitation = SurveyInvitation.objects.create(
        customer=customer,
        case=case,
        purpose="case" if case else "relationship",
        kinds=["csat", "nps", "effort"],
        nonce=f"n{SurveyInvitation.objects.count()}",
        language="zh-hans",
        channel="sms",
        status="answered" if answered else "sent",
        created_at=sent,
        sent_at=sent,
        expires_at=sent + timedelta(days=30),
        answered_at=answered,
    )
    if answered is not None:
        SurveyResponse.objects.create(
            invitation=invitation,
            customer=customer,
            case=case,
            purpose=invitation.purpose,
            answered_at=answered,
            csat=csat,
            nps=nps,
            effort=effort,
            product_id=case.product_id if case else None,
            department_id=case.department_id if case else None,
            handler_id=case.assignee_id if case else None,
            channel=case.channel if case else "",
        )
    return invitation


def total(figures: list[Figure]) -> Figure:
    assert len(figures) == 1 and figures[0].group is None, figures
    return figures[0]


def by_group(figures: list[Figure]) -> dict[str | None, tuple[Decimal | None, Decimal | None, Decimal | None]]:
    return {f.group: (f.value, f.numerator, f.denominator) for f in figures}

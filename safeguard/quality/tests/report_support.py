"""Helpers for the report tests (``test_report*.py``, ``test_regulatory*.py``, ``test_transparency*.py``).

Every test runs at ``NOW`` (Thursday 15 October 2026, 10:00 Shanghai), so September 2026 and
Q3 2026 have ended. Complaints are opened through ``cases.services.open_case`` (they get their
policy's milestones); ``complaint`` then sets the times and the decision a test needs on the rows
directly, which is test setup (the services' own paths are tested in ``cases``).
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from pypdf import PdfReader

from safeguard.accounts.models import Department, User
from safeguard.cases import services
from safeguard.cases.models import Case, Product, Redress, Resolution, RootCause
from safeguard.customers.models import Customer
from safeguard.quality.models import Alert, Kpi, Target
from safeguard.quality.tests import kpi_support
from safeguard.surveys.models import SurveyInvitation

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)


def sep(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=SHANGHAI)


def complaint(
    customer: Customer,
    received: datetime,
    *,
    type: str = "complaint",
    channel: str = "phone",
    product: str | None = "credit-card",
    category: str | None = None,
    resolved: datetime | None = None,
    outcome: str | None = None,
    root_cause: str = "other",
    decided_by: User | None = None,
    **fields: Any,
) -> Case:
    case = services.open_case(
        by=None,
        customer=customer,
        type=type,
        channel=channel,
        description="信用卡年费被重复扣收，请退还。",
        received_at=received,
        product=product,
        category=category,
    )
    if resolved is not None:
        fields.update(status="resolved", resolved_at=resolved, next_due_at=None)
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
        case.refresh_from_db()
    if outcome is not None:
        assert decided_by is not None
        Resolution.objects.create(
            case=case,
            outcome=outcome,
            root_cause=RootCause.objects.get(code=root_cause),
            decision_basis="合同条款",
            reasons="经核实",
            remedies="可申请调解",
            decided_by=decided_by,
            decided_at=resolved or received,
        )
    return case


def pay(
    case: Case, amount: str, *, by: User, currency: str = "CNY", state: str = "approved", kind: str = "refund"
) -> Redress:
    at = case.resolved_at or case.received_at
    return Redress.objects.create(
        case=case,
        kind=kind,
        amount=Decimal(amount),
        currency=currency,
        state=state,
        recorded_by=by,
        recorded_at=at,
        decided_at=at if state != "pending_approval" else None,
    )


def answer(
    case: Case | None,
    customer: Customer,
    *,
    answered: datetime | None,
    sent: datetime,
    csat: int | None = None,
    nps: int | None = None,
    effort: int | None = None,
) -> SurveyInvitation:
    """A survey invitation sent at ``sent`` and, unless ``answered`` is None, its response."""
    return kpi_support.survey(case, customer, answered=answered, sent=sent, csat=csat, nps=nps, effort=effort)


def alert(detected: date, *, label: str = "Credit cards", ratio: str = "3.5", **fields: Any) -> Alert:
    return Alert.objects.create(
        kind=fields.pop("kind", Alert.Kind.SPIKE),
        dimension=fields.pop("dimension", Alert.Dimension.PRODUCT),
        series_key=fields.pop("series_key", "credit-card"),
        series_label=label,
        method="ewma",
        detected_on=detected,
        window_start=detected - timedelta(days=7),
        window_end=detected,
        observed=Decimal("14"),
        expected=Decimal("4"),
        ratio=Decimal(ratio),
        statistic=Decimal("5.1"),
        created_at=datetime.combine(detected, datetime.min.time(), tzinfo=SHANGHAI),
        **fields,
    )


def target(kpi: str, threshold: str, owner: Department, *, frequency: str = "monthly", **fields: Any) -> Target:
    return Target.objects.create(
        kpi=Kpi.objects.get(code=kpi),
        name=fields.pop("name", f"{kpi} {threshold}"),
        threshold=Decimal(threshold),
        frequency=frequency,
        owner=owner,
        **fields,
    )


def product(code: str, name: str, name_zh: str = "") -> Product:
    return Product.objects.create(code=code, name=name, name_zh=name_zh)


def pdf_text(content: bytes) -> str:
    """The text of every page, with all whitespace removed: table cells wrap lines anywhere (and
    Chinese has no spaces), so tests look for needles with their whitespace removed (``has``)."""
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def has(text: str, needle: str) -> bool:
    return "".join(needle.split()) in text


def sheets(content: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet's rows as lists of values."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def row_of(rows: list[list[Any]], first: Any, column: int = 0) -> list[Any]:
    """The row whose ``column`` cell is ``first`` (stripped of the indent)."""
    for row in rows:
        if row and isinstance(row[column], str) and row[column].strip("\u2003 ") == first:
            return row
        if row and row[column] == first:
            return row
    raise AssertionError(f"no row starting with {first!r}")

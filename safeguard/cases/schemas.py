"""API schemas for cases: what comes in (validated before any service runs) and what goes out.

Outgoing customers are masked: the API never returns decrypted personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field

from safeguard.cases.models import (
    Case,
    CaseMilestone,
    CaseType,
    Channel,
    ComplainantRole,
    Message,
    Severity,
    Status,
)
from safeguard.customers.models import ContactChannel, Customer, Segment

# A complaint's text may be long (a letter pasted in), but not unbounded.
MAX_DESCRIPTION = 20_000
MAX_MESSAGE = 20_000
MAX_NOTE = 4_000
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


class _In(Schema):
    # An unknown field is a mistake worth hearing about (a typo would otherwise be ignored).
    model_config = ConfigDict(extra="forbid")


class CustomerIn(_In):
    """Either just ``customer_no`` of an existing customer, or details to match or create one."""

    customer_no: str | None = Field(None, min_length=1, max_length=40)
    name: str = Field("", max_length=200)
    national_id: str = Field("", max_length=40)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=500)
    preferred_language: Literal["en", "zh-hans"] | None = None
    preferred_channel: ContactChannel | None = None
    segment: Segment | None = None

    def details(self) -> dict[str, str]:
        """The personal data given, blanks left out."""
        fields = ("name", "national_id", "phone", "email", "address")
        return {f: getattr(self, f) for f in fields if getattr(self, f).strip()}

    def profile(self) -> dict[str, str]:
        fields = ("preferred_language", "preferred_channel", "segment")
        return {f: str(getattr(self, f)) for f in fields if getattr(self, f) is not None}


class CaseIn(_In):
    type: CaseType
    channel: Channel
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    subject: str = Field("", max_length=200)
    # When the institution received it (a phone log may be back-dated); with a time zone.
    received_at: AwareDatetime | None = None
    product: str | None = Field(None, max_length=40, description="Product code")
    category: str | None = Field(None, max_length=60, description="Category code")
    severity: Severity = Severity.MEDIUM
    complainant_role: ComplainantRole = ComplainantRole.SELF
    policy: str | None = Field(None, max_length=40, description="Deadline policy code; the default policy if absent")
    department: str | None = Field(
        None, max_length=40, description="Department code; the caller's department if they belong to exactly one"
    )
    external_reference: str = Field("", max_length=120)
    customer: CustomerIn


class TransitionIn(_In):
    to: Status
    version: int = Field(ge=1, description="The case version the client saw; a newer one is 409 stale_case")
    note: str = Field("", max_length=MAX_NOTE)


class MessageIn(_In):
    direction: Message.Direction
    body: str = Field(min_length=1, max_length=MAX_MESSAGE)
    subject: str = Field("", max_length=200)
    channel: Channel | None = None


class CaseFilters(Schema):
    status: list[Status] | None = None
    type: CaseType | None = None
    due_before: AwareDatetime | None = None
    breached: bool | None = None
    assignee: str | None = Field(None, max_length=150, description="Username")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0)


class CustomerOut(Schema):
    customer_no: str
    name: str
    phone: str
    email: str

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(
            customer_no=customer.customer_no,
            name=customer.name_masked,
            phone=customer.phone_masked,
            email=customer.email_masked,
        )


class MilestoneOut(Schema):
    milestone: str
    due_at: datetime
    met_at: datetime | None
    breached_at: datetime | None

    @classmethod
    def of(cls, row: CaseMilestone) -> MilestoneOut:
        return cls(milestone=row.milestone, due_at=row.due_at, met_at=row.met_at, breached_at=row.breached_at)


class CaseSummaryOut(Schema):
    reference: str
    type: CaseType
    channel: Channel
    status: Status
    severity: Severity
    subject: str
    received_at: datetime
    next_due_at: datetime | None
    is_breached: bool
    version: int
    department: str | None
    assignee: str | None
    customer: CustomerOut
    milestones: list[MilestoneOut]

    @classmethod
    def fields_of(cls, case: Case) -> dict[str, object]:
        # ``case.milestones.all()`` uses the prefetch the selectors and the API set up.
        return {
            "reference": case.reference,
            "type": case.type,
            "channel": case.channel,
            "status": case.status,
            "severity": case.severity,
            "subject": case.subject,
            "received_at": case.received_at,
            "next_due_at": case.next_due_at,
            "is_breached": case.is_breached,
            "version": case.version,
            "department": case.department.code if case.department else None,
            "assignee": case.assignee.get_username() if case.assignee else None,
            "customer": CustomerOut.of(case.customer),
            "milestones": [MilestoneOut.of(m) for m in case.milestones.all()],
        }

    @classmethod
    def of(cls, case: Case) -> CaseSummaryOut:
        return cls(**cls.fields_of(case))  # type: ignore[arg-type]


class CaseOut(CaseSummaryOut):
    description: str
    complainant_role: ComplainantRole
    product: str | None
    category: str | None
    policy: str
    external_reference: str
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        return cls(
            **CaseSummaryOut.fields_of(case),  # type: ignore[arg-type]
            description=case.description,
            complainant_role=ComplainantRole(case.complainant_role),
            product=case.product.code if case.product else None,
            category=case.category.code if case.category else None,
            policy=case.policy.code,
            external_reference=case.external_reference,
            created_at=case.created_at,
            updated_at=case.updated_at,
            acknowledged_at=case.acknowledged_at,
            resolved_at=case.resolved_at,
            closed_at=case.closed_at,
        )


class CasePageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseSummaryOut]


class MessageOut(Schema):
    id: int
    direction: Message.Direction
    channel: Channel
    subject: str
    body: str
    author: str | None
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.pk,
            direction=Message.Direction(message.direction),
            channel=Channel(message.channel),
            subject=message.subject,
            body=message.body,
            author=message.author.get_username() if message.author else None,
            created_at=message.created_at,
        )

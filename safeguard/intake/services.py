"""The one way a contact becomes a case, whatever the channel: the portal form, a phone call or a
branch visit logged by staff (and, with the intake channels, e-mail, the API and imports).

``submit`` validates everything first (files included), then in one transaction finds or creates
the customer, opens the case, stores the files and flags a possible duplicate of one of the
customer's recent cases (``dedupe.py``; flagged, never merged); a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from safeguard.accounts.models import Department, User
from safeguard.cases import services as cases
from safeguard.cases.access import ensure_can
from safeguard.cases.models import Attachment, Case, Channel, ComplainantRole, Product
from safeguard.customers.models import Customer
from safeguard.customers.services import contact_customer
from safeguard.intake import dedupe

# Who stored the files, by channel.
_SOURCE = {Channel.PORTAL: Attachment.Source.CUSTOMER, Channel.EMAIL: Attachment.Source.EMAIL}


def intake_department() -> Department | None:
    """Where unrouted contacts go: ``SAFEGUARD_INTAKE_DEPARTMENT`` if it names a department."""
    code = settings.SAFEGUARD_INTAKE_DEPARTMENT
    return Department.objects.filter(code=code).first() if code else None


@transaction.atomic
def submit(
    *,
    by: User | None,
    channel: str,
    type: str,
    name: str,
    description: str,
    phone: str = "",
    email: str = "",
    product: Product | str | None = None,
    desired_outcome: str = "",
    subject: str = "",
    received_at: datetime | None = None,
    external_reference: str = "",
    external_source: str = "",
    external_due_at: datetime | None = None,
    customer: Customer | None = None,
    preferred_language: str | None = None,
    preferred_channel: str | None = None,
    complainant_role: str = ComplainantRole.SELF,
    department: Department | None = None,
    files: Sequence[UploadedFile] = (),
) -> Case:
    """Record a contact as a case. ``by`` is the staff user logging it, None for the customer or a
    system channel. ``customer`` skips the matching when the channel already knows who it is (an
    e-mail from a known address); otherwise ``contact_customer`` finds or creates the profile."""
    if by is not None:
        ensure_can(by, "cases.add_case")
    cases.check_uploads(files)
    profile: dict[str, object] = {}
    if preferred_language:
        profile["preferred_language"] = preferred_language
    if preferred_channel:
        profile["preferred_channel"] = preferred_channel
    if department is None:
        department = intake_department()
    known = True  # a customer the channel named, or a profile matched: may have earlier cases
    if customer is None:
        customer, known = contact_customer(by=by, name=name, phone=phone, email=email, **profile)
    case = cases.open_case(
        by=by,
        customer=customer,
        type=type,
        channel=channel,
        description=description,
        desired_outcome=desired_outcome,
        subject=subject,
        product=product,
        received_at=received_at,
        external_reference=external_reference,
        external_source=external_source,
        external_due_at=external_due_at,
        complainant_role=complainant_role,
        department=department,
    )
    source = _SOURCE.get(Channel(channel), Attachment.Source.STAFF if by is not None else Attachment.Source.API)
    if files:
        # All or none, and a failure part way deletes the files already stored.
        cases.add_attachments(case=case, by=by, files=files, source=source)
    # Flag (never merge) a repeat of one of the customer's recent cases; see dedupe.py.
    if known and dedupe.flag_possible_duplicates(case):
        case.refresh_from_db(fields=["version", "updated_at"])
    # The acknowledgement goes as soon as the case is committed; the letters outbox
    # (tasks.send_due_letters) is the safety net, and the Letter row makes it once only.
    transaction.on_commit(partial(_enqueue_acknowledgement, case.pk), robust=True)
    return case


def _enqueue_acknowledgement(case_id: int) -> None:
    from safeguard.intake.tasks import send_acknowledgement

    send_acknowledgement.enqueue(case_id)

"""The one way a contact becomes a case, whatever the channel: the portal form, a phone call or a
branch visit logged by staff (and, with the intake channels, e-mail, the API and imports).

``submit`` validates everything first (files included), then in one transaction finds or creates
the customer, opens the case and stores the files; a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from safeguard.accounts.models import Department, User
from safeguard.cases import services as cases
from safeguard.cases.access import ensure_can
from safeguard.cases.models import Attachment, Case, Channel, ComplainantRole, Product
from safeguard.customers.services import contact_customer

# Who stored the files, by channel.
_SOURCE = {Channel.PORTAL: Attachment.Source.CUSTOMER, Channel.EMAIL: Attachment.Source.EMAIL}


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
    preferred_language: str | None = None,
    preferred_channel: str | None = None,
    complainant_role: str = ComplainantRole.SELF,
    department: Department | None = None,
    files: Sequence[UploadedFile] = (),
) -> Case:
    """Record a contact as a case. ``by`` is the staff user logging it, None for the customer."""
    if by is not None:
        ensure_can(by, "cases.add_case")
    cases.check_uploads(files)
    profile: dict[str, object] = {}
    if preferred_language:
        profile["preferred_language"] = preferred_language
    if preferred_channel:
        profile["preferred_channel"] = preferred_channel
    customer, _matched = contact_customer(by=by, name=name, phone=phone, email=email, **profile)
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
        complainant_role=complainant_role,
        department=department,
    )
    source = _SOURCE.get(Channel(channel), Attachment.Source.STAFF if by is not None else Attachment.Source.API)
    if files:
        # All or none, and a failure part way deletes the files already stored.
        cases.add_attachments(case=case, by=by, files=files, source=source)
    return case

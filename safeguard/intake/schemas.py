"""Schemas for the intake endpoints: the batch of cases, attachments, webhook answers, and the
JSON body a webhook source posts (validated when the stored item is processed, not on receipt).
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field

from safeguard.cases.models import Attachment, CaseType
from safeguard.cases.schemas import MAX_DESCRIPTION, CaseOut

# One request opens at most this many cases (issue 4: "up to 500 cases per request").
MAX_BATCH = 500


class BatchIn(Schema):
    """``items`` are case bodies as for ``POST /cases``; each is validated on its own, so a bad
    one is reported in its result and does not refuse the others."""

    model_config = ConfigDict(extra="forbid")

    items: list[Any] = Field(description="Cases, each as the body of POST /api/v1/cases")


class BatchItemOut(Schema):
    index: int
    status: int
    case: dict[str, Any] | None = Field(None, description="The case as POST /api/v1/cases answers it (201)")
    problem: dict[str, Any] | None = Field(None, description="A problem document (4xx): why this item was refused")


class BatchOut(Schema):
    count: int
    created: int
    failed: int
    results: list[BatchItemOut]


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentOut:
        return cls(
            id=attachment.pk,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
        )


class AttachmentsOut(Schema):
    attachments: list[AttachmentOut]


class CaseWithFilesOut(Schema):
    case: CaseOut
    attachments: list[AttachmentOut]


class WebhookReceiptOut(Schema):
    """What a webhook sender hears: the stored item and, once processed, the case it made."""

    item: int
    status: str
    case: str | None = Field(None, description="The case reference, once the item is processed")
    error: str | None = Field(None, description="Why the item was rejected (its body was not valid)")
    replayed: bool = Field(description="True when this delivery was received before (nothing was done again)")


# --- the body a webhook source posts ---------------------------------------------------------


class WebhookCustomerIn(Schema):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)


class WebhookCaseIn(Schema):
    """A complaint from a social-media monitor or a regulator's referral feed.

    Unknown fields are ignored (feeds add fields over time; the raw body is kept anyway).
    ``external_reference`` (or, for a regulator, ``regulator_reference``) identifies the item at
    the source: a second delivery with the same one returns the case already opened.
    """

    model_config = ConfigDict(extra="ignore")

    external_reference: str = Field("", max_length=120)
    type: CaseType = CaseType.COMPLAINT
    customer: WebhookCustomerIn
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    subject: str = Field("", max_length=200)
    product: str | None = Field(None, max_length=40, description="Product code")
    # When the source received it (a post's time, the regulator's receipt); default: our receipt.
    received_at: AwareDatetime | None = None
    regulator_reference: str = Field("", max_length=120)
    regulator_deadline: AwareDatetime | None = None
    url: str = Field("", max_length=2000, description="Where the post or referral can be read")

    def reference(self) -> str:
        return self.external_reference.strip() or self.regulator_reference.strip()

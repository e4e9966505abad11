"""Signed webhooks: social-media monitors and regulators' referral feeds post complaints to
``/api/v1/webhooks/<source code>``.

The signature is the credential (no API token). A sender signs each request with its source's
own secret::

    X-Safeguard-Timestamp: <unix seconds>
    X-Safeguard-Signature: sha256=<hex HMAC-SHA256(secret, b"<timestamp>." + raw body)>
    X-Safeguard-Delivery:  <the sender's unique id for this delivery> (optional)

* A missing or wrong signature, or an unknown or inactive source, is ``invalid_signature`` (401):
  the same answer, so source codes cannot be probed. Signatures are compared in constant time.
* A timestamp further than the source's ``tolerance_seconds`` from our clock is
  ``stale_timestamp`` (401): a captured request cannot be replayed later.
* Inside that window a replay is recognised by its delivery id (or, without one, by its
  signature), stored as the item's ``external_id``: it is answered with the first delivery's
  result and never processed twice (``inbound.receive``).
* An accepted body is stored raw (``inbound.receive``) before anything parses it; processing
  (``process_item``) then opens the case, once per (source, external reference): the
  ``Case`` unique constraint is the guarantee.

Secrets are stored encrypted (``customers.crypto``, field ``webhook_secret``) and shown only
when created or rotated (``create_webhook_source``, ``rotate_webhook_secret``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pydantic
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.audit import services as audit
from safeguard.cases.models import Case, Channel
from safeguard.core.errors import DomainError, InvalidInput
from safeguard.customers import crypto
from safeguard.intake import inbound
from safeguard.intake.models import InboundItem, WebhookSource
from safeguard.intake.schemas import WebhookCaseIn
from safeguard.intake.services import submit

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Safeguard-Timestamp"
SIGNATURE_HEADER = "X-Safeguard-Signature"
DELIVERY_HEADER = "X-Safeguard-Delivery"
SIGNATURE_SCHEME = "sha256="
SECRET_FIELD = "webhook_secret"  # noqa: S105 - the encryption field name, not a secret
SECRET_PREFIX = "whsec_"  # noqa: S105 - marks a secret for secret scanners
SOURCE_PREFIX = "webhook:"
MAX_DELIVERY_ID = 200

_TIMESTAMP = re.compile(r"\d{1,12}")
# Verifying against this when the source is unknown keeps the answer's timing the same.
_NO_SECRET = "whsec_" + "0" * 43

CHANNEL_OF_KIND = {WebhookSource.Kind.SOCIAL: Channel.SOCIAL, WebhookSource.Kind.REGULATOR: Channel.REGULATOR}


class InvalidSignature(DomainError):
    code = "invalid_signature"
    status = 401


class StaleTimestamp(DomainError):
    code = "stale_timestamp"
    status = 401


class InvalidDeliveryId(InvalidInput):
    code = "invalid_delivery_id"


# --- secrets and sources -----------------------------------------------------------------------


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_of(source: WebhookSource) -> str:
    return crypto.decrypt(source.secret_enc, field=SECRET_FIELD)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Safeguard-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SIGNATURE_SCHEME + digest


@transaction.atomic
def create_source(
    *, code: str, name: str, kind: str, by: Any, tolerance_seconds: int = 300
) -> tuple[WebhookSource, str]:
    """A new source and its secret (the only time the secret is returned in clear)."""
    secret = generate_secret()
    source = WebhookSource(
        code=code,
        name=name,
        kind=kind,
        tolerance_seconds=tolerance_seconds,
        secret_enc=crypto.encrypt(secret, field=SECRET_FIELD),
    )
    try:
        source.full_clean()
    except DjangoValidationError as exc:
        raise InvalidInput(
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
        ) from exc
    source.save(force_insert=True)
    audit.log(
        by,
        "webhook_source.create",
        source,
        changes={"code": code, "kind": kind, "tolerance_seconds": tolerance_seconds},
    )
    return source, secret


@transaction.atomic
def rotate_secret(*, source: WebhookSource, by: Any) -> str:
    """Replace the source's secret; requests signed with the old one are refused from now on."""
    secret = generate_secret()
    WebhookSource.objects.filter(pk=source.pk).update(secret_enc=crypto.encrypt(secret, field=SECRET_FIELD))
    audit.log(by, "webhook_source.rotate_secret", source, changes={"code": source.code})
    return secret


# --- receiving -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """A request whose signature and timestamp checked out."""

    source: WebhookSource
    timestamp: str
    signature: str
    delivery_id: str

    @property
    def external_id(self) -> str:
        # The sender's id when it gives one; otherwise the signature, which is unique to this
        # body at this second (a replay carries the same one).
        return self.delivery_id or self.signature


def authenticate(*, code: str, body: bytes, headers: Mapping[str, str], now: datetime | None = None) -> Delivery:
    """Check a request's signature and timestamp; ``InvalidSignature`` / ``StaleTimestamp``."""
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    given = (headers.get(SIGNATURE_HEADER) or "").strip().lower()
    source = WebhookSource.objects.filter(code=code, is_active=True).first() if len(code) <= 40 else None
    expected = sign(secret_of(source) if source is not None else _NO_SECRET, timestamp, body)
    matches = hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))
    if source is None or not matches or not _TIMESTAMP.fullmatch(timestamp):
        raise InvalidSignature(
            _("The request is not signed correctly: sign it with the source's secret (see the API documentation)."),
            headers=[TIMESTAMP_HEADER, SIGNATURE_HEADER],
        )
    current = int((now or timezone.now()).timestamp())
    if abs(current - int(timestamp)) > source.tolerance_seconds:
        raise StaleTimestamp(
            _("The request's timestamp is too far from the current time; send it again with a fresh one."),
            header=TIMESTAMP_HEADER,
            server_time=current,
            tolerance_seconds=source.tolerance_seconds,
        )
    delivery_id = (headers.get(DELIVERY_HEADER) or "").strip()
    if delivery_id and (
        len(delivery_id) > MAX_DELIVERY_ID or not delivery_id.isascii() or not delivery_id.isprintable()
    ):
        raise InvalidDeliveryId(
            _("The delivery id must be 1 to %(max)d printable ASCII characters.") % {"max": MAX_DELIVERY_ID},
            header=DELIVERY_HEADER,
        )
    return Delivery(source=source, timestamp=timestamp, signature=given, delivery_id=delivery_id)


def accept(delivery: Delivery, *, body: bytes, content_type: str = "") -> tuple[InboundItem, bool]:
    """Store the body raw, then have it processed: ``(item, created)``. A replay (``created``
    False) is not processed again. Call outside any transaction (``inbound.receive`` commits)."""
    source = delivery.source
    item, created = inbound.receive(
        channel=CHANNEL_OF_KIND[WebhookSource.Kind(source.kind)],
        source=SOURCE_PREFIX + source.code,
        payload=body,
        headers={"timestamp": delivery.timestamp, "delivery": delivery.delivery_id, "content_type": content_type[:100]},
        external_id=delivery.external_id,
    )
    if created:
        from safeguard.intake.tasks import process_inbound_item

        try:
            process_inbound_item.enqueue(item.pk)
        except Exception:  # the item is stored: the periodic sweep (process_stuck_items) picks it up
            log.exception("could not enqueue inbound item %s", item.pk)
        item.refresh_from_db()
    return item, created


# --- processing (inbound.PROCESSORS["webhook"]) -----------------------------------------------


def _parse(payload: bytes) -> WebhookCaseIn:
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(_("The body is not valid JSON (%(error)s).") % {"error": exc}) from exc
    try:
        return WebhookCaseIn.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}" for error in exc.errors()
        )
        raise InvalidInput(_("The body is not valid: %(problems)s") % {"problems": problems}) from exc


def _existing(code: str, reference: str) -> Case | None:
    return Case.objects.filter(external_source=code, external_reference=reference).first()


def _description(data: WebhookCaseIn, reference: str) -> str:
    """The complaint's text, with the referral's facts that have no field of their own."""
    facts = []
    if data.regulator_reference.strip() and data.regulator_reference.strip() != reference:
        facts.append(_("Regulator reference: %(reference)s") % {"reference": data.regulator_reference.strip()})
    if data.url.strip():
        facts.append(_("Link: %(url)s") % {"url": data.url.strip()})
    text = data.description.strip()
    return text + "\n\n" + "\n".join(facts) if facts else text


def process_item(item: InboundItem, payload: bytes) -> Case:
    """Open the case a webhook delivery describes, or return the one a previous delivery of the
    same (source, external reference) opened. Invalid input raises ``InvalidInput``: the item
    becomes ``rejected`` with the reason."""
    code = item.source.removeprefix(SOURCE_PREFIX)
    source = WebhookSource.objects.filter(code=code).first()
    if source is None:
        raise InvalidInput(_("There is no webhook source “%(code)s”.") % {"code": code})
    data = _parse(payload)
    reference = data.reference()
    if not reference:
        raise InvalidInput(_("The body needs an external_reference (or a regulator_reference)."))
    existing = _existing(source.code, reference)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return submit(
                by=None,
                channel=CHANNEL_OF_KIND[WebhookSource.Kind(source.kind)],
                type=data.type.value,
                name=data.customer.name,
                phone=data.customer.phone,
                email=data.customer.email,
                description=_description(data, reference),
                subject=data.subject,
                product=data.product,
                received_at=data.received_at or item.received_at,
                external_source=source.code,
                external_reference=reference,
                external_due_at=data.regulator_deadline,
            )
    except IntegrityError:
        # Another delivery of the same reference committed its case first.
        existing = _existing(source.code, reference)
        if existing is None:
            raise
        return existing

"""Raw first, then processing: the guarantee that nothing a customer sent is lost.

``receive`` stores the item (encrypted payload, protocol headers, receipt time) and commits it
on its own, before anything parses it; only then does the channel answer the sender (SMTP
``250``, HTTP ``202``). ``process`` runs the channel's processor in a transaction of its own:

* the processor returns the case or message it made → ``processed``;
* it raises ``Ignore`` (an auto-reply, a bounce, our own mail looping back) → ``ignored``, and
  nothing is opened or answered;
* it raises a ``DomainError`` (the input is invalid) → ``rejected`` with the reason;
* anything else (a bug, the database going away, the process killed) → the transaction rolls
  back and the item stays ``failed`` (or ``received`` if the process died), with the error,
  in the intake errors list, where staff with ``intake.retry_inbounditem`` retry it (a rejected
  item too: the reason may have been on our side).

A second delivery of the same item (same ``source`` and ``external_id``: a Message-ID, an IMAP
UID, a webhook delivery id) returns the first item and is not processed twice.

Processors register per channel-kind in ``PROCESSORS`` (``"email"``, ``"webhook"``, ...):
``processor(item, payload: bytes) -> Case | Message``.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.audit import services as audit
from safeguard.cases.access import ensure_can
from safeguard.cases.models import Case, Message
from safeguard.core.errors import Conflict, DomainError
from safeguard.customers import crypto
from safeguard.intake.models import InboundItem

log = logging.getLogger(__name__)

PAYLOAD_FIELD = "inbound_payload"
MAX_ERROR = 4000

Processor = Callable[[InboundItem, bytes], Case | Message]

# The processor for each kind of source (the part of ``source`` before ":"), by dotted path so
# this module does not import every channel.
PROCESSORS: dict[str, str] = {
    "smtp": "safeguard.intake.email.process_item",
    "imap": "safeguard.intake.email.process_item",
    "webhook": "safeguard.intake.webhooks.process_item",
}


class Ignore(Exception):
    """Raised by a processor for an item that must open nothing and trigger no reply."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Items left as they are when processed again; a person's retry reprocesses a rejected one.
_FINISHED = (InboundItem.Status.PROCESSED, InboundItem.Status.IGNORED, InboundItem.Status.REJECTED)
_FINISHED_FOR_RETRY = (InboundItem.Status.PROCESSED, InboundItem.Status.IGNORED)
RETRYABLE = (InboundItem.Status.FAILED, InboundItem.Status.RECEIVED, InboundItem.Status.REJECTED)


def receive(
    *,
    channel: str,
    source: str,
    payload: bytes,
    headers: Mapping[str, Any] | None = None,
    external_id: str = "",
    received_at: datetime | None = None,
) -> tuple[InboundItem, bool]:
    """Store an item raw and commit it: ``(item, created)``; ``created`` is False for a second
    delivery of the same (source, external_id). Must not run inside a caller's transaction,
    because the item must survive whatever happens next."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("receive() commits on its own; call it outside a transaction")
    external_id = external_id.strip()[:255]
    if external_id:
        found = InboundItem.objects.filter(source=source, external_id=external_id).first()
        if found is not None:
            return found, False
    item = InboundItem(
        channel=channel,
        source=source,
        external_id=external_id,
        payload_enc=crypto.encrypt_bytes(payload, field=PAYLOAD_FIELD),
        payload_size=len(payload),
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        headers=dict(headers or {}),
        received_at=received_at or timezone.now(),
    )
    try:
        with transaction.atomic():
            item.save(force_insert=True)
    except IntegrityError:  # the same delivery racing in on another connection
        found = InboundItem.objects.filter(source=source, external_id=external_id).first()
        if found is None:
            raise
        return found, False
    return item, True


def payload(item: InboundItem) -> bytes:
    return crypto.decrypt_bytes(item.payload_enc, field=PAYLOAD_FIELD)


def processor_for(item: InboundItem) -> Processor:
    kind = item.source.split(":", 1)[0]
    if kind not in PROCESSORS:
        raise LookupError(f"no processor for source {item.source!r}")
    found: Processor = import_string(PROCESSORS[kind])
    return found


def process(item_id: int, *, retrying: bool = False) -> InboundItem:
    """Process one stored item (safe to call again: a finished item is left as it is).

    ``retrying`` (a person retries it, ``retry``) processes a rejected item again too: a rejection
    may come from our side (a calendar year nobody loaded) and be fixed since."""
    finished = _FINISHED if not retrying else _FINISHED_FOR_RETRY
    item = InboundItem.objects.get(pk=item_id)
    if item.status in finished:
        return item
    InboundItem.objects.filter(pk=item.pk).update(attempts=F("attempts") + 1)
    item.attempts += 1
    try:
        with transaction.atomic():
            # One worker at a time per item: a second one waits here, then sees it finished.
            locked = InboundItem.objects.select_for_update().get(pk=item.pk)
            if locked.status in finished:
                return locked
            result = processor_for(locked)(locked, payload(locked))
            _finish(
                locked,
                InboundItem.Status.PROCESSED,
                case=result if isinstance(result, Case) else result.case,
                message=result if isinstance(result, Message) else None,
            )
            return locked
    except Ignore as why:
        _finish(item, InboundItem.Status.IGNORED, error=why.reason)
    except DomainError as exc:
        _finish(item, InboundItem.Status.REJECTED, error=f"{exc.code}: {exc.detail}")
    except Exception as exc:
        log.exception("inbound item %s failed", item.pk)
        _finish(item, InboundItem.Status.FAILED, error=_describe(exc))
    item.refresh_from_db()
    return item


def _finish(
    item: InboundItem, status: str, *, error: str = "", case: Case | None = None, message: Message | None = None
) -> None:
    now = timezone.now()
    InboundItem.objects.filter(pk=item.pk).update(
        status=status,
        error=error[:MAX_ERROR],
        processed_at=now,
        case=case,
        message=message,
    )
    item.status, item.error, item.processed_at, item.case, item.message = status, error[:MAX_ERROR], now, case, message


def _describe(exc: Exception) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def retry(*, item: InboundItem, by: User) -> InboundItem:
    """Staff retry a failed, stuck or rejected item; audited (also when it fails again)."""
    ensure_can(by, "intake.retry_inbounditem")
    item = InboundItem.objects.get(pk=item.pk)  # what it is now, not what the page showed
    if item.status not in RETRYABLE:
        raise Conflict(_("Only a failed, rejected or unprocessed item can be retried."))
    audit.log(
        by, "intake.retry", item, changes={"source": item.source, "status": item.status, "attempts": item.attempts}
    )
    return process(item.pk, retrying=True)

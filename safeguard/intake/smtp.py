"""The SMTP receiver (``manage.py intake_smtp``): an aiosmtpd server that stores each message
raw and only then says ``250``.

* ``DATA``: the bytes exactly as received are stored with ``inbound.receive`` (encrypted, in a
  worker thread: aiosmtpd runs on asyncio and the database is synchronous), committed, and only
  then answered ``250``. If storing fails the answer is ``451`` (temporary): the sending server
  keeps the message and tries again, so nothing is lost; a second delivery of the same
  Message-ID is recognised and not processed twice.
* Processing is queued (``tasks.process_inbound_item``) after the commit. A failure to queue is
  logged and harmless: ``process_stuck_items`` picks up items left ``received``.
* A message over ``SAFEGUARD_SMTP_MAX_BYTES`` is refused with ``552`` (at ``MAIL FROM`` when the
  client announces its size, else at the end of ``DATA``) and is never held whole in memory.
* ``SIGTERM``/``SIGINT``: new transactions get ``421``, messages being stored are finished (up to
  ``GRACE_SECONDS``), then the server stops. A sender cut off before its ``250`` sends again.

The receiver sits behind the institution's mail server (which does spam filtering, SPF, DKIM and
DMARC, and relays to it); it is not an open relay: it forwards nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import close_old_connections

from safeguard.intake import inbound
from safeguard.intake import mailparse as mail
from safeguard.intake.models import InboundItem

log = logging.getLogger(__name__)

SOURCE = "smtp"
# How long a stopping server waits for messages being stored.
GRACE_SECONDS = 30
# Messages stored at the same time (each holds a database connection).
WORKERS = 4


def store(raw: bytes, *, null_sender: bool = False) -> InboundItem:
    """Store one received message and queue its processing; returns the item (the first one
    for a second delivery of the same message). Runs in a worker thread; raises if storing fails."""
    from safeguard.intake import tasks

    close_old_connections()
    try:
        item, created = inbound.receive(
            channel="email",
            source=SOURCE,
            payload=raw,
            headers=mail.protocol_headers(raw, null_sender=null_sender),
            external_id=mail.external_id(raw),
        )
        if created or item.status == InboundItem.Status.RECEIVED:
            try:
                tasks.process_inbound_item.enqueue(item.pk)
            except Exception:
                log.exception("could not queue inbound item %s; process_stuck_items will pick it up", item.pk)
        return item
    finally:
        close_old_connections()


class IntakeHandler:
    """aiosmtpd handler: ``handle_DATA`` stores the message before it answers ``250``."""

    def __init__(self, *, max_bytes: int | None = None, workers: int = WORKERS) -> None:
        self.max_bytes = max_bytes or settings.SAFEGUARD_SMTP_MAX_BYTES
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="intake-smtp")
        self.in_flight = 0
        self.closing = False
        self._lock = threading.Lock()

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]) -> str:
        if self.closing:
            return "421 4.3.2 Service shutting down, please try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > self.max_bytes:
            return "552 5.3.4 Message too big"
        null_sender = (envelope.mail_from or "").strip() in ("", "<>")
        with self._lock:
            self.in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            item = await loop.run_in_executor(self.executor, functools.partial(store, raw, null_sender=null_sender))
        except Exception:
            log.exception("could not store an inbound message; answered 451")
            return "451 4.3.0 Temporary failure storing the message, please try again later"
        finally:
            with self._lock:
                self.in_flight -= 1
        log.info("stored inbound item %s (%d bytes)", item.pk, len(raw))
        return "250 2.0.0 OK: stored"

    def drain(self, timeout: float = GRACE_SECONDS) -> None:
        """Refuse new transactions and wait (up to ``timeout`` seconds) for messages being stored."""
        self.closing = True
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        self.executor.shutdown(wait=True, cancel_futures=False)


def make_controller(handler: IntakeHandler, *, host: str, port: int) -> Controller:
    return Controller(
        handler,
        hostname=host,
        port=port,
        data_size_limit=handler.max_bytes,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Safeguard intake",
    )


def serve(*, host: str, port: int, stop: threading.Event, on_ready: Callable[[], None] | None = None) -> None:
    """Run the receiver until ``stop`` is set, then stop gracefully."""
    handler = IntakeHandler()
    controller = make_controller(handler, host=host, port=port)
    controller.start()
    log.info("SMTP intake listening on %s:%s", host, port)
    if on_ready is not None:
        on_ready()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        handler.drain()
        controller.stop()
        log.info("SMTP intake stopped")

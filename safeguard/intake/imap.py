"""Polling a mailbox (``manage.py intake_imap``) with imap-tools, on the same path as SMTP.

For each message waiting (unseen; or every message, when processed ones are moved away to
``SAFEGUARD_IMAP_PROCESSED_FOLDER``):

1. fetch the raw RFC 822 bytes and the server's INTERNALDATE without marking it read
   (``BODY.PEEK[]``);
2. store it raw (``inbound.receive``, source ``imap:<mailbox>``, external id
   ``<UIDVALIDITY>:<UID>``) with ``received_at`` = INTERNALDATE: when the institution's mailbox
   got it, not when we polled;
3. process it (``inbound.process``): a case, a reply on one, ignored, or failed and listed for
   staff to retry;
4. only then flag it ``\\Seen`` (and move it to the processed folder if one is set).

A crash between 2 and 4 is safe: the next poll finds the message again, ``receive`` returns the
item already stored, and processing a finished item does nothing. A message whose mailbox was
rebuilt (new UIDVALIDITY) is recognised by its Message-ID in processing.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections
from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.mailbox import BaseMailBox

from safeguard.intake import inbound
from safeguard.intake import mailparse as mail
from safeguard.intake.models import InboundItem

log = logging.getLogger(__name__)

SECURITY = ("ssl", "starttls", "none")
# Messages handled per poll; the rest wait for the next one.
BATCH = 200
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}
_DATE = re.compile(r"^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    security: str = "ssl"
    processed_folder: str = ""
    timeout: float = 60

    @classmethod
    def from_settings(cls, **overrides: Any) -> ImapConfig:
        values: dict[str, Any] = {
            "host": settings.SAFEGUARD_IMAP_HOST,
            "port": settings.SAFEGUARD_IMAP_PORT,
            "user": settings.SAFEGUARD_IMAP_USER,
            "password": settings.SAFEGUARD_IMAP_PASSWORD,
            "mailbox": settings.SAFEGUARD_IMAP_MAILBOX,
            "security": settings.SAFEGUARD_IMAP_SECURITY,
            "processed_folder": settings.SAFEGUARD_IMAP_PROCESSED_FOLDER,
        }
        values.update({k: v for k, v in overrides.items() if v not in (None, "")})
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        missing = [name for name in ("host", "user", "password") if not getattr(self, name)]
        if missing:
            raise ImproperlyConfigured(
                "IMAP intake needs " + ", ".join(f"SAFEGUARD_IMAP_{name.upper()}" for name in missing)
            )
        if self.security not in SECURITY:
            raise ImproperlyConfigured(f"SAFEGUARD_IMAP_SECURITY must be one of {', '.join(SECURITY)}")

    @property
    def source(self) -> str:
        return f"imap:{self.mailbox}"[:60]


@dataclass
class PollReport:
    found: int = 0
    stored: int = 0
    again: int = 0  # already stored by an earlier poll that did not get to flag it
    statuses: dict[str, int] | None = None

    def count(self, status: str) -> None:
        self.statuses = self.statuses or {}
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def __str__(self) -> str:
        detail = ", ".join(f"{n} {s}" for s, n in sorted((self.statuses or {}).items()))
        return f"{self.found} message(s): {self.stored} stored, {self.again} seen before" + (
            f" ({detail})" if detail else ""
        )


def connect(config: ImapConfig) -> BaseMailBox:
    if config.security == "ssl":
        return MailBox(config.host, config.port, timeout=config.timeout)
    if config.security == "starttls":
        return MailBoxStartTls(config.host, config.port, timeout=config.timeout)
    return MailBoxUnencrypted(config.host, config.port, timeout=config.timeout)


def poll_once(config: ImapConfig, *, batch: int = BATCH, stop: threading.Event | None = None) -> PollReport:
    """One pass over the mailbox; see the module docstring. Connection and IMAP errors propagate
    (the command logs them and tries again at the next interval)."""
    report = PollReport()
    close_old_connections()
    with connect(config).login(config.user, config.password, initial_folder=config.mailbox) as box:
        uidvalidity = str(box.folder.status(config.mailbox, ["UIDVALIDITY"])["UIDVALIDITY"])
        if config.processed_folder and not box.folder.exists(config.processed_folder):
            box.folder.create(config.processed_folder)
        criteria: Any = "ALL" if config.processed_folder else AND(seen=False)
        uids = box.uids(criteria)[:batch]
        report.found = len(uids)
        for uid in uids:
            if stop is not None and stop.is_set():
                break
            fetched = fetch_raw(box, uid)
            if fetched is None:  # expunged meanwhile
                continue
            raw, internal_date = fetched
            item, created = inbound.receive(
                channel="email",
                source=config.source,
                payload=raw,
                headers={**mail.protocol_headers(raw), "imap_uid": uid, "imap_uidvalidity": uidvalidity},
                external_id=f"{uidvalidity}:{uid}",
                received_at=internal_date,
            )
            if created:
                report.stored += 1
            else:
                report.again += 1
            done = inbound.process(item.pk)
            report.count(done.status)
            if done.status == InboundItem.Status.RECEIVED:
                continue  # not finished (it cannot be, but leave it unflagged to be safe)
            box.flag(uid, MailMessageFlags.SEEN, True)
            if config.processed_folder:
                box.move(uid, config.processed_folder)
    close_old_connections()
    return report


def fetch_raw(box: BaseMailBox, uid: str) -> tuple[bytes, datetime | None] | None:
    """The exact bytes of message ``uid`` and its INTERNALDATE, without setting ``\\Seen``."""
    status, data = box.client.uid("fetch", uid, "(INTERNALDATE BODY.PEEK[])")
    if status != "OK":
        return None
    for part in data:
        if isinstance(part, tuple) and len(part) >= 2 and isinstance(part[1], bytes):
            found = _INTERNALDATE.search(part[0])
            return part[1], internal_date(found.group(1).decode("ascii")) if found else None
    return None


def internal_date(value: str) -> datetime | None:
    """``23-Nov-2026 13:43:46 +0800`` as an aware datetime; None if unreadable or in the future
    (a mailbox clock ahead of ours must not date a complaint later than we saw it)."""
    found = _DATE.match(value)
    if found is None or found.group(2).title() not in _MONTHS:
        return None
    day, month, year, hh, mm, ss, sign, oh, om = found.groups()
    offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
    try:
        when = datetime(int(year), _MONTHS[month.title()], int(day), int(hh), int(mm), int(ss), tzinfo=UTC)
    except ValueError:
        return None
    when -= offset
    return None if when > timezone.now() else when

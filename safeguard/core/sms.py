"""Text messages to customers (tracking codes, survey invitations), through a pluggable backend.

Interface
---------
Callers use one function::

    send_sms(to: str, body: str) -> None

``to`` is the number as stored for the customer (digits, optionally a leading ``+`` and country
code); ``body`` is the finished text in the customer's language. ``send_sms`` loads the class
named by ``settings.SAFEGUARD_SMS_BACKEND`` (a dotted path), instantiates it with no arguments
and calls its ``send(to, body)``. A backend raises an exception when the gateway refuses the
message; callers decide what that means for them.

Plugging in a gateway
---------------------
An institution writes a class with the same method and points the setting at it::

    class MyGatewayBackend:
        def send(self, to: str, body: str) -> None:
            response = httpx.post(GATEWAY_URL, json={"to": to, "text": body}, timeout=10)
            response.raise_for_status()

    SAFEGUARD_SMS_BACKEND = "mybank.sms.MyGatewayBackend"

Backends shipped here:

* ``DisabledBackend`` refuses every message (the production default until a gateway is
  configured: one-time codes must not end up in a log);
* ``ConsoleBackend`` prints each message to standard output (development);
* ``FileBackend`` writes one file per message into ``settings.SAFEGUARD_SMS_DIR`` (the demo);
* ``LocmemBackend`` appends to the module-level ``outbox`` list (the test settings use it).

Backends never log the body: it may hold a one-time code or a personal survey link. Callers
never log the number either.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend(Protocol):
    def send(self, to: str, body: str) -> None: ...


class SmsNotConfigured(RuntimeError):
    """No SMS gateway is configured (``SAFEGUARD_SMS_BACKEND`` is the disabled backend)."""


class DisabledBackend:
    """Refuse to send: production has no SMS until the institution plugs in its gateway."""

    def send(self, to: str, body: str) -> None:
        raise SmsNotConfigured("no SMS gateway configured (SAFEGUARD_SMS_BACKEND)")


class ConsoleBackend:
    """Print each message to a stream (standard output by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, to: str, body: str) -> None:
        self.stream.write(f"SMS to {to}\n{body}\n{'-' * 40}\n")
        self.stream.flush()


class FileBackend:
    """Write each message to its own file in ``SAFEGUARD_SMS_DIR`` (created when missing)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory if directory is not None else settings.SAFEGUARD_SMS_DIR)

    def send(self, to: str, body: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"{stamp}-{secrets.token_hex(4)}.txt"
        path.write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")


# What ``LocmemBackend`` sent; tests read and clear it.
outbox: list[SmsMessage] = []


class LocmemBackend:
    """Keep messages in memory, in ``outbox``."""

    def send(self, to: str, body: str) -> None:
        outbox.append(SmsMessage(to=to, body=body))


def get_backend() -> SmsBackend:
    backend_class = import_string(settings.SAFEGUARD_SMS_BACKEND)
    backend: SmsBackend = backend_class()
    return backend


def send_sms(to: str, body: str) -> None:
    """Send one text message through the configured backend."""
    get_backend().send(to, body)

"""A test channel for ``intake.inbound``: items of source ``test:…`` are processed by ``process_item``.

The payload is JSON naming what the processor does: open a case through ``submit`` (as every
channel does), then optionally fail on the way (``"crash": "after_case"``: after the case is
written, so the rollback is what keeps the database clean), reject it (``"invalid"``) or ignore it
(``"auto_reply"``). ``BROKEN`` stands for a bug fixed later: while it is set, every item crashes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from safeguard.cases.models import Case
from safeguard.core.errors import InvalidInput
from safeguard.customers import crypto
from safeguard.intake import inbound
from safeguard.intake.models import InboundItem
from safeguard.intake.services import submit

BROKEN = {"on": False}


class Crash(RuntimeError):
    """The processor died part way (a bug, a lost connection, a killed worker)."""


def process_item(item: InboundItem, payload: bytes) -> Case:
    data = json.loads(payload)
    if data.get("auto_reply"):
        raise inbound.Ignore("Auto-Submitted: auto-replied")
    if data.get("invalid"):
        raise InvalidInput("The description is missing.", field="description")
    case = submit(
        by=None,
        channel=item.channel,
        type="complaint",
        name=data.get("name", "王芳"),
        phone=data.get("phone", "13912345678"),
        description=data.get("description", "信用卡年费被重复扣收。"),
    )
    if BROKEN["on"] or data.get("crash") == "after_case":
        raise Crash("worker killed after writing the case")
    return case


def register(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``process_item`` the processor of ``test:…`` sources for one test (and mend it)."""
    monkeypatch.setitem(inbound.PROCESSORS, "test", f"{__name__}.process_item")
    monkeypatch.setitem(BROKEN, "on", False)


def body(**fields: Any) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


def stored(
    payload: bytes = b"{}",
    *,
    status: str = InboundItem.Status.RECEIVED,
    source: str = "test:inbox",
    channel: str = "email",
    external_id: str = "",
    **fields: Any,
) -> InboundItem:
    """An item as ``receive`` stores it, made directly (``receive`` refuses to run in a test's
    transaction; the tests of ``receive`` itself are transactional)."""
    import hashlib

    from django.utils import timezone

    fields.setdefault("received_at", timezone.now())
    return InboundItem.objects.create(
        channel=channel,
        source=source,
        external_id=external_id,
        payload_enc=crypto.encrypt_bytes(payload, field=inbound.PAYLOAD_FIELD),
        payload_size=len(payload),
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        status=status,
        **fields,
    )

"""Building e-mails for the e-mail intake tests (parsing, processing, SMTP and IMAP)."""

from __future__ import annotations

from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from safeguard.cases.tests.support import NOW

CUSTOMER = "王芳 <wangfang@example.com>"
CUSTOMER_ADDRESS = "wangfang@example.com"
INTAKE = "complaints@bank.example"
SUBJECT = "信用卡年费被重复扣收"
BODY = "您好：\n我的信用卡年费在二月被扣了两次，请退还多扣的 300 元。\n王芳"


def build(
    *,
    subject: str = SUBJECT,
    body: str | None = BODY,
    html: str | None = None,
    sender: str = CUSTOMER,
    to: str = INTAKE,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> bytes:
    """A message as a mail client sends it (CRLF line ends, RFC 2047 headers, UTF-8 body)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    if body is not None:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=policy.SMTP)


def use_attachment_dir(settings: Any, tmp_path: Path) -> Path:
    """Store attachments under ``tmp_path`` for one test (``settings`` is pytest-django's fixture)."""
    folder = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []

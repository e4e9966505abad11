"""Attachments: files checked from their bytes, stored outside the web root under random names."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile

from safeguard.accounts.models import User
from safeguard.cases.models import Attachment, Case, Message


def check_upload(file: UploadedFile) -> str:
    """The content type detected from ``file``'s bytes, or ``InvalidInput`` (field ``attachments``)
    when it is empty, larger than ``SAFEGUARD_ATTACHMENT_MAX_BYTES`` or of a type not in
    ``SAFEGUARD_ATTACHMENT_TYPES``. Writes nothing; forms call it to validate before any write."""
    raise NotImplementedError


def check_uploads(files: Iterable[UploadedFile]) -> None:
    """``check_upload`` on each, plus the ``SAFEGUARD_ATTACHMENT_MAX_FILES`` limit."""
    raise NotImplementedError


def add_attachment(
    *, case: Case, by: User | None, file: UploadedFile, source: str, message: Message | None = None
) -> Attachment:
    """Store one file on ``case`` (``by`` None: the customer or the system). Checks the file and,
    for staff, ``cases.work_case`` on the case; records an ATTACHMENT_ADDED event and an audit entry."""
    raise NotImplementedError

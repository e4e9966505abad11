"""Attachments: files checked from their bytes, stored outside the web root under random names.

* The type is what the bytes say (``filetype``'s magic numbers), never the name or the sender's
  header; plain text, which has no magic number, is accepted when it decodes as UTF-8 or GB18030
  with no NUL and no binary control characters. Office files (.docx, .xlsx) are zip containers:
  they must hold ``[Content_Types].xml`` and must not unpack to far more than they weigh (zip
  bombs), checked from the central directory alone; nothing is ever unpacked.
* A file is read in chunks and at most ``SAFEGUARD_ATTACHMENT_MAX_BYTES`` + 1 bytes of it, so a huge
  upload is refused without being held in memory.
* The bytes are stored in ``storages["attachments"]`` as ``yyyy/mm/<uuid4 hex>``; what the sender
  called the file is kept only for display (basename, no control characters) and is never a path.
* A refusal writes nothing: neither a row nor a file. A file stored for a write that then fails is
  deleted again (``discard_files`` for callers whose own transaction fails afterwards).
* Downloading a customer's document is a read of personal data: ``open_attachment`` checks access
  and leaves an audit entry.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO

import filetype
from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safeguard.accounts.models import User
from safeguard.cases import events
from safeguard.cases.access import Actor, can_see, ensure_can
from safeguard.cases.models import Attachment, Case, Message
from safeguard.cases.services import _base
from safeguard.cases.states import WORK_PERM
from safeguard.core.errors import InvalidInput, NotFound

FIELD = "attachments"
CHUNK = 64 * 1024
# filetype inspects this many leading bytes.
HEAD = 8192
# The display name is cut to this many characters (the column holds 255), keeping the extension.
MAX_FILENAME = 150

TEXT = "text/plain"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OFFICE_XML = (DOCX, XLSX, PPTX)
# Types whose bytes are a zip archive: each is checked for zip bombs before it is accepted.
ZIP_CONTAINERS = frozenset(
    {
        ZIP,
        *OFFICE_XML,
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/epub+zip",
    }
)
# OOXML: the part that says which kind of Office document a package is.
OFFICE_MAIN_PART = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
# Zip bombs: a real Office document has a few dozen parts and compresses XML about 5-20 times.
ZIP_MAX_MEMBERS = 1000
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100
# Below this much unpacked data the ratio does not matter (a tiny file is no bomb).
ZIP_RATIO_FLOOR = 1024 * 1024

# What people call the allowed types in error messages.
TYPE_LABELS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
    TEXT: "TXT",
    DOCX: "Word (.docx)",
    XLSX: "Excel (.xlsx)",
    PPTX: "PowerPoint (.pptx)",
}

# Control characters plain text may hold: tab, line feed, form feed, carriage return.
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_TEXT_ENCODINGS = ("utf-8", "gb18030")


# --- checking -------------------------------------------------------------------------------


def display_name(raw: str | None) -> str:
    """What the sender called the file, safe to show and to put in a download header: the last
    path segment only, no control or formatting characters (no right-to-left override hiding an
    ``.exe``), no leading dots, at most ``MAX_FILENAME`` characters with the extension kept. CJK
    and other letters stay as they are."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
    name = " ".join(name.split()).lstrip(". ").rstrip(" ")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            name = stem[: MAX_FILENAME - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name or _("attachment")


def human_size(size: int) -> str:
    """A byte count as people write it: "10 MB", "500 KB", "1.5 MB", "100 bytes"."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return ngettext("%(n)d byte", "%(n)d bytes", size) % {"n": size}


def allowed_types_label() -> str:
    return ", ".join(TYPE_LABELS.get(t, t) for t in settings.SAFEGUARD_ATTACHMENT_TYPES)


def check_upload(file: UploadedFile) -> str:
    """The content type detected from ``file``'s bytes, or ``InvalidInput`` (field ``attachments``)
    when it is empty, larger than ``SAFEGUARD_ATTACHMENT_MAX_BYTES`` or of a type not in
    ``SAFEGUARD_ATTACHMENT_TYPES``. Writes nothing; forms call it to validate before any write."""
    name = display_name(file.name)
    limit = settings.SAFEGUARD_ATTACHMENT_MAX_BYTES
    head, size, decoders = _scan(file, limit)
    if size == 0:
        raise InvalidInput(_("“%(name)s” is empty.") % {"name": name}, field=FIELD)
    if size > limit:
        raise InvalidInput(
            _("“%(name)s” is larger than %(limit)s.") % {"name": name, "limit": human_size(limit)}, field=FIELD
        )
    kind = filetype.guess(head)
    if kind is not None:
        content_type = kind.mime
    elif decoders:
        content_type = TEXT
    else:
        content_type = ""
    if content_type in ZIP_CONTAINERS:
        content_type = _check_zip(file, name, content_type)
    if content_type not in settings.SAFEGUARD_ATTACHMENT_TYPES:
        raise InvalidInput(
            _("“%(name)s” is not an allowed type (%(types)s).") % {"name": name, "types": allowed_types_label()},
            field=FIELD,
        )
    return content_type


def _scan(file: UploadedFile, limit: int) -> tuple[bytes, int, list[str]]:
    """(the first bytes, the size read, the text encodings the bytes are valid plain text in).

    Reads chunk by chunk and stops past ``limit`` + 1 bytes; nothing but the head is kept.
    """
    file.seek(0)
    head = b""
    size = 0
    decoders = {enc: codecs.getincrementaldecoder(enc)() for enc in _TEXT_ENCODINGS}
    while size <= limit:
        chunk = file.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        if len(head) < HEAD:
            head += chunk[: HEAD - len(head)]
        size += len(chunk)
        for enc, decoder in list(decoders.items()):
            if not _is_text(decoder, chunk, final=False):
                del decoders[enc]
    for enc, decoder in list(decoders.items()):
        if not _is_text(decoder, b"", final=True):
            del decoders[enc]
    file.seek(0)
    return head, size, list(decoders)


def _is_text(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool) -> bool:
    try:
        text = decoder.decode(chunk, final=final)
    except UnicodeDecodeError:
        return False
    return _TEXT_CONTROLS.search(text) is None


def _check_zip(file: UploadedFile, name: str, detected: str) -> str:
    """The type of a zip container after checking it from its central directory: an Office
    document must really be one; any container must not be a zip bomb."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:  # reads the central directory only
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        members = None
    finally:
        file.seek(0)
    if members is None:
        if detected in OFFICE_XML:
            raise _not_office(name)
        raise _not_allowed(name)
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if (
        len(members) > ZIP_MAX_MEMBERS
        or unpacked > ZIP_MAX_UNCOMPRESSED
        or (unpacked > ZIP_RATIO_FLOOR and unpacked > ZIP_MAX_RATIO * max(packed, 1))
    ):
        raise InvalidInput(
            _("“%(name)s” unpacks to far more data than its size and cannot be accepted.") % {"name": name},
            field=FIELD,
        )
    names = {m.filename for m in members}
    if detected in OFFICE_XML or detected == ZIP:
        if "[Content_Types].xml" not in names:
            if detected in OFFICE_XML:
                raise _not_office(name)
            return ZIP
        for prefix, office_type in OFFICE_MAIN_PART.items():
            if any(n.startswith(prefix) for n in names):
                return office_type
        raise _not_office(name)
    return detected


def _not_office(name: str) -> InvalidInput:
    return InvalidInput(_("“%(name)s” is not a valid Office document.") % {"name": name}, field=FIELD)


def _not_allowed(name: str) -> InvalidInput:
    return InvalidInput(
        _("“%(name)s” is not an allowed type (%(types)s).") % {"name": name, "types": allowed_types_label()},
        field=FIELD,
    )


def check_uploads(files: Iterable[UploadedFile]) -> None:
    """``check_upload`` on each, plus the ``SAFEGUARD_ATTACHMENT_MAX_FILES`` limit."""
    files = list(files)
    limit = settings.SAFEGUARD_ATTACHMENT_MAX_FILES
    if len(files) > limit:
        raise InvalidInput(
            ngettext("You can attach at most %(max)d file.", "You can attach at most %(max)d files.", limit)
            % {"max": limit},
            field=FIELD,
        )
    for file in files:
        check_upload(file)


# --- storing --------------------------------------------------------------------------------


def _storage() -> Storage:
    return storages["attachments"]


def _digest(file: UploadedFile) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    for chunk in file.chunks(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    file.seek(0)
    return sha.hexdigest(), size


def discard_files(attachments: Iterable[Attachment]) -> None:
    """Delete the stored bytes of attachments whose rows were rolled back (a caller's transaction
    failed after ``add_attachment`` returned). Never call it for committed rows."""
    storage = _storage()
    for attachment in attachments:
        storage.delete(attachment.storage_name)


@transaction.atomic
def add_attachment(
    *, case: Case, by: User | None, file: UploadedFile, source: str, message: Message | None = None
) -> Attachment:
    """Store one file on ``case`` (``by`` None: the customer or the system). Checks the file and,
    for staff, ``cases.work_case`` on the case; records an ATTACHMENT_ADDED event and an audit entry."""
    _base.require_choice(source, Attachment.Source.values, "source")
    if by is not None:
        ensure_can(by, WORK_PERM, case)
    if message is not None and message.case_id != case.pk:
        raise InvalidInput(_("The message belongs to another case."), field="message")
    content_type = check_upload(file)
    filename = display_name(file.name)
    sha256, size = _digest(file)
    locked = _base.lock(case)
    at = _base.now()
    storage = _storage()
    stored = storage.save(f"{at:%Y/%m}/{uuid.uuid4().hex}", file)
    try:
        attachment = Attachment.objects.create(
            case=locked,
            message=message,
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=sha256,
            storage_name=stored,
            source=source,
            uploaded_by=by,
        )
        label = events.CUSTOMER if by is None and source == Attachment.Source.CUSTOMER else None
        events.record(
            locked,
            events.Kind.ATTACHMENT_ADDED,
            by=by,
            label=label,
            at=at,
            message=message,
            data={"attachment": attachment.pk, "filename": filename, "content_type": content_type, "size": size},
        )
        _base.save(locked)
        actor: User | str | None = by if by is not None else (f"customer:{locked.reference}" if label else None)
        _base.audit_log(
            actor,
            "case.attachment",
            locked,
            # No file name: people name files after themselves ("张伟身份证.jpg"); the log keeps for ever.
            {
                "attachment": attachment.pk,
                "content_type": content_type,
                "size": size,
                "sha256": sha256,
                "source": source,
            },
        )
    except BaseException:
        # The row rolls back with this transaction; the bytes must not stay behind either.
        storage.delete(stored)
        raise
    return attachment


def add_attachments(*, case: Case, by: User | None, files: Sequence[UploadedFile], source: str) -> list[Attachment]:
    """Store several files on ``case`` all or nothing (the upload form): all are checked first,
    and a failure part way deletes the files already stored."""
    check_uploads(files)
    added: list[Attachment] = []
    try:
        with transaction.atomic():
            for file in files:
                added.append(add_attachment(case=case, by=by, file=file, source=source))
    except BaseException:
        discard_files(added)
        raise
    return added


# --- reading --------------------------------------------------------------------------------


def open_attachment(*, attachment: Attachment, by: Actor) -> IO[bytes]:
    """The stored bytes of ``attachment``, opened for reading, if ``by`` may see its case
    (``NotFound`` otherwise, as for the case). Leaves a ``case.attachment.download`` audit entry:
    a customer's document is personal data. The caller closes the file (``FileResponse`` does)."""
    case = attachment.case
    if not isinstance(by, User) or not can_see(by, case):
        raise NotFound(_("No case with this reference."))
    try:
        handle = _storage().open(attachment.storage_name, "rb")
    except FileNotFoundError:
        raise NotFound(_("The file of this attachment is missing; tell an administrator.")) from None
    try:
        _base.audit_log(
            by,
            "case.attachment.download",
            case,
            {"attachment": attachment.pk, "sha256": attachment.sha256},
        )
    except BaseException:
        handle.close()
        raise
    return handle

"""Attachments service: the type from the bytes, the limits, safe names, storage, audit.

The sample files here are real (tiny) files of each kind; the view and intake tests import them.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from safeguard.audit.models import AuditEntry
from safeguard.cases import services
from safeguard.cases.models import Attachment, CaseEvent
from safeguard.cases.services import attachments as attachment_service
from safeguard.cases.tests.support import counts
from safeguard.core.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db

# --- sample files -------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43\x00"
    + bytes(64)
    + b"\xff\xd9"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"
UTF8_TEXT = b"Statement for February is wrong: the annual fee was charged twice.\r\n"
CHINESE_UTF8 = "信用卡年费被重复扣收，请退还。\n附：二月账单。\n".encode()
CHINESE_GB18030 = "信用卡年费被重复扣收，请退还。\n".encode("gb18030")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


def office(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return office(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document><w:body><w:p>Dispute letter</w:p></w:body></w:document>",
        }
    )


def xlsx() -> bytes:
    return office({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})


def zip_bomb_docx() -> bytes:
    # 5 MB of zeros deflate to about 5 KB: a ratio near 1000 (a real one unpacks to gigabytes).
    return office({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": bytes(5 * 1024 * 1024)})


def upload(data: bytes, name: str = "file.bin", content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    """As Django hands over an upload; the browser's content type is deliberately not trusted."""
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def attachment_dir(settings: Any, tmp_path: Path) -> Path:
    """Each test stores into its own empty directory, so "no file written" can be checked."""
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


# --- checking the bytes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "application/pdf"),
        (png(), "image/png"),
        (JPEG, "image/jpeg"),
        (UTF8_TEXT, "text/plain"),
        (CHINESE_UTF8, "text/plain"),
        (CHINESE_GB18030, "text/plain"),
        (docx(), DOCX),
        (xlsx(), XLSX),
    ],
    ids=["pdf", "png", "jpeg", "utf8-text", "chinese-utf8", "chinese-gb18030", "docx", "xlsx"],
)
def test_allowed_files_are_recognised_by_their_bytes(data, expected):
    assert services.check_upload(upload(data, name="upload")) == expected


def test_the_type_comes_from_the_bytes_not_the_name_or_the_browser():
    picture = upload(png(), name="statement.pdf", content_type="application/pdf")
    assert services.check_upload(picture) == "image/png"


def test_a_renamed_executable_is_refused_naming_the_file_and_the_allowed_types():
    with pytest.raises(InvalidInput) as refused:
        services.check_upload(upload(EXE, name="statement.pdf", content_type="application/pdf"))
    assert refused.value.extra["field"] == "attachments"
    assert "“statement.pdf” is not an allowed type" in refused.value.detail
    assert "PDF" in refused.value.detail and "JPEG" in refused.value.detail


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02\x03binary\x00data", b"text with a bell \x07 in it", b"\xff\xfe\x00t\x00e\x00x\x00t"],
    ids=["nul-bytes", "control-character", "utf16"],
)
def test_bytes_that_are_not_clean_text_and_have_no_known_type_are_refused(data):
    with pytest.raises(InvalidInput, match="not an allowed type"):
        services.check_upload(upload(data, name="notes.txt", content_type="text/plain"))


def test_a_type_left_out_of_the_setting_is_refused(settings):
    settings.SAFEGUARD_ATTACHMENT_TYPES = ["application/pdf"]
    with pytest.raises(InvalidInput, match="not an allowed type"):
        services.check_upload(upload(png(), name="photo.png"))


def test_an_empty_file_is_refused():
    with pytest.raises(InvalidInput, match=re.escape("“empty.pdf” is empty")):
        services.check_upload(upload(b"", name="empty.pdf"))


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_accepted(settings):
    settings.SAFEGUARD_ATTACHMENT_MAX_BYTES = 1024
    assert services.check_upload(upload(b"a" * 1024, name="ok.txt")) == "text/plain"
    with pytest.raises(InvalidInput, match=re.escape("“big.txt” is larger than 1 KB")):
        services.check_upload(upload(b"a" * 1025, name="big.txt"))


def test_the_size_limit_is_named_in_megabytes(settings):
    settings.SAFEGUARD_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    assert attachment_service.human_size(settings.SAFEGUARD_ATTACHMENT_MAX_BYTES) == "10 MB"


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_huge_file_is_refused_after_reading_at_most_the_limit_plus_one_byte(settings):
    settings.SAFEGUARD_ATTACHMENT_MAX_BYTES = 200_000
    reader = CountingReader(b"a" * 5_000_000)
    huge = UploadedFile(file=reader, name="huge.txt", content_type="text/plain", size=5_000_000)
    with pytest.raises(InvalidInput, match="larger than"):
        services.check_upload(huge)
    assert reader.bytes_read <= 200_001


def test_a_zip_bomb_posing_as_a_word_document_is_refused():
    with pytest.raises(InvalidInput, match="unpacks to far more data"):
        services.check_upload(upload(zip_bomb_docx(), name="letter.docx"))


def test_a_zip_with_too_many_members_is_refused():
    parts = {"[Content_Types].xml": CONTENT_TYPES, **{f"word/media/{n}.xml": b"x" for n in range(1001)}}
    with pytest.raises(InvalidInput, match="unpacks to far more data"):
        services.check_upload(upload(office(parts), name="letter.docx"))


def test_a_word_document_without_content_types_is_not_an_office_document():
    fake = office({"word/document.xml": b"<w:document/>", "word/evil.xml": b"x"})
    with pytest.raises(InvalidInput, match="not a valid Office document"):
        services.check_upload(upload(fake, name="letter.docx"))


def test_a_plain_zip_archive_is_refused():
    archive = office({"readme.txt": b"hello", "statement.pdf": PDF})
    with pytest.raises(InvalidInput, match="not an allowed type"):
        services.check_upload(upload(archive, name="documents.docx"))


def test_a_damaged_office_file_is_refused():
    # Cut short, it is a zip whose directory cannot be read: not an allowed type, whatever its name.
    with pytest.raises(InvalidInput, match=re.escape("“letter.docx” is not")):
        services.check_upload(upload(docx()[:200], name="letter.docx"))


def test_at_most_the_configured_number_of_files(settings):
    settings.SAFEGUARD_ATTACHMENT_MAX_FILES = 2
    services.check_uploads([upload(PDF, "a.pdf"), upload(PDF, "b.pdf")])
    with pytest.raises(InvalidInput, match="at most 2 files"):
        services.check_uploads([upload(PDF, "a.pdf"), upload(PDF, "b.pdf"), upload(PDF, "c.pdf")])


def test_check_uploads_refuses_if_any_file_is_bad():
    with pytest.raises(InvalidInput, match=re.escape("“run.pdf”")):
        services.check_uploads([upload(PDF, "a.pdf"), upload(EXE, "run.pdf")])


# --- display names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\wang\\Desktop\\二月账单.pdf", "二月账单.pdf"),
        ("statement\u202egpj.exe", "statementgpj.exe"),  # no right-to-left override hiding ".exe"
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ("  .hidden.txt  ", "hidden.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        ("信用卡 账单  2026.pdf", "信用卡 账单 2026.pdf"),
    ],
)
def test_display_names_are_a_safe_basename(raw, shown):
    assert attachment_service.display_name(raw) == shown


def test_long_display_names_are_cut_keeping_the_extension():
    name = attachment_service.display_name("账" * 300 + ".pdf")
    assert len(name) == attachment_service.MAX_FILENAME
    assert name.endswith("账.pdf")


# --- storing ------------------------------------------------------------------------------


def test_add_attachment_stores_the_bytes_under_a_random_name_with_event_and_audit(case, agent, attachment_dir):
    data = png()
    attachment = services.add_attachment(
        case=case, by=agent, file=upload(data, name="../../etc/passwd"), source=Attachment.Source.STAFF
    )

    attachment.refresh_from_db()
    assert attachment.filename == "passwd"
    assert re.fullmatch(r"2026/03/[0-9a-f]{32}", attachment.storage_name)
    assert (attachment.content_type, attachment.size) == ("image/png", len(data))
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.uploaded_by == agent
    assert stored_files(attachment_dir) == [attachment_dir / attachment.storage_name]
    assert (attachment_dir / attachment.storage_name).read_bytes() == data
    assert not (attachment_dir.parent / "etc").exists()
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ATTACHMENT_ADDED)
    assert (event.actor, event.data["attachment"], event.data["filename"]) == (agent, attachment.pk, "passwd")
    entry = AuditEntry.objects.filter(action="case.attachment").get()
    assert entry.actor == agent
    assert entry.changes["sha256"] == attachment.sha256 and entry.changes["reference"] == case.reference
    assert "filename" not in entry.changes  # file names often carry people's names; the log keeps for ever
    case_version = case.version
    case.refresh_from_db()
    assert case.version == case_version + 1


def test_a_file_from_the_customer_is_recorded_as_theirs(case):
    attachment = services.add_attachment(case=case, by=None, file=upload(PDF, "receipt.pdf"), source="customer")
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.ATTACHMENT_ADDED)
    assert (attachment.uploaded_by, event.actor_label) == (None, "customer")
    assert AuditEntry.objects.get(action="case.attachment").actor_label == f"customer:{case.reference}"


def test_a_refused_file_writes_nothing(case, agent, attachment_dir):
    before = counts(case)
    with pytest.raises(InvalidInput):
        services.add_attachment(case=case, by=agent, file=upload(EXE, "invoice.pdf"), source="staff")
    assert counts(case) == before
    assert not Attachment.objects.exists()
    assert stored_files(attachment_dir) == []


@pytest.mark.parametrize(("persona", "error"), [("auditor", PermissionDenied), ("other_agent", NotFound)])
def test_staff_without_work_on_the_case_cannot_add_files(case, persona, error, request, attachment_dir):
    user = request.getfixturevalue(persona)
    before = counts(case)
    with pytest.raises(error):
        services.add_attachment(case=case, by=user, file=upload(PDF, "a.pdf"), source="staff")
    assert counts(case) == before
    assert stored_files(attachment_dir) == []


def test_an_unknown_source_is_refused(case, agent):
    with pytest.raises(InvalidInput):
        services.add_attachment(case=case, by=agent, file=upload(PDF, "a.pdf"), source="carrier-pigeon")


def test_the_file_is_deleted_when_the_database_write_fails_after_it_was_stored(
    case, agent, attachment_dir, monkeypatch
):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(attachment_service.events, "record", broken)
    before = counts(case)
    with pytest.raises(RuntimeError):
        services.add_attachment(case=case, by=agent, file=upload(PDF, "a.pdf"), source="staff")
    assert stored_files(attachment_dir) == []
    assert not Attachment.objects.exists()
    assert counts(case) == before


def test_add_attachments_is_all_or_nothing(case, agent, attachment_dir, monkeypatch):
    calls = {"n": 0}
    real = attachment_service._base.audit_log

    def fail_second(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("audit log unavailable")
        real(*args, **kwargs)

    monkeypatch.setattr(attachment_service._base, "audit_log", fail_second)
    with pytest.raises(RuntimeError):
        services.add_attachments(
            case=case, by=agent, files=[upload(PDF, "a.pdf"), upload(png(), "b.png")], source="staff"
        )
    assert not Attachment.objects.exists()
    assert stored_files(attachment_dir) == []


def test_add_attachments_checks_every_file_before_storing_any(case, agent, attachment_dir):
    with pytest.raises(InvalidInput, match=re.escape("“b.pdf”")):
        services.add_attachments(
            case=case, by=agent, files=[upload(PDF, "a.pdf"), upload(EXE, "b.pdf")], source="staff"
        )
    assert stored_files(attachment_dir) == []


# --- reading ------------------------------------------------------------------------------


def test_opening_an_attachment_returns_its_bytes_and_is_audited(case, agent, auditor):
    attachment = services.add_attachment(case=case, by=agent, file=upload(PDF, "a.pdf"), source="staff")
    with services.open_attachment(attachment=attachment, by=auditor) as handle:
        assert handle.read() == PDF
    entry = AuditEntry.objects.get(action="case.attachment.download")
    assert (entry.actor, entry.changes["attachment"], entry.changes["reference"]) == (
        auditor,
        attachment.pk,
        case.reference,
    )


def test_staff_who_cannot_see_the_case_cannot_open_its_files(case, agent, other_agent, nobody):
    attachment = services.add_attachment(case=case, by=agent, file=upload(PDF, "a.pdf"), source="staff")
    for user in (other_agent, nobody):
        with pytest.raises(NotFound):
            services.open_attachment(attachment=attachment, by=user)
    assert not AuditEntry.objects.filter(action="case.attachment.download").exists()

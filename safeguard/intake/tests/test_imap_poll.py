"""Polling a real IMAP server: a private Dovecot (Debian's ``dovecot-imapd``) on a free port, with a
throw-away Maildir, driven by ``manage.py intake_imap --once``.

Skipped, loudly, when Dovecot is not installed (``apt-get install -y dovecot-imapd``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from imap_tools import MailBoxUnencrypted

from safeguard.cases.models import Attachment, Case, Message
from safeguard.cases.tests.support import NOW
from safeguard.cases.tests.test_attachments import PDF
from safeguard.intake import imap, inbound
from safeguard.intake.models import InboundItem
from safeguard.intake.tests.email_support import INTAKE, SUBJECT, build, use_attachment_dir

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NO_DOVECOT = (
    "DOVECOT IS NOT INSTALLED: the IMAP intake is not tested against a real server (apt-get install -y dovecot-imapd)"
)

ItemStatus = InboundItem.Status
USER, PASSWORD = "intake", "imap-test-password"
# When the test mailbox got its messages: before the frozen NOW (a later one is not believed).
RECEIVED = (NOW - timedelta(minutes=20)).astimezone(UTC)


@dataclass
class Dovecot:
    port: int
    maildir: Path
    uid: int
    gid: int

    def deliver(self, raw: bytes, *, received: datetime = RECEIVED) -> None:
        """Drop a message into the Maildir as a delivery agent does (tmp/, then new/). The
        file's time is when the mailbox got it: Dovecot reports it as INTERNALDATE."""
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid)
        os.utime(tmp, (received.timestamp(), received.timestamp()))
        tmp.rename(self.maildir / "new" / name)

    def mailbox(self) -> MailBoxUnencrypted:
        return MailBoxUnencrypted("127.0.0.1", self.port, timeout=10).login(USER, PASSWORD)

    def flags(self, folder: str = "INBOX") -> list[tuple[str, tuple[str, ...]]]:
        with self.mailbox() as box:
            box.folder.set(folder)
            return [
                (m.subject, tuple(sorted(f for f in m.flags if f != "\\Recent"))) for m in box.fetch(mark_seen=False)
            ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _users() -> tuple[str, str, int, int]:
    """(internal user, login user, mail uid, mail gid). Dovecot refuses to run login and mail
    processes as root: as root use Debian's dovecot/dovenull users, else ourselves."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid
    try:
        internal, login = pwd.getpwnam("dovecot"), pwd.getpwnam("dovenull")
    except KeyError:
        pytest.skip("DOVECOT USERS MISSING: dovecot-imapd's dovecot/dovenull users are not there")
    return internal.pw_name, login.pw_name, internal.pw_uid, internal.pw_gid


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if DOVECOT is None:
        pytest.skip(NO_DOVECOT)
    internal, login, uid, gid = _users()
    root = Path(tempfile.mkdtemp(prefix="safeguard-dovecot-"))
    root.chmod(0o755)  # the login and mail processes run as other users
    maildir, home = root / "Maildir", root / "home"
    for folder in (maildir / "new", maildir / "cur", maildir / "tmp", home):
        folder.mkdir(parents=True)
    for path in (maildir, maildir / "new", maildir / "cur", maildir / "tmp", home):
        os.chown(path, uid, gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{maildir}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    checked = subprocess.run([DOVECOT, "-c", str(config), "-n"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        for _attempt in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    if conn.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"dovecot did not start: {process.stderr.read() if process.stderr else ''}")
                time.sleep(0.05)
        else:
            pytest.fail("dovecot did not start listening")
        yield Dovecot(port=port, maildir=maildir, uid=uid, gid=gid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def intake_settings(settings: Any, tmp_path: Path) -> Path:
    settings.SAFEGUARD_INTAKE_ADDRESSES = [INTAKE]
    return use_attachment_dir(settings, tmp_path)


@pytest.fixture
def configure(settings: Any, dovecot: Dovecot) -> Callable[..., None]:
    def apply(**extra: Any) -> None:
        settings.SAFEGUARD_IMAP_HOST = "127.0.0.1"
        settings.SAFEGUARD_IMAP_PORT = dovecot.port
        settings.SAFEGUARD_IMAP_USER = USER
        settings.SAFEGUARD_IMAP_PASSWORD = PASSWORD
        settings.SAFEGUARD_IMAP_SECURITY = "none"
        settings.SAFEGUARD_IMAP_MAILBOX = "INBOX"
        settings.SAFEGUARD_IMAP_PROCESSED_FOLDER = ""
        for name, value in extra.items():
            setattr(settings, f"SAFEGUARD_IMAP_{name.upper()}", value)

    apply()
    return apply


def poll() -> str:
    out = StringIO()
    call_command("intake_imap", "--once", stdout=out)
    return out.getvalue()


def test_a_poll_stores_processes_and_then_flags_each_message_seen(dovecot, configure):
    complaint = build(message_id="<imap-1@mail.example.com>", attachments=[("账单.pdf", PDF, "application/pdf")])
    dovecot.deliver(complaint)
    dovecot.deliver(build(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}))

    output = poll()

    items = list(InboundItem.objects.order_by("pk"))
    assert [i.status for i in items] == [ItemStatus.PROCESSED, ItemStatus.IGNORED]
    first = items[0]
    assert first.source == "imap:INBOX" and first.channel == "email"
    uidvalidity = first.headers["imap_uidvalidity"]
    assert first.external_id == f"{uidvalidity}:{first.headers['imap_uid']}"
    assert first.payload_sha256 and first.payload_size == len(complaint)
    assert inbound.payload(first) == complaint  # the exact bytes, fetched with BODY.PEEK[]
    case = Case.objects.get()
    assert (case.subject, first.case) == (SUBJECT, case)
    assert Attachment.objects.get().filename == "账单.pdf"
    assert sorted(dovecot.flags()) == sorted([(SUBJECT, ("\\Seen",)), ("Out of office", ("\\Seen",))])
    assert "2 message(s): 2 stored" in output

    # Nothing new: the next poll finds nothing to do.
    assert "0 message(s)" in poll()
    assert InboundItem.objects.count() == 2 and Case.objects.count() == 1


def test_a_reply_in_the_mailbox_threads_into_its_case(dovecot, configure):
    dovecot.deliver(build(message_id="<imap-2@mail.example.com>"))
    poll()
    case = Case.objects.get()
    dovecot.deliver(build(subject=f"回复：【{case.reference}】", body="补充材料见附件。"))
    poll()
    assert Case.objects.count() == 1
    assert Message.objects.get(case=case, direction="in").body == "补充材料见附件。"


def test_the_received_time_is_when_the_mailbox_got_the_message(dovecot, configure):
    dovecot.deliver(build(), received=datetime(2026, 3, 2, 1, 15, 7, tzinfo=UTC))
    poll()
    item = InboundItem.objects.get()
    # INTERNALDATE, not when we polled (NOW, 02:00 UTC) nor the Date header.
    assert item.received_at == datetime(2026, 3, 2, 1, 15, 7, tzinfo=UTC)
    assert Case.objects.get().received_at == item.received_at


def test_a_crash_between_storing_and_flagging_stores_nothing_twice(dovecot, configure, monkeypatch):
    dovecot.deliver(build(message_id="<imap-3@mail.example.com>"))

    def connection_lost(self: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError("connection reset")

    with monkeypatch.context() as patched:
        patched.setattr("imap_tools.mailbox.BaseMailBox.flag", connection_lost)
        with pytest.raises(CommandError, match="connection reset"):
            poll()
    assert InboundItem.objects.get().status == ItemStatus.PROCESSED
    assert dovecot.flags() == [(SUBJECT, ())]  # not flagged: it will be seen again

    output = poll()
    assert "1 seen before" in output
    assert InboundItem.objects.count() == 1 and Case.objects.count() == 1
    assert dovecot.flags() == [(SUBJECT, ("\\Seen",))]


def test_with_a_processed_folder_each_message_is_moved_there(dovecot, configure):
    configure(processed_folder="Processed")
    dovecot.deliver(build(message_id="<imap-4@mail.example.com>"))
    poll()
    assert Case.objects.count() == 1
    assert dovecot.flags("INBOX") == []
    assert dovecot.flags("Processed") == [(SUBJECT, ("\\Seen",))]


def test_a_wrong_password_fails_the_poll_with_a_clear_error_and_stores_nothing(dovecot, configure):
    configure(password="wrong")
    dovecot.deliver(build())
    with pytest.raises(CommandError, match=r"IMAP poll of 127\.0\.0\.1 failed"):
        poll()
    assert not InboundItem.objects.exists()


def test_missing_settings_are_refused_before_connecting(settings):
    settings.SAFEGUARD_IMAP_HOST = ""
    with pytest.raises(CommandError, match="SAFEGUARD_IMAP_HOST"):
        call_command("intake_imap", "--once")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("23-Nov-2025 13:43:46 +0800", datetime(2025, 11, 23, 5, 43, 46, tzinfo=UTC)),
        (" 2-Mar-2026 01:00:00 +0000", datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC)),
        ("31-Dec-2099 00:00:00 +0000", None),  # in the future: our own clock is used
        ("yesterday", None),
    ],
)
def test_internaldate_is_read_as_an_aware_time(value, expected):
    assert imap.internal_date(value) == expected

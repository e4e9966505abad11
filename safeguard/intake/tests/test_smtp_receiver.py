"""The SMTP receiver driven by a real client: ``smtplib`` → aiosmtpd (``intake.smtp``) → the database.

The receiver stores each message in a worker thread, so these tests are transactional: what the
thread commits is what the test reads. The test task backend runs processing inline, before the
receiver answers, so the case is there when ``sendmail`` returns.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail as outbox
from django.core.management import call_command
from django.db import OperationalError

from safeguard.cases.models import Attachment, Case, Message
from safeguard.cases.tests.support import NOW
from safeguard.cases.tests.test_attachments import PDF
from safeguard.intake import inbound, smtp, tasks
from safeguard.intake.models import InboundItem
from safeguard.intake.tests.email_support import (
    BODY,
    CUSTOMER_ADDRESS,
    INTAKE,
    SUBJECT,
    build,
    stored_files,
    use_attachment_dir,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ItemStatus = InboundItem.Status
EMAIL_PROCESSOR = inbound.PROCESSORS["smtp"]


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    # Ticking: aiosmtpd and the client keep their own clocks moving.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def attachment_dir(settings: Any, tmp_path: Path) -> Path:
    settings.SAFEGUARD_INTAKE_ADDRESSES = [INTAKE]
    return use_attachment_dir(settings, tmp_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def start_server() -> Iterator[Callable[..., int]]:
    """Start a receiver on a free port; returns the port. Stopped after the test."""
    running: list[tuple[smtp.IntakeHandler, Any]] = []

    def start(max_bytes: int | None = None) -> int:
        handler = smtp.IntakeHandler(max_bytes=max_bytes)
        controller = smtp.make_controller(handler, host="127.0.0.1", port=free_port())
        controller.start()
        running.append((handler, controller))
        return int(controller.port)

    yield start
    for handler, controller in running:
        handler.drain(timeout=10)
        controller.stop()


@pytest.fixture
def port(start_server: Callable[..., int]) -> int:
    return start_server()


def send(port: int, raw: bytes, *, mail_from: str = CUSTOMER_ADDRESS) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(mail_from, [INTAKE], raw)


def broken_processor(item: InboundItem, payload: bytes) -> Any:
    raise RuntimeError("processor crashed")


# --- (1) a new complaint, (2) replies that thread into it ------------------------------------------


def test_a_chinese_complaint_with_a_pdf_becomes_a_case_and_the_exact_bytes_are_kept(port, attachment_dir):
    raw = build(message_id="<new-1@mail.example.com>", attachments=[("二月账单.pdf", PDF, "application/pdf")])
    sent_before = len(outbox.outbox)
    send(port, raw)

    item = InboundItem.objects.get()
    assert (item.channel, item.source, item.external_id) == ("email", "smtp", "<new-1@mail.example.com>")
    assert item.status == ItemStatus.PROCESSED, item.error
    # Stored raw, byte for byte, and encrypted at rest; the headers name nobody.
    assert inbound.payload(item) == raw
    assert item.payload_size == len(raw)
    assert b"Message-ID" not in item.payload_enc.encode() and CUSTOMER_ADDRESS not in item.payload_enc
    assert CUSTOMER_ADDRESS not in repr(item.headers) and item.headers["message_id"] == "<new-1@mail.example.com>"

    case = Case.objects.get()
    assert item.case == case
    assert (case.channel, case.subject, case.description) == ("email", SUBJECT, BODY)
    assert Attachment.objects.get(case=case).filename == "二月账单.pdf"
    assert [p.read_bytes() for p in stored_files(attachment_dir)] == [PDF]
    assert len(outbox.outbox) >= sent_before  # an acknowledgement may go out; never more than once
    assert len(outbox.outbox) - sent_before <= 1


def test_replies_thread_into_the_case_by_subject_reference_and_by_in_reply_to(port):
    send(port, build(message_id="<new-2@mail.example.com>"))
    case = Case.objects.get()

    send(port, build(subject=f"Re: 【{case.reference}】{SUBJECT}", body="补充一下", message_id="<r1@mail.example.com>"))
    send(port, build(subject="再补充", body="还有一件事", in_reply_to="<r1@mail.example.com>"))

    assert Case.objects.count() == 1
    replies = Message.objects.filter(case=case, direction="in")
    first = replies.first()
    assert first is not None and first.external_id == "<r1@mail.example.com>"
    assert [m.body for m in replies] == ["补充一下", "还有一件事"]
    assert set(InboundItem.objects.values_list("status", flat=True)) == {ItemStatus.PROCESSED}


# --- (3) auto-replies, (4) bounces, (5) our own mail: nothing opened, nothing sent ----------------


def test_an_auto_reply_opens_nothing_and_sends_nothing(port):
    sent_before = len(outbox.outbox)
    send(port, build(subject="自动回复：休假中", headers={"Auto-Submitted": "auto-replied"}))
    item = InboundItem.objects.get()
    assert item.status == ItemStatus.IGNORED and "Auto-Submitted" in item.error
    assert not Case.objects.exists()
    assert len(outbox.outbox) == sent_before


def test_a_bounce_opens_nothing(port):
    report = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: complaints@bank.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.example.com>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    send(port, report, mail_from="")
    item = InboundItem.objects.get()
    assert item.status == ItemStatus.IGNORED
    assert item.headers["null_sender"] is True
    assert not Case.objects.exists()


def test_mail_from_our_own_address_opens_nothing(port):
    send(port, build(sender=f"投诉中心 <{INTAKE}>"), mail_from=INTAKE)
    assert InboundItem.objects.get().status == ItemStatus.IGNORED
    assert not Case.objects.exists()


# --- (6) HTML-only mail ---------------------------------------------------------------------------


def test_html_only_mail_becomes_text_without_tags_or_scripts(port):
    html = "<html><body><script>document.cookie</script><p>年费<b>扣了两次</b>，</p><div>请退款。</div></body></html>"
    send(port, build(body=None, html=html))
    case = Case.objects.get()
    assert case.description == "年费扣了两次，\n\n请退款。"
    assert "<" not in case.description and "cookie" not in case.description


# --- (7) a processing failure leaves the raw item retryable ------------------------------------------


def test_a_processing_failure_leaves_the_item_failed_and_a_retry_makes_the_case(port, monkeypatch, agent):
    monkeypatch.setitem(inbound.PROCESSORS, "smtp", f"{__name__}.broken_processor")
    raw = build(message_id="<fail-1@mail.example.com>")
    send(port, raw)  # still accepted: the message is stored before it is processed

    item = InboundItem.objects.get()
    assert item.status == ItemStatus.FAILED and "processor crashed" in item.error
    assert not Case.objects.exists()
    assert inbound.payload(item) == raw

    monkeypatch.setitem(inbound.PROCESSORS, "smtp", EMAIL_PROCESSOR)  # the bug is fixed
    done = inbound.retry(item=item, by=agent)
    assert done.status == ItemStatus.PROCESSED
    assert done.case == Case.objects.get()


def test_a_message_not_queued_is_still_accepted_and_the_periodic_task_processes_it(port, monkeypatch, frozen_time):
    class QueueDown:
        def enqueue(self, *args: Any, **kwargs: Any) -> None:
            raise ConnectionError("queue is down")

    monkeypatch.setattr(tasks, "process_inbound_item", QueueDown())
    send(port, build())
    item = InboundItem.objects.get()
    assert item.status == ItemStatus.RECEIVED
    assert not Case.objects.exists()

    frozen_time.shift(tasks.STUCK_AFTER + timedelta(seconds=1))
    assert tasks.process_stuck_items.call() == 1
    assert InboundItem.objects.get().status == ItemStatus.PROCESSED
    assert Case.objects.count() == 1


def test_a_storage_failure_answers_451_so_the_sender_retries(port, monkeypatch):
    def database_down(**kwargs: Any) -> Any:
        raise OperationalError("database is down")

    monkeypatch.setattr(inbound, "receive", database_down)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(port, build(message_id="<retry-1@mail.example.com>"))
    assert refused.value.smtp_code == 451
    assert not InboundItem.objects.exists()

    monkeypatch.undo()
    send(port, build(message_id="<retry-1@mail.example.com>"))  # the sending server tries again
    assert InboundItem.objects.count() == 1 and Case.objects.count() == 1


# --- (8) the same Message-ID twice, (9) too big ----------------------------------------------------


def test_the_same_message_delivered_twice_makes_one_item_and_one_case(port):
    raw = build(message_id="<twice@mail.example.com>")
    send(port, raw)
    send(port, raw)
    assert InboundItem.objects.count() == 1
    assert Case.objects.count() == 1


def test_a_message_without_a_message_id_delivered_twice_is_recognised_by_its_bytes(port):
    raw = b"From: wangfang@example.com\r\nTo: complaints@bank.example\r\nSubject: hi\r\n\r\nno id\r\n"
    send(port, raw)
    send(port, raw)
    assert InboundItem.objects.get().external_id.startswith("sha256:")
    assert Case.objects.count() == 1


def test_an_oversized_message_is_refused_with_552_and_nothing_is_stored(start_server):
    port = start_server(max_bytes=4000)
    raw = build(attachments=[("big.pdf", PDF + b"0" * 8000, "application/pdf")])
    # Announced with SIZE at MAIL FROM (what smtplib does) ...
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(port, raw)
    assert refused.value.smtp_code == 552
    # ... and not announced: refused at the end of DATA.
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        assert client.mail(CUSTOMER_ADDRESS)[0] == 250
        assert client.rcpt(INTAKE)[0] == 250
        code, _message = client.data(raw)
    assert code == 552
    assert not InboundItem.objects.exists()


# --- the command ------------------------------------------------------------------------------------


def test_the_command_serves_until_sigterm_and_then_stops_cleanly():
    port = free_port()
    errors: list[BaseException] = []

    def client() -> None:
        listening = False
        try:
            for _attempt in range(400):  # wait for the server to listen
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        listening = True
                        break
                except OSError:
                    threading.Event().wait(0.05)
            send(port, build(message_id="<cmd-1@mail.example.com>"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            # Only a listening server has its SIGTERM handler installed; otherwise the command
            # failed on its own and the signal would kill the test run.
            if listening:
                os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    out = StringIO()
    sender = threading.Thread(target=client)
    sender.start()
    call_command("intake_smtp", "--host", "127.0.0.1", "--port", str(port), stdout=out)
    sender.join()

    assert errors == []
    assert InboundItem.objects.get().external_id == "<cmd-1@mail.example.com>"
    assert Case.objects.count() == 1
    assert "listening on 127.0.0.1" in out.getvalue() and "stopped" in out.getvalue()
    assert signal.getsignal(signal.SIGTERM) == before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)

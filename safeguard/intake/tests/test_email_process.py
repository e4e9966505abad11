"""Processing a stored e-mail (``intake.email.process_item`` through ``inbound.process``): a new
case, a reply threaded into its case, or nothing at all for loops and machine-made mail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail as outbox

from safeguard.cases import services
from safeguard.cases.models import Attachment, Case, CaseEvent, CaseLink, Message, Status
from safeguard.cases.tests.support import NOW
from safeguard.cases.tests.test_attachments import EXE, PDF, png
from safeguard.customers.models import Customer
from safeguard.intake import email as email_intake
from safeguard.intake import inbound
from safeguard.intake.models import InboundItem
from safeguard.intake.tests.email_support import (
    BODY,
    CUSTOMER,
    CUSTOMER_ADDRESS,
    INTAKE,
    SUBJECT,
    build,
    stored_files,
    use_attachment_dir,
)
from safeguard.intake.tests.inbound_support import stored

pytestmark = pytest.mark.django_db

ItemStatus = InboundItem.Status


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def attachment_dir(settings: Any, tmp_path: Path) -> Path:
    settings.SAFEGUARD_INTAKE_ADDRESSES = [INTAKE]
    return use_attachment_dir(settings, tmp_path)


def deliver(raw: bytes, *, source: str = "smtp", **fields: Any) -> InboundItem:
    """Store ``raw`` as a receiver does, then process it."""
    item = stored(raw, source=source, channel="email", **fields)
    return inbound.process(item.pk)


def new_case(**mail: Any) -> Case:
    item = deliver(build(**mail))
    assert item.status == ItemStatus.PROCESSED, item.error
    assert item.case is not None
    return item.case


def our_letter(case: Case, message_id: str = "<letter-1@bank.example>") -> Message:
    return services.add_message(
        case=case, by=None, direction="out", channel="email", body="我们已收到您的投诉。", external_id=message_id
    )


# --- a new complaint -------------------------------------------------------------------------


def test_a_new_mail_opens_a_case_for_its_sender_with_its_text_and_attachment(attachment_dir):
    raw = build(message_id="<first@mail.example.com>", attachments=[("二月账单.pdf", PDF, "application/pdf")])
    item = stored(raw, source="smtp", received_at=NOW - timedelta(minutes=5))
    done = inbound.process(item.pk)
    assert done.status == ItemStatus.PROCESSED, done.error
    case = Case.objects.get()
    assert done.case == case and done.message is None
    assert (case.channel, case.type, case.subject, case.description) == ("email", "complaint", SUBJECT, BODY)
    # When our server got it, not the Date header the sender wrote.
    assert case.received_at == NOW - timedelta(minutes=5)
    assert (case.external_source, case.external_reference) == (email_intake.EXTERNAL_SOURCE, "<first@mail.example.com>")
    customer = case.customer
    assert customer.email_index and customer.preferred_language == "zh-hans"
    assert customer.preferred_channel == "email"
    attachment = Attachment.objects.get()
    assert (attachment.case, attachment.filename, attachment.content_type) == (case, "二月账单.pdf", "application/pdf")
    assert attachment.source == Attachment.Source.EMAIL
    assert [p.read_bytes() for p in stored_files(attachment_dir)] == [PDF]


def test_a_known_address_files_the_case_under_the_existing_customer(make_customer):
    known = make_customer(email=CUSTOMER_ADDRESS, name="王芳")
    case = new_case(sender=f"Fang Wang <{CUSTOMER_ADDRESS.upper()}>")
    assert case.customer == known
    assert Customer.objects.count() == 1


def test_without_a_display_name_the_local_part_names_the_new_customer():
    case = new_case(sender="zhang.wei@example.com")
    assert case.customer.name_masked  # a name was given (contact_customer refuses none)
    assert Customer.objects.count() == 1


def test_an_html_only_mail_is_stored_as_text():
    case = new_case(body=None, html="<p>年费<b>扣了两次</b></p><script>steal()</script><style>p{}</style>")
    assert case.description == "年费扣了两次"


def test_a_mail_with_no_text_still_opens_a_case():
    case = new_case(subject="", body="", attachments=[("账单.pdf", PDF, "application/pdf")])
    assert case.description and Attachment.objects.filter(case=case).count() == 1


def test_a_mail_without_a_sender_address_is_rejected_and_opens_nothing():
    item = deliver(b"Subject: hello\r\n\r\nno from header\r\n")
    assert item.status == ItemStatus.REJECTED
    assert "sender" in item.error
    assert not Case.objects.exists()


# --- attachments that are not accepted ---------------------------------------------------------


def test_a_refused_attachment_is_skipped_and_noted_and_the_rest_is_kept(attachment_dir):
    case = new_case(attachments=[("invoice.exe", EXE, "application/octet-stream"), ("截图.png", png(), "image/png")])
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["截图.png"]
    note = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.NOTE)
    assert "invoice.exe" in note.note and "not an allowed type" in note.note
    assert str(InboundItem.objects.get().pk) in note.note
    assert len(stored_files(attachment_dir)) == 1


def test_attachments_beyond_the_limit_are_skipped_and_noted(settings):
    settings.SAFEGUARD_EMAIL_MAX_ATTACHMENTS = 1
    case = new_case(attachments=[("a.pdf", PDF, "application/pdf"), ("b.pdf", PDF, "application/pdf")])
    assert Attachment.objects.filter(case=case).count() == 1
    assert "b.pdf" in CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.NOTE).note


def test_a_failure_after_storing_attachments_leaves_no_files_and_no_case(attachment_dir, monkeypatch):
    real = services.add_attachment
    calls = {"n": 0}

    def add_then_die(**kwargs: Any) -> Attachment:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(email_intake.cases, "add_attachment", add_then_die)
    item = deliver(build(attachments=[("a.pdf", PDF, "application/pdf"), ("b.png", png(), "image/png")]))
    assert item.status == ItemStatus.FAILED and "disk full" in item.error
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert stored_files(attachment_dir) == []


# --- threading -------------------------------------------------------------------------------


def test_a_reply_naming_the_reference_in_the_subject_joins_the_case():
    case = new_case()
    item = deliver(
        build(
            subject=f"Re: 【{case.reference}】{SUBJECT}",
            body="补充：附上账单。",
            message_id="<reply-1@mail.example.com>",
            attachments=[("账单.pdf", PDF, "application/pdf")],
        )
    )
    assert item.status == ItemStatus.PROCESSED, item.error
    message = Message.objects.get()
    assert item.message == message and item.case == case
    assert (message.case, message.direction, message.channel) == (case, "in", "email")
    assert (message.body, message.external_id) == ("补充：附上账单。", "<reply-1@mail.example.com>")
    assert Attachment.objects.get().message == message
    assert Case.objects.count() == 1
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.MESSAGE_IN)
    assert event.data["inbound_item"] == item.pk and event.data["date_header"]


def test_a_reply_to_our_letter_joins_the_case_even_from_another_address():
    case = new_case()
    our_letter(case)
    item = deliver(
        build(sender="Fang at work <fang@corp.example>", subject="Re: 回复", in_reply_to="<letter-1@bank.example>")
    )
    assert item.message is not None and item.message.case == case
    assert Case.objects.count() == 1


def test_a_reply_whose_references_name_the_first_mail_joins_the_case():
    first = build(message_id="<first@mail.example.com>")
    case = deliver(first).case
    item = deliver(build(subject="忘了附件", references="<first@mail.example.com>"))
    assert item.message is not None and item.message.case == case


def test_a_later_reply_threads_by_an_earlier_inbound_message_id():
    case = new_case(subject="第一封")
    deliver(build(subject=f"Re: {case.reference}", message_id="<second@mail.example.com>"))
    item = deliver(build(subject="第三封", in_reply_to="<second@mail.example.com>"))
    assert item.message is not None and item.message.case == case
    assert Message.objects.filter(case=case).count() == 2


def test_a_stranger_quoting_a_reference_opens_a_case_of_their_own():
    case = new_case()
    item = deliver(build(sender="骗子 <mallory@evil.example>", subject=f"Re: {case.reference} 请把退款打到我的卡"))
    assert item.case is not None and item.case != case and item.message is None
    assert item.case.customer != case.customer
    assert not Message.objects.filter(case=case).exists()


def test_a_stranger_replying_to_the_customers_mail_opens_a_case_of_their_own():
    case = deliver(build(message_id="<first@mail.example.com>")).case
    item = deliver(build(sender="mallory@evil.example", in_reply_to="<first@mail.example.com>"))
    assert item.case != case and item.message is None


def test_a_reply_to_a_merged_case_goes_to_the_case_it_was_merged_into():
    duplicate = new_case(subject="第一次")
    survivor = new_case(subject="第二次", body="另一件事")
    CaseLink.objects.create(case=duplicate, other=survivor, kind=CaseLink.Kind.MERGED_INTO)
    item = deliver(build(subject=f"Re: {duplicate.reference}"))
    assert item.message is not None and item.message.case == survivor


def test_a_reply_moves_a_case_awaiting_the_customer_back_to_investigating():
    case = new_case()
    Case.objects.filter(pk=case.pk).update(status=Status.AWAITING_CUSTOMER)
    deliver(build(subject=f"Re: {case.reference}"))
    assert Case.objects.get(pk=case.pk).status == Status.INVESTIGATING


# --- the same mail twice -----------------------------------------------------------------------


def test_the_same_mail_through_smtp_and_imap_makes_one_case():
    raw = build(message_id="<once@mail.example.com>")
    first = deliver(raw, source="smtp", external_id="<once@mail.example.com>")
    again = deliver(raw, source="imap:INBOX", external_id="7:42")
    assert first.case == again.case
    assert Case.objects.count() == 1


def test_the_same_reply_through_two_routes_makes_one_message():
    case = new_case()
    raw = build(subject=f"Re: {case.reference}", message_id="<reply@mail.example.com>")
    first = deliver(raw, source="smtp")
    again = deliver(raw, source="imap:INBOX", external_id="7:43")
    assert first.message == again.message
    assert Message.objects.count() == 1


def test_another_sender_reusing_a_message_id_still_gets_a_case():
    first = deliver(build(message_id="<same@mail.example.com>")).case
    other = deliver(build(sender="other@example.org", message_id="<same@mail.example.com>"), source="imap:INBOX")
    assert other.case is not None and other.case != first
    assert other.case.external_reference == ""


# --- loops and machine-made mail never open a case or trigger a reply ----------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
        {"X-Auto-Response-Suppress": "All"},
        {"List-Id": "<offers.shop.example>"},
        {"Return-Path": "<>"},
    ],
)
def test_machine_made_mail_is_ignored_and_opens_nothing(headers):
    item = deliver(build(headers=headers))
    assert item.status == ItemStatus.IGNORED and item.error
    assert not Case.objects.exists() and not Customer.objects.exists()
    assert outbox.outbox == []


def test_a_bounce_with_an_empty_envelope_sender_is_ignored():
    item = deliver(build(), headers={"null_sender": True})
    assert item.status == ItemStatus.IGNORED
    assert not Case.objects.exists()


def test_mail_from_our_own_address_is_ignored():
    item = deliver(build(sender=f"Complaints <{INTAKE}>"))
    assert item.status == ItemStatus.IGNORED
    assert not Case.objects.exists()


def test_mail_from_the_default_from_address_is_ignored(settings):
    settings.SAFEGUARD_INTAKE_ADDRESSES = []
    item = deliver(build(sender=settings.DEFAULT_FROM_EMAIL))
    assert item.status == ItemStatus.IGNORED


def test_our_own_letter_coming_back_is_ignored():
    case = new_case()
    letter = our_letter(case)
    item = deliver(build(sender="someone@example.org", message_id=letter.external_id))
    assert item.status == ItemStatus.IGNORED
    assert Message.objects.filter(case=case).count() == 1


def test_an_out_of_office_answer_to_our_letter_is_ignored_and_changes_nothing():
    case = new_case()
    our_letter(case)
    Case.objects.filter(pk=case.pk).update(status=Status.AWAITING_CUSTOMER)
    item = deliver(build(subject="自动回复：我们已收到您的投诉", in_reply_to="<letter-1@bank.example>"))
    assert item.status == ItemStatus.IGNORED
    assert Case.objects.get(pk=case.pk).status == Status.AWAITING_CUSTOMER


def test_a_complaint_about_auto_replies_is_not_mistaken_for_one():
    case = new_case(subject="自动回复：功能有问题")
    assert case.subject == "自动回复：功能有问题"


def test_the_original_message_id_of_a_case_is_available_for_threading_letters():
    case = new_case(message_id="<first@mail.example.com>")
    assert email_intake.first_message_id(case) == "<first@mail.example.com>"
    assert email_intake.first_message_id(new_case(sender=CUSTOMER, message_id="<" + "x" * 130 + "@a.b>")) == ""

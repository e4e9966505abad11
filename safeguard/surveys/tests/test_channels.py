"""Survey invitations go by the customer's channel: a text message to those who prefer SMS (or
phone) and have a number, an e-mail otherwise, nothing without an address (``no_address``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory

from safeguard.audit.models import AuditEntry
from safeguard.cases.tests.support import NOW
from safeguard.core import sms
from safeguard.customers.models import Customer
from safeguard.surveys import services, tokens
from safeguard.surveys.models import Purpose, SurveyInvitation

pytestmark = pytest.mark.django_db

Status = SurveyInvitation.Status
PUBLIC = "https://complaints.example.com"


@pytest.fixture(autouse=True)
def empty_outboxes(settings: Any) -> Iterator[None]:
    settings.SAFEGUARD_PUBLIC_URL = PUBLIC
    settings.SAFEGUARD_REPORTS_INSTITUTION = "Harbour Bank"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


# --- which channel ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preferred", "has_email", "has_phone", "channel"),
    [
        ("email", True, True, "email"),
        ("email", True, False, "email"),
        ("email", False, True, "sms"),  # a number is all we have: a text, as tracking codes go
        ("email", False, False, ""),
        ("sms", True, True, "sms"),
        ("sms", False, True, "sms"),
        ("sms", True, False, "email"),  # prefers texts but left no number
        ("sms", False, False, ""),
        ("phone", True, True, "sms"),  # we do not ring customers for a survey: they get a text
        ("phone", True, False, "email"),
        ("phone", False, False, ""),
        ("post", True, True, "email"),
        ("portal", False, True, "sms"),
        ("post", False, False, ""),
    ],
)
def test_the_channel_follows_the_preference_and_what_is_on_file(preferred, has_email, has_phone, channel):
    assert services.choose_channel(preferred=preferred, has_email=has_email, has_phone=has_phone) == channel


@pytest.mark.parametrize(
    ("preferred", "email", "phone", "channel"),
    [
        ("email", "li.na@example.com", "13912345678", "email"),
        ("email", "", "13912345678", "sms"),
        ("sms", "li.na@example.com", "13912345678", "sms"),
        ("sms", "li.na@example.com", "", "email"),
        ("phone", "", "13912345678", "sms"),
        ("sms", "", "", ""),
        ("email", "", "", ""),
    ],
)
def test_a_customers_channel_is_read_from_their_profile(make_customer, preferred, email, phone, channel):
    customer = make_customer(preferred_channel=preferred, email=email, phone=phone)
    assert services.invitation_channel(customer) == channel


def test_the_case_invitation_keeps_the_channel_it_was_chosen_for(decided_case, make_customer):
    texted = services.invite(case=decided_case(customer=make_customer(preferred_channel="sms")), now=NOW)
    mailed = services.invite(case=decided_case(customer=make_customer(preferred_channel="email")), now=NOW)
    assert texted is not None and mailed is not None
    assert (texted.channel, mailed.channel) == ("sms", "email")
    entries = AuditEntry.objects.filter(action="survey.invite").order_by("id")
    assert [e.changes["channel"] for e in entries] == ["sms", "email"]


# --- no address ----------------------------------------------------------------------------------


def test_a_customer_with_neither_an_email_nor_a_phone_is_skipped_with_no_address(decided_case, make_customer):
    case = decided_case(customer=make_customer(preferred_channel="sms", email="", phone=""))
    assert services.invite(case=case, now=NOW) is None
    skipped = SurveyInvitation.objects.get(case=case)
    assert (skipped.status, skipped.skip_reason, skipped.channel) == (Status.SKIPPED, "no_address", "")
    entry = AuditEntry.objects.get(action="survey.skip")
    assert entry.object_id == str(skipped.pk)
    assert entry.changes["reason"] == "no_address"
    assert entry.changes["case"] == case.reference
    assert sms.outbox == [] and mail.outbox == []


def test_consent_is_checked_before_the_address(decided_case, make_customer):
    case = decided_case(customer=make_customer(has_contact_consent=False, email="", phone=""))
    services.invite(case=case, now=NOW)
    assert SurveyInvitation.objects.get(case=case).skip_reason == "no_consent"


def panel(user: Any, case: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load survey_tags %}{% case_survey case %}").render(Context({"request": request, "case": case}))


def test_the_case_page_explains_both_the_new_and_the_old_reason(agent, decided_case, make_customer):
    case = decided_case(customer=make_customer(email="", phone=""))
    services.invite(case=case, now=NOW)
    assert "No survey was sent (the customer has neither an e-mail address nor a phone number)." in panel(agent, case)
    # A row written before text messages existed keeps its reason, and still reads as a sentence.
    SurveyInvitation.objects.filter(case=case).update(skip_reason="no_email")
    assert "No survey was sent (the customer has no e-mail address)." in panel(agent, case)


def test_eligible_customers_need_an_email_or_a_phone_and_consent(make_customer):
    by_mail = make_customer(phone="")
    by_text = make_customer(email="")
    prefers_texts = make_customer(preferred_channel="sms")
    make_customer(email="", phone="")
    make_customer(preferred_channel="sms", has_contact_consent=False)
    eligible = set(services.eligible_customers(now=NOW).values_list("pk", flat=True))
    assert eligible == {by_mail.pk, by_text.pk, prefers_texts.pk}


# --- relationship surveys by text -----------------------------------------------------------------


def test_a_relationship_invitation_by_sms_carries_the_link_and_nothing_personal(make_customer):
    customer = make_customer(preferred_channel="sms", preferred_language="en")
    sample = services.sample_relationship(now=NOW, size=1)
    assert (sample.sent, sample.failed) == (1, 0)
    invitation = SurveyInvitation.objects.get(pk=sample.invitation_ids[0])
    assert (invitation.channel, invitation.status, invitation.sent_at) == ("sms", Status.SENT, NOW)
    assert mail.outbox == []
    [message] = sms.outbox
    url = tokens.public_url(invitation)
    assert message.body == f"Harbour Bank: how did we do? Rate us: {url} (link valid until April 1, 2026)"
    for personal in ("张伟", customer.customer_no, "@example.com", "1101011990", message.to, "6222020200"):
        assert personal not in message.body
    # The text around the link stays short: the link itself is the long part.
    assert len(message.body) - len(url) < 80


def test_the_text_goes_to_the_customers_own_number(make_customer):
    make_customer(preferred_channel="sms", phone="13912345678")
    services.sample_relationship(now=NOW, size=1)
    assert [m.to for m in sms.outbox] == ["13912345678"]


def test_a_chinese_speaking_customer_gets_the_text_in_chinese_form(make_customer, settings):
    settings.SAFEGUARD_REPORTS_INSTITUTION_ZH = "港湾银行"
    make_customer(preferred_channel="sms", preferred_language="zh-hans")
    services.sample_relationship(now=NOW, size=1)
    [message] = sms.outbox
    # Rendered under the invitation's language: the Chinese name and the Chinese date.
    assert message.body.startswith("港湾银行")
    assert "2026年4月1日" in message.body


def test_a_mixed_sample_goes_by_each_customers_channel_and_the_audit_says_which(make_customer):
    texted = make_customer(preferred_channel="sms")
    mailed = make_customer(preferred_channel="email")
    sample = services.sample_relationship(now=NOW, size=2)
    assert (sample.sent, sample.failed) == (2, 0)
    by_customer = dict(SurveyInvitation.objects.filter(pk__in=sample.invitation_ids).values_list("customer_id", "pk"))
    assert len(sms.outbox) == 1 and len(mail.outbox) == 1
    assert tokens.public_url(SurveyInvitation.objects.get(pk=by_customer[texted.pk])) in sms.outbox[0].body
    assert tokens.public_url(SurveyInvitation.objects.get(pk=by_customer[mailed.pk])) in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="survey.send")
    assert entry.changes["channels"] == {"email": [by_customer[mailed.pk]], "sms": [by_customer[texted.pk]]}
    assert sorted(entry.changes["sent"]) == sorted(sample.invitation_ids)
    # The number and the text are not in the audit log.
    assert sms.outbox[0].to not in str(entry.changes)


def test_a_text_invitation_is_sent_at_most_once(make_customer):
    make_customer(preferred_channel="sms")
    [pk] = services.sample_relationship(now=NOW, size=1, send=False).invitation_ids
    assert services.send_invitation(pk, now=NOW) == "sent"
    assert services.send_invitation(pk, now=NOW) == ""
    assert services.send_pending([pk], now=NOW) == {"sent": 0, "failed": 0}
    assert len(sms.outbox) == 1


def test_a_gateway_failure_frees_the_customer_and_logs_neither_number_nor_text(make_customer, settings, caplog):
    customer = make_customer(preferred_channel="sms", phone="13912345678")
    settings.SAFEGUARD_SMS_BACKEND = "safeguard.core.sms.DisabledBackend"
    with caplog.at_level(logging.DEBUG):
        sample = services.sample_relationship(now=NOW, size=1)
    assert (sample.sent, sample.failed) == (0, 1)
    invitation = SurveyInvitation.objects.get(pk=sample.invitation_ids[0])
    assert (invitation.status, invitation.skip_reason, invitation.sent_at) == (Status.SKIPPED, "send_failed", None)
    assert "SmsNotConfigured" in caplog.text
    assert "13912345678" not in caplog.text and "/surveys/" not in caplog.text
    assert sms.outbox == []
    # A failed send does not count towards the cap: the next sample may pick the customer again.
    assert services.sample_relationship(now=NOW, size=1, dry_run=True).picked == 1
    assert customer.pk in set(services.eligible_customers(now=NOW).values_list("pk", flat=True))


def test_a_number_removed_after_the_sample_fails_that_invitation_only(make_customer):
    customer = make_customer(preferred_channel="sms", email="")
    [pk] = services.sample_relationship(now=NOW, size=1, send=False).invitation_ids
    Customer.objects.filter(pk=customer.pk).update(phone_enc="", phone_masked="", phone_index="")
    assert services.send_invitation(pk, now=NOW) == "failed"
    assert SurveyInvitation.objects.get(pk=pk).skip_reason == "send_failed"
    assert sms.outbox == [] and mail.outbox == []


def test_a_customer_without_consent_gets_no_text(make_customer, decided_case):
    customer = make_customer(preferred_channel="sms", has_contact_consent=False)
    assert services.sample_relationship(now=NOW, size=10).picked == 0
    assert services.invite(case=decided_case(customer=customer), now=NOW) is None
    assert sms.outbox == [] and mail.outbox == []


def test_an_invitation_from_before_channels_goes_by_email(make_customer):
    customer = make_customer(preferred_channel="sms")
    invitation = SurveyInvitation.objects.create(
        customer=customer,
        purpose=Purpose.RELATIONSHIP,
        kinds=["nps"],
        nonce=tokens.new_nonce(),
        language="en",
        channel="",
        status=Status.PENDING,
        created_at=NOW - timedelta(hours=1),
        expires_at=NOW + timedelta(days=30),
    )
    assert services.send_pending([invitation.pk], now=NOW) == {"sent": 1, "failed": 0}
    assert len(mail.outbox) == 1 and sms.outbox == []

"""The post-case survey invitation goes as a text message when that is the survey's channel: once,
on the timeline, marked sent by SMS, retried like a letter when the gateway fails.

The clock is frozen at Monday 2 March 2026 10:00 in Shanghai; tests move it with ``frozen_time``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case, CaseEvent
from safeguard.cases.tests.support import NOW
from safeguard.core import sms
from safeguard.intake import letters
from safeguard.intake.models import Letter
from safeguard.intake.tests.letters_support import open_case, resolve
from safeguard.surveys.models import SurveyInvitation

pytestmark = pytest.mark.django_db

Kind = Letter.Kind
LINK = re.compile(r"https://complaints\.example\.com/surveys/[^/\s]+/")
NUMBER = "13912345678"


@pytest.fixture(autouse=True)
def frozen_time(settings: Any) -> Iterator[Any]:
    settings.SAFEGUARD_PUBLIC_URL = "https://complaints.example.com"
    settings.SAFEGUARD_REPORTS_INSTITUTION = "Harbour Bank"
    cache.clear()  # the survey page's rate-limit counters
    sms.outbox.clear()
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
    sms.outbox.clear()
    cache.clear()


@pytest.fixture
def decided(make_customer: Callable[..., Any], departments: Any, agent: Any) -> Callable[..., Case]:
    """A complaint decided now, of a customer who prefers text messages (unless told otherwise)."""

    def make(**customer_fields: Any) -> Case:
        fields = {"preferred_channel": "sms", "phone": NUMBER, "preferred_language": "en", **customer_fields}
        return resolve(open_case(make_customer(**fields), departments["cards"]), agent)

    return make


class RefusingGateway:
    """A gateway that refuses, quoting the number as some do."""

    calls = 0

    def send(self, to: str, body: str) -> None:
        RefusingGateway.calls += 1
        raise RuntimeError(f"gateway refused {to}: quota exceeded")


def survey_letter(case: Case) -> Letter:
    return Letter.objects.get(case=case, kind=Kind.SURVEY_INVITATION)


def survey_mails() -> list[Any]:
    return [m for m in mail.outbox if LINK.search(str(m.body))]


def test_the_survey_goes_by_text_once_even_when_the_outbox_runs_again(client, decided, frozen_time):
    case = decided()
    letters.send_due()
    assert sms.outbox == []  # not before SAFEGUARD_SURVEY_INVITATION_HOURS
    frozen_time.shift(timedelta(hours=24))
    assert letters.send_due()["sent"] == 1
    letters.send_due()
    frozen_time.shift(timedelta(days=1))
    letters.send_due()
    letter = survey_letter(case)
    assert letters.deliver(letter.pk) == Letter.Status.SENT  # a stray retry sends nothing either
    [text] = sms.outbox
    assert text.to == NUMBER
    [link] = LINK.findall(text.body)
    assert text.body.startswith("Harbour Bank: how did we do?")
    assert survey_mails() == []
    # The acknowledgement and the final response still go by e-mail: only the survey is a text.
    assert sorted(Letter.objects.filter(case=case, message__channel="email").values_list("kind", flat=True)) == [
        Kind.ACKNOWLEDGEMENT,
        Kind.FINAL_RESPONSE,
    ]
    assert len(mail.outbox) == 2

    assert (letter.status, letter.attempts, letter.error) == (Letter.Status.SENT, 1, "")
    invitation = SurveyInvitation.objects.get(case=case)
    assert (invitation.status, invitation.channel) == (SurveyInvitation.Status.SENT, "sms")
    assert invitation.sent_at == NOW + timedelta(hours=24)
    assert AuditEntry.objects.get(action="survey.sent").changes == {"channel": "sms"}
    assert client.get(urlsplit(link).path).status_code == 200


def test_the_text_is_on_the_timeline_with_its_words_and_channel(decided, frozen_time):
    case = decided()
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    letter = survey_letter(case)
    [text] = sms.outbox
    message = letter.message
    assert message is not None
    assert (message.direction, message.body, message.subject, message.external_id) == ("out", text.body, "", "")
    assert message.channel == letters.TEXT_MESSAGE_CHANNEL
    event = CaseEvent.objects.get(case=case, kind="message_out", message=message)
    assert event.data["letter"] == Kind.SURVEY_INVITATION
    assert event.data["letter_id"] == letter.pk
    assert event.data["sent_by"] == "sms"
    # The number is nowhere in the record: not on the message, the event or the audit entries.
    assert NUMBER not in message.body
    assert not AuditEntry.objects.filter(changes__icontains=NUMBER).exists()


def test_a_customer_who_prefers_email_still_gets_the_survey_letter(decided, frozen_time):
    case = decided(preferred_channel="email")
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    assert sms.outbox == []
    assert len(survey_mails()) == 1
    assert SurveyInvitation.objects.get(case=case).channel == "email"
    message = survey_letter(case).message
    assert message is not None and message.channel == "email"


def test_a_customer_with_only_a_phone_number_is_texted(decided, frozen_time):
    case = decided(preferred_channel="email", email="")
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    assert survey_letter(case).status == Letter.Status.SENT
    assert len(sms.outbox) == 1 and survey_mails() == []


def test_without_consent_nothing_is_sent_by_any_channel(decided, frozen_time):
    case = decided(has_contact_consent=False)
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    letter = survey_letter(case)
    assert (letter.status, letter.error) == (Letter.Status.SKIPPED, "no_consent")
    assert sms.outbox == [] and survey_mails() == []


def test_without_any_address_the_survey_is_skipped_with_no_address(decided, frozen_time):
    case = decided(email="", phone="")
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    letter = survey_letter(case)
    assert (letter.status, letter.error) == (Letter.Status.SKIPPED, "no_address")
    assert AuditEntry.objects.get(action="survey.skip").changes["reason"] == "no_address"
    assert sms.outbox == []


def test_a_gateway_failure_is_a_failed_letter_retried_later_and_sent_once(decided, settings, frozen_time):
    case = decided()
    settings.SAFEGUARD_SMS_BACKEND = f"{__name__}.RefusingGateway"
    RefusingGateway.calls = 0
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    letter = survey_letter(case)
    assert (letter.status, letter.attempts) == (Letter.Status.FAILED, 1)
    assert "RuntimeError" in letter.error and "quota exceeded" in letter.error
    assert NUMBER not in letter.error and case.customer.phone_masked in letter.error
    assert SurveyInvitation.objects.get(case=case).status == SurveyInvitation.Status.PENDING
    assert survey_mails() == []  # a failed text does not turn into an e-mail

    letters.send_due()  # too early for the retry
    assert RefusingGateway.calls == 1
    settings.SAFEGUARD_SMS_BACKEND = "safeguard.core.sms.LocmemBackend"
    frozen_time.shift(timedelta(minutes=settings.SAFEGUARD_LETTER_RETRY_MINUTES + 1))
    letters.send_due()
    letters.send_due()
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (Letter.Status.SENT, 2)
    assert len(sms.outbox) == 1
    invitation = SurveyInvitation.objects.get(case=case)
    assert (invitation.status, invitation.channel) == (SurveyInvitation.Status.SENT, "sms")


def test_after_the_last_failed_text_staff_are_told_by_note(decided, settings, frozen_time):
    case = decided()
    settings.SAFEGUARD_SMS_BACKEND = "safeguard.core.sms.DisabledBackend"
    settings.SAFEGUARD_LETTER_MAX_ATTEMPTS = 2
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    frozen_time.shift(timedelta(minutes=settings.SAFEGUARD_LETTER_RETRY_MINUTES + 1))
    letters.send_due()
    frozen_time.shift(timedelta(days=1))
    letters.send_due()
    letter = survey_letter(case)
    assert (letter.status, letter.attempts) == (Letter.Status.FAILED, 2)
    assert "SmsNotConfigured" in letter.error
    [note] = CaseEvent.objects.filter(case=case, kind="note").values_list("note", flat=True)
    assert "could not be sent by text message after 2 attempts" in note
    assert NUMBER not in note
    assert sms.outbox == []


def test_an_interrupted_text_is_never_resent_and_staff_check_the_gateway(decided, frozen_time):
    case = decided()
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()  # claims and sends the acknowledgement, final response and survey
    letter = survey_letter(case)
    # As if a worker died after the gateway took the text and before the letter was marked sent.
    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.PENDING, attempts=1, error="", message=None)
    sms.outbox.clear()
    frozen_time.shift(letters.STUCK_AFTER + timedelta(minutes=1))
    assert letters.send_due()["interrupted"] == 1
    notes = list(CaseEvent.objects.filter(case=case, kind="note").values_list("note", flat=True))
    assert any("by text message was interrupted" in n and "SMS gateway" in n for n in notes)
    assert sms.outbox == []

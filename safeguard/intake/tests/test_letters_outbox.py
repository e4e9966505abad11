"""Sending letters: once per case whatever runs twice, recorded on the timeline, skipped without an
address, retried after a failure, never for imported history.

The clock is frozen at Monday 2 March 2026 10:00 in Shanghai; tests move it with ``frozen_time``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail

from safeguard.accounts.models import Department
from safeguard.cases import services
from safeguard.cases.models import Case, CaseEvent, Message, Resolution
from safeguard.cases.tests.support import NOW
from safeguard.intake import letters
from safeguard.intake.models import Letter
from safeguard.intake.services import submit
from safeguard.intake.tasks import send_due_letters
from safeguard.intake.tests.letters_support import FailingBackend, open_case, resolve

pytestmark = pytest.mark.django_db

Kind = Letter.Kind


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_case(make_customer: Callable[..., Any], departments: dict[str, Department]) -> Callable[..., Case]:
    def make(language: str = "en", customer: Any = None, **overrides: Any) -> Case:
        customer = customer or make_customer(preferred_language=language)
        return open_case(customer, departments["cards"], **overrides)

    return make


@pytest.fixture
def failing_mail(settings: Any) -> Iterator[None]:
    locmem = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "safeguard.intake.tests.letters_support.FailingBackend"}}
    FailingBackend.calls = 0
    yield
    settings.MAILERS = locmem


def sent(kind: str | None = None) -> list[Letter]:
    rows = Letter.objects.filter(status=Letter.Status.SENT).order_by("id")  # claimed in this order
    return list(rows.filter(kind=kind) if kind else rows)


def notes(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case, kind="note").values_list("note", flat=True))


# --- the acknowledgement, once ----------------------------------------------------------------


def test_the_outbox_acknowledges_a_new_case_once_even_when_it_runs_twice(make_case):
    case = make_case("en")
    letters.send_due()
    letters.send_due()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.subject == f"[{case.reference}] We have received your complaint"
    assert email.to == [f"{case.customer.email_masked[:0]}{_address(case)}"]
    letter = Letter.objects.get(case=case, kind=Kind.ACKNOWLEDGEMENT)
    assert letter.status == Letter.Status.SENT
    assert letter.attempts == 1
    assert letter.sent_at == NOW


def _address(case: Case) -> str:
    from safeguard.customers.services import contact_address

    return contact_address(case.customer, "email")


def test_submit_enqueues_the_acknowledgement_and_the_outbox_does_not_repeat_it(
    django_capture_on_commit_callbacks, departments
):
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(
            by=None,
            channel="portal",
            type="complaint",
            name="王芳",
            email="wang.fang@example.com",
            description="信用卡年费被重复扣收。",
            preferred_language="zh-hans",
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang.fang@example.com"]
    assert mail.outbox[0].subject == f"【{case.reference}】我们已收到您的投诉"
    letters.send_due()
    send_due_letters.enqueue()
    letters.send_acknowledgement(case.pk)
    assert len(mail.outbox) == 1
    assert Letter.objects.filter(case=case).count() == 1


def test_the_sent_letter_is_on_the_timeline_with_its_text_and_message_id(make_case):
    case = make_case("zh-hans")
    letters.send_due()
    email = mail.outbox[0]
    letter = Letter.objects.get(case=case, kind=Kind.ACKNOWLEDGEMENT)
    assert letter.message_id is not None
    message = Message.objects.get(pk=letter.message_id)
    assert message.case_id == case.pk
    assert message.direction == Message.Direction.OUTBOUND
    assert message.channel == "email"
    assert message.author is None
    assert message.subject == email.subject
    assert message.body == email.body
    assert "最迟于2026年3月17日（星期二）向您作出最终答复" in message.body
    header = message_from_bytes(email.message().as_bytes())
    assert message.external_id == header["Message-ID"]
    assert message.external_id.endswith(f"@{django_settings.DEFAULT_FROM_EMAIL.rpartition('@')[2]}>")
    assert header["Auto-Submitted"] == "auto-generated"
    event = CaseEvent.objects.get(case=case, kind="message_out")
    assert event.data["letter"] == Kind.ACKNOWLEDGEMENT
    assert event.actor_label == "system"


def test_an_automatic_letter_does_not_meet_the_first_response(make_case):
    case = make_case("en")
    letters.send_due()
    assert case.milestones.get(milestone="first_response").met_at is None


def test_a_letter_threads_under_the_customers_own_mail(make_case):
    case = make_case("en", channel="email")
    services.add_message(
        case=case,
        by=None,
        direction="in",
        channel="email",
        body="My card was charged twice.",
        external_id="<abc123@mail.example.com>",
    )
    letters.send_due()
    header = message_from_bytes(mail.outbox[0].message().as_bytes())
    assert header["In-Reply-To"] == "<abc123@mail.example.com>"
    assert header["References"] == "<abc123@mail.example.com>"


def test_the_acknowledgement_of_a_case_opened_by_mail_threads_under_that_mail(make_case):
    # The opening mail is not a Message on the case (it is the description); its Message-ID is
    # the case's external reference.
    case = make_case("en", channel="email")
    Case.objects.filter(pk=case.pk).update(
        external_source="email:message-id", external_reference="<first@mail.example>"
    )
    letters.send_due()
    header = message_from_bytes(mail.outbox[0].message().as_bytes())
    assert header["In-Reply-To"] == "<first@mail.example>"


def test_a_claimed_letter_cannot_be_claimed_again(make_case):
    case = make_case("en")
    assert letters.claim(case=case, kind=Kind.ACKNOWLEDGEMENT) is not None
    assert letters.claim(case=case, kind=Kind.ACKNOWLEDGEMENT) is None
    assert Letter.objects.filter(case=case).count() == 1


def test_an_attempt_is_taken_by_one_worker_only(make_case):
    case = make_case("en")
    letter = letters.claim(case=case, kind=Kind.ACKNOWLEDGEMENT)
    assert letter is not None
    stale = Letter.objects.get(pk=letter.pk)
    assert letters.deliver(letter.pk) == Letter.Status.SENT
    # A second worker holding the row as it was before the first attempt gets nothing to do.
    assert letters._start(stale) == 0
    assert letters.deliver(letter.pk) == Letter.Status.SENT
    assert len(mail.outbox) == 1


# --- languages ------------------------------------------------------------------------------


def test_each_customer_gets_letters_in_their_own_language(make_case):
    english = make_case("en")
    chinese = make_case("zh-hans")
    letters.send_due()
    by_ref = {email.subject: email for email in mail.outbox}
    assert f"[{english.reference}] We have received your complaint" in by_ref
    assert f"【{chinese.reference}】我们已收到您的投诉" in by_ref
    assert Letter.objects.get(case=chinese).language == "zh-hans"
    assert "尊敬的客户" in by_ref[f"【{chinese.reference}】我们已收到您的投诉"].body


# --- no address, no consent -------------------------------------------------------------------


def test_without_an_email_address_the_letter_is_skipped_and_staff_are_told(make_case, make_customer):
    case = make_case(customer=make_customer(email="", preferred_language="en"))
    letters.send_due()
    assert mail.outbox == []
    letter = Letter.objects.get(case=case)
    assert letter.status == Letter.Status.SKIPPED
    assert letter.error == "no_email"
    [note] = notes(case)
    assert "no e-mail address" in note
    assert "by post" in note
    letters.send_due()
    assert len(notes(case)) == 1


def test_a_regulatory_letter_goes_without_contact_consent_but_a_survey_does_not(
    make_case, make_customer, agent, frozen_time
):
    customer = make_customer(preferred_language="en", has_contact_consent=False)
    case = resolve(make_case(customer=customer), agent)
    letters.send_due()
    assert {letter.kind for letter in sent()} == {Kind.ACKNOWLEDGEMENT, Kind.FINAL_RESPONSE}
    frozen_time.shift(timedelta(hours=25))
    letters.send_due()
    survey = Letter.objects.get(case=case, kind=Kind.SURVEY_INVITATION)
    assert survey.status == Letter.Status.SKIPPED
    assert survey.error == "no_consent"
    assert notes(case) == []
    assert len(mail.outbox) == 2


# --- failures and retries ---------------------------------------------------------------------


def test_a_failed_send_is_recorded_and_retried_with_backoff(make_case, failing_mail, settings, frozen_time):
    case = make_case("en")
    letters.send_due()
    letter = Letter.objects.get(case=case)
    assert letter.status == Letter.Status.FAILED
    assert letter.attempts == 1
    assert "ConnectionRefusedError: mail server unreachable" in letter.error
    assert not Message.objects.filter(case=case, direction="out").exists()

    letters.send_due()  # too early: the next attempt waits 5 minutes
    assert FailingBackend.calls == 1
    frozen_time.shift(timedelta(minutes=5))
    letters.send_due()
    assert FailingBackend.calls == 2
    assert Letter.objects.get(pk=letter.pk).attempts == 2

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    frozen_time.shift(timedelta(minutes=10))  # attempt 3 may start 15 minutes after the claim
    letters.send_due()
    letter.refresh_from_db()
    assert letter.status == Letter.Status.SENT
    assert letter.attempts == 3
    assert letter.error == ""
    assert len(mail.outbox) == 1
    assert Message.objects.filter(case=case, direction="out").count() == 1


def test_after_the_last_attempt_staff_are_told_and_nothing_more_is_tried(
    make_case, failing_mail, settings, frozen_time
):
    settings.SAFEGUARD_LETTER_MAX_ATTEMPTS = 2
    case = make_case("en")
    letters.send_due()
    frozen_time.shift(timedelta(minutes=5))
    letters.send_due()
    frozen_time.shift(timedelta(days=1))
    letters.send_due()
    assert FailingBackend.calls == 2
    letter = Letter.objects.get(case=case)
    assert (letter.status, letter.attempts) == (Letter.Status.FAILED, 2)
    [note] = notes(case)
    assert "could not be e-mailed after 2 attempts" in note


def test_an_interrupted_send_is_never_repeated_and_staff_are_asked_to_check(make_case, frozen_time):
    case = make_case("en")
    letter = letters.claim(case=case, kind=Kind.ACKNOWLEDGEMENT)
    assert letter is not None
    # The worker took the attempt, the mail may have gone, and it died before recording it.
    assert letters._start(letter) == 1
    letters.send_due()
    assert mail.outbox == []
    assert notes(case) == []  # it may still be sending
    frozen_time.shift(letters.STUCK_AFTER)
    letters.send_due()
    letters.send_due()
    assert mail.outbox == []
    letter.refresh_from_db()
    assert letter.status == Letter.Status.PENDING
    assert "Interrupted" in letter.error
    [note] = notes(case)
    assert "Check the mail server's log" in note


# --- what is owed -----------------------------------------------------------------------------


def test_imported_and_historical_cases_get_no_letters(make_case, agent):
    old = resolve(make_case("en", received_at=NOW - timedelta(days=400)), agent)
    # As a bulk import writes history: decided long ago.
    Resolution.objects.filter(case=old).update(decided_at=NOW - timedelta(days=380))
    make_case("en", external_source="cfpb", external_reference="4711")
    letters.send_due()
    assert mail.outbox == []
    assert not Letter.objects.exists()


def test_extension_notices_go_once_per_extension(make_case, agent, supervisor):
    case = make_case("zh-hans")
    services.extend_deadline(case=case, by=agent, name="complex", reason="需要调取卡组织交易记录。")
    letters.send_due()
    services.extend_deadline(
        case=case, by=agent, name="special", reason="商户位于境外。", approver=supervisor, notice_sent=True
    )
    letters.send_due()
    letters.send_due()
    notices = [email for email in mail.outbox if "延长" in email.subject]
    assert len(notices) == 2
    assert "需要调取卡组织交易记录。" in notices[0].body
    assert "商户位于境外。" in notices[1].body
    # 2 March + 60 days is 1 May, a public holiday until 5 May: the first working day after it
    assert "最迟于2026年5月6日（星期三）" in notices[1].body


def test_the_eight_week_letter_goes_once_on_the_last_day_under_disp(make_case, frozen_time):
    case = make_case("en", policy="uk-fca-disp")
    letters.send_due()
    frozen_time.move_to(NOW + timedelta(days=55))  # 26 April: more than a day before the deadline
    letters.send_due()
    assert not sent(Kind.EXTENSION)
    frozen_time.move_to(NOW + timedelta(days=56))  # 27 April, 10:00 in Shanghai; due at its end in London
    letters.send_due()
    letters.send_due()
    [holding] = sent(Kind.EXTENSION)
    assert holding.key == letters.EIGHT_WEEKS
    assert holding.case_id == case.pk
    assert "Financial Ombudsman Service" in mail.outbox[-1].body


def test_a_decision_gets_one_final_response_and_later_one_survey_invitation(make_case, agent, frozen_time):
    resolve(make_case("en"), agent)
    letters.send_due()
    letters.send_due()
    assert [letter.kind for letter in sent()] == [Kind.ACKNOWLEDGEMENT, Kind.FINAL_RESPONSE]
    frozen_time.shift(timedelta(hours=23))
    letters.send_due()
    assert not sent(Kind.SURVEY_INVITATION)
    frozen_time.shift(timedelta(hours=1))
    letters.send_due()
    letters.send_due()
    assert len(sent(Kind.SURVEY_INVITATION)) == 1
    assert "/surveys/" in mail.outbox[-1].body
    assert len(mail.outbox) == 3


def test_a_uk_complaint_resolved_at_once_gets_a_summary_resolution(make_case, agent):
    resolve(make_case("en", policy="uk-fca-disp"), agent)
    letters.send_due()
    assert [letter.kind for letter in sent()] == [Kind.ACKNOWLEDGEMENT, Kind.SUMMARY_RESOLUTION]
    assert "within six months of the date of this letter" in mail.outbox[-1].body


def test_a_complaint_decided_again_after_reopening_gets_a_new_final_response(make_case, agent, supervisor, frozen_time):
    case = resolve(make_case("en"), agent)
    letters.send_due()
    frozen_time.shift(timedelta(days=2))
    case.refresh_from_db()  # the letters moved its version on
    case = services.reopen(case=case, by=supervisor, version=case.version, reason="New evidence.")
    frozen_time.shift(timedelta(hours=1))
    resolve(case, agent, outcome="not_upheld")
    letters.send_due()
    finals = sent(Kind.FINAL_RESPONSE)
    assert len(finals) == 2
    assert "We have not upheld your complaint." in mail.outbox[-1].body


def test_the_outbox_is_a_periodic_task():
    assert ("safeguard.intake.tasks.send_due_letters", 60) in django_settings.SAFEGUARD_PERIODIC_TASKS

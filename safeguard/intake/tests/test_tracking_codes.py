"""One-time tracking codes: issued to the customer's own contact, stored hashed, used once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation

from safeguard.audit.models import AuditEntry
from safeguard.cases import services as cases
from safeguard.core import sms
from safeguard.intake import tracking
from safeguard.intake.models import TrackingCode
from safeguard.intake.tests.portal_support import NOW, clean_slate_fixture, frozen_time_fixture, last_code  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_case(make_customer):
    def make(**customer_fields):
        customer = make_customer(**customer_fields)
        return cases.open_case(
            by=None, customer=customer, type="complaint", channel="portal", description="年费重复扣收"
        )

    return make


@pytest.fixture
def case(make_case):
    return make_case(email="li.na@example.com", preferred_language="en")


def test_a_code_is_sent_by_email_and_only_its_keyed_hash_is_stored(case):
    tracking.request_code(reference=case.reference.lower())
    (message,) = mail.outbox
    assert message.to == ["li.na@example.com"]
    assert case.reference in message.subject
    code = last_code()
    assert len(code) == 6 and code.isdigit()
    (row,) = TrackingCode.objects.filter(case=case)
    assert row.channel == "email"
    assert row.expires_at == NOW + timedelta(minutes=15)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert sms.outbox == []


def test_the_code_goes_by_sms_when_the_customer_has_no_email(make_case):
    case = make_case(email="", phone="13912345678")
    tracking.request_code(reference=case.reference)
    assert mail.outbox == []
    (text,) = sms.outbox
    assert text.to == "13912345678" and case.reference in text.body
    assert TrackingCode.objects.get(case=case).channel == "sms"


def test_the_code_goes_by_sms_when_the_customer_prefers_it(make_case):
    case = make_case(email="a@example.com", phone="13912345678", preferred_channel="sms")
    tracking.request_code(reference=case.reference)
    assert mail.outbox == [] and len(sms.outbox) == 1


class LanguageRecordingBackend:
    languages: list[str | None] = []

    def send(self, to: str, body: str) -> None:
        self.languages.append(translation.get_language())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_message_is_written_in_the_customers_language(make_case, settings, language):
    settings.SAFEGUARD_SMS_BACKEND = f"{__name__}.LanguageRecordingBackend"
    LanguageRecordingBackend.languages.clear()
    case = make_case(email="", phone="13912345678", preferred_language=language)
    with translation.override("en" if language != "en" else "zh-hans"):  # the page's language does not matter
        tracking.request_code(reference=case.reference)
    assert LanguageRecordingBackend.languages == [language]


def test_an_unknown_reference_sends_nothing_and_stores_nothing(case):
    tracking.request_code(reference="CMP-2026-999999")
    tracking.request_code(reference="")
    assert mail.outbox == [] and sms.outbox == []
    assert not TrackingCode.objects.exists()


def test_a_case_has_at_most_a_few_live_codes(case):
    for _ in range(tracking.MAX_LIVE_CODES + 2):
        tracking.request_code(reference=case.reference)
    assert TrackingCode.objects.filter(case=case).count() == tracking.MAX_LIVE_CODES
    assert len(mail.outbox) == tracking.MAX_LIVE_CODES


def test_an_expired_code_makes_room_for_a_new_one(case, frozen_time):
    for _ in range(tracking.MAX_LIVE_CODES):
        tracking.request_code(reference=case.reference)
    frozen_time.shift(timedelta(minutes=16))
    tracking.request_code(reference=case.reference)
    assert TrackingCode.objects.filter(case=case).count() == tracking.MAX_LIVE_CODES + 1


def test_the_right_code_opens_the_case_once(case):
    tracking.request_code(reference=case.reference)
    code = last_code()
    assert tracking.verify_code(reference=case.reference, code=f" {code[:3]} {code[3:]} ") == case
    assert TrackingCode.objects.get(case=case).used_at == NOW
    assert tracking.verify_code(reference=case.reference, code=code) is None


def test_an_expired_code_is_refused(case, frozen_time):
    tracking.request_code(reference=case.reference)
    code = last_code()
    frozen_time.shift(timedelta(minutes=15))
    assert tracking.verify_code(reference=case.reference, code=code) is None


def test_a_code_dies_after_the_allowed_wrong_attempts(case, settings):
    settings.SAFEGUARD_TRACKING_CODE_ATTEMPTS = 3
    tracking.request_code(reference=case.reference)
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(3):
        assert tracking.verify_code(reference=case.reference, code=wrong) is None
    assert TrackingCode.objects.get(case=case).attempts == 3
    assert tracking.verify_code(reference=case.reference, code=code) is None


def test_wrong_guesses_count_against_every_live_code(case, settings):
    settings.SAFEGUARD_TRACKING_CODE_ATTEMPTS = 2
    tracking.request_code(reference=case.reference)
    tracking.request_code(reference=case.reference)
    codes = [tracking.normalise_code(m.body.split(" is ")[1]) for m in mail.outbox]
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in codes)
    tracking.verify_code(reference=case.reference, code=wrong)
    tracking.verify_code(reference=case.reference, code=wrong)
    assert all(tracking.verify_code(reference=case.reference, code=c) is None for c in codes)


def test_a_code_of_one_case_does_not_open_another(case, make_case):
    other = make_case(email="someone@example.com")
    tracking.request_code(reference=case.reference)
    code = last_code()
    assert tracking.verify_code(reference=other.reference, code=code) is None
    assert tracking.verify_code(reference=case.reference, code=code) == case


def test_using_a_code_ends_the_other_live_codes(case):
    tracking.request_code(reference=case.reference)
    first = last_code()
    tracking.request_code(reference=case.reference)
    second = last_code()
    assert tracking.verify_code(reference=case.reference, code=second) == case
    assert tracking.verify_code(reference=case.reference, code=first) is None


def test_the_code_never_reaches_the_audit_log_or_the_logs(case, caplog):
    caplog.set_level(logging.DEBUG)
    tracking.request_code(reference=case.reference)
    code = last_code()
    tracking.verify_code(reference=case.reference, code="000000" if code != "000000" else "111111")
    tracking.verify_code(reference=case.reference, code=code)
    entries = list(AuditEntry.objects.values_list("actor_label", "action", "object_repr", "changes"))
    assert {action for _actor, action, _repr, _changes in entries} >= {
        "tracking.code_sent",
        "tracking.code_refused",
        "tracking.verified",
    }
    assert code not in repr(entries)
    assert "li.na@example.com" not in repr(entries)
    assert code not in caplog.text


def test_a_failing_gateway_is_logged_without_the_code_and_the_answer_is_the_same(make_case, settings, caplog):
    settings.SAFEGUARD_SMS_BACKEND = "safeguard.intake.tests.test_tracking_codes.BrokenBackend"
    case = make_case(email="", phone="13912345678")
    tracking.request_code(reference=case.reference)  # no exception
    assert "could not be sent" in caplog.text
    assert "13912345678" not in caplog.text


class BrokenBackend:
    def send(self, to: str, body: str) -> None:
        raise ConnectionError("gateway down")


def test_the_portal_status_labels_cover_every_status():
    from safeguard.cases.models import Status

    assert set(tracking.STATUS_LABELS) == set(Status.values)


def test_only_contact_details_are_decrypted_for_sending(customer):
    from safeguard.core.errors import InvalidInput
    from safeguard.customers.services import contact_address

    assert contact_address(customer, "email").endswith("@example.com")
    with pytest.raises(InvalidInput):
        contact_address(customer, "national_id")

"""Who is invited after a case: once per case, with consent, an address, and not too often."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from safeguard.audit.models import AuditEntry
from safeguard.cases.tests.support import NOW
from safeguard.surveys import services
from safeguard.surveys.models import Purpose, SurveyInvitation

pytestmark = pytest.mark.django_db

Status = SurveyInvitation.Status


def test_a_decided_case_gets_one_pending_invitation_with_the_configured_questions(decided_case, settings):
    settings.SAFEGUARD_SURVEY_TOKEN_DAYS = 14
    case = decided_case(language="zh-hans")
    invitation = services.invite(case=case, now=NOW)
    assert invitation is not None
    assert (invitation.purpose, invitation.status, invitation.kinds) == (
        Purpose.CASE,
        Status.PENDING,
        ["csat", "effort"],
    )
    assert invitation.language == "zh-hans"
    assert invitation.customer_id == case.customer_id
    assert invitation.expires_at == NOW + timedelta(days=14)
    entry = AuditEntry.objects.get(action="survey.invite")
    assert entry.object_id == str(invitation.pk)
    assert entry.changes["case"] == case.reference


def test_inviting_again_returns_the_same_invitation(decided_case):
    case = decided_case()
    first = services.invite(case=case, now=NOW)
    again = services.invite(case=case, now=NOW + timedelta(days=3))
    assert first == again
    assert SurveyInvitation.objects.filter(case=case).count() == 1
    assert AuditEntry.objects.filter(action="survey.invite").count() == 1


def test_the_questions_come_from_the_setting(decided_case, settings):
    settings.SAFEGUARD_SURVEY_CASE_KINDS = ["nps", "csat"]
    invitation = services.invite(case=decided_case(), now=NOW)
    assert invitation is not None and invitation.kinds == ["nps", "csat"]


@pytest.mark.parametrize("kinds", [[], ["csat", "stars"], ["csat", "csat"]])
def test_a_wrong_kinds_setting_is_refused_loudly(decided_case, settings, kinds):
    settings.SAFEGUARD_SURVEY_CASE_KINDS = kinds
    with pytest.raises(ImproperlyConfigured, match="SAFEGUARD_SURVEY_CASE_KINDS"):
        services.invite(case=decided_case(), now=NOW)
    assert not SurveyInvitation.objects.exists()


def test_without_consent_nobody_is_invited_and_the_reason_is_kept(decided_case, make_customer):
    case = decided_case(customer=make_customer(has_contact_consent=False))
    assert services.invite(case=case, now=NOW) is None
    skipped = SurveyInvitation.objects.get(case=case)
    assert (skipped.status, skipped.skip_reason) == (Status.SKIPPED, services.NO_CONSENT)
    entry = AuditEntry.objects.get(action="survey.skip")
    assert entry.changes["reason"] == "no_consent"
    # Asking again gives the same answer, and writes nothing more.
    assert services.invite(case=case, now=NOW + timedelta(days=1)) is None
    assert SurveyInvitation.objects.filter(case=case).count() == 1
    assert AuditEntry.objects.filter(action__startswith="survey.").count() == 1


def test_without_an_email_address_or_a_phone_number_nobody_is_invited(decided_case, make_customer):
    case = decided_case(customer=make_customer(email="", phone=""))
    assert services.invite(case=case, now=NOW) is None
    assert SurveyInvitation.objects.get(case=case).skip_reason == services.NO_ADDRESS


def test_a_customer_surveyed_within_the_period_is_not_asked_again(decided_case, customer, frozen_time, settings):
    settings.SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN = 90
    assert services.invite(case=decided_case(customer=customer), now=NOW) is not None
    frozen_time.shift(timedelta(days=89))
    second = decided_case(customer=customer)
    assert services.invite(case=second, now=timezone.now()) is None
    assert SurveyInvitation.objects.get(case=second).skip_reason == services.RECENTLY_SURVEYED
    frozen_time.shift(timedelta(days=2))  # 91 days after the first invitation
    assert services.invite(case=decided_case(customer=customer), now=timezone.now()) is not None


def test_a_skipped_invitation_does_not_count_towards_the_cap(decided_case, customer):
    from safeguard.customers.services import set_consent

    set_consent(customer=customer, by=None, has_contact_consent=False)
    assert services.invite(case=decided_case(customer=customer), now=NOW) is None
    set_consent(customer=customer, by=None, has_contact_consent=True)
    customer.refresh_from_db()
    assert services.invite(case=decided_case(customer=customer), now=NOW + timedelta(hours=1)) is not None


def test_other_customers_are_not_capped(decided_case):
    assert services.invite(case=decided_case(), now=NOW) is not None
    assert services.invite(case=decided_case(), now=NOW) is not None


def test_a_case_without_a_decision_is_not_invited_and_nothing_is_recorded(decided_case):
    case = decided_case(decide=False)
    assert services.invite(case=case, now=NOW) is None
    assert not SurveyInvitation.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="survey.").exists()


def test_mark_sent_records_the_channel_once(invitation):
    assert services.mark_sent(invitation=invitation, channel="email", now=NOW) is True
    assert services.mark_sent(invitation=invitation, channel="email", now=NOW + timedelta(hours=1)) is False
    invitation.refresh_from_db()
    assert (invitation.status, invitation.sent_at, invitation.channel) == (Status.SENT, NOW, "email")
    assert AuditEntry.objects.filter(action="survey.sent").count() == 1


def test_now_must_be_aware(decided_case):
    with pytest.raises(ValueError, match="aware"):
        services.invite(case=decided_case(), now=NOW.replace(tzinfo=None))

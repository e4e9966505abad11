"""The periodic relationship survey: a random sample of eligible customers, sent in their
language, at most once per period whatever the number of workers."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from safeguard.audit.models import AuditEntry
from safeguard.cases.tests.support import NOW
from safeguard.core.errors import InvalidInput
from safeguard.surveys import services, tokens
from safeguard.surveys.models import Purpose, RelationshipRun, SurveyInvitation
from safeguard.surveys.tasks import send_relationship_surveys

pytestmark = pytest.mark.django_db

Status = SurveyInvitation.Status


@pytest.fixture
def crowd(make_customer):
    """Ten customers who may be surveyed (half prefer Chinese), and three who may not."""
    eligible = [make_customer(preferred_language="zh-hans" if n % 2 else "en") for n in range(10)]
    refused = [
        make_customer(has_contact_consent=False),
        make_customer(email="", phone=""),
    ]
    capped = make_customer()
    SurveyInvitation.objects.create(
        customer=capped,
        purpose=Purpose.RELATIONSHIP,
        kinds=["nps"],
        nonce="n",
        language="en",
        status=Status.SENT,
        created_at=NOW - timedelta(days=10),
        sent_at=NOW - timedelta(days=10),
        expires_at=NOW + timedelta(days=20),
    )
    return {"eligible": eligible, "refused": [*refused, capped]}


def invited_customers() -> set[int]:
    return set(
        SurveyInvitation.objects.filter(purpose=Purpose.RELATIONSHIP, created_at=NOW).values_list(
            "customer_id", flat=True
        )
    )


def test_a_sample_of_the_asked_size_goes_to_eligible_customers_only(crowd):
    sample = services.sample_relationship(now=NOW, size=4, seed=1)
    assert (sample.eligible, sample.picked, sample.sent, sample.failed) == (10, 4, 4, 0)
    invited = invited_customers()
    assert len(invited) == 4
    assert invited <= {c.pk for c in crowd["eligible"]}
    assert set(SurveyInvitation.objects.filter(pk__in=sample.invitation_ids).values_list("status", flat=True)) == {
        Status.SENT
    }
    assert len(mail.outbox) == 4
    entry = AuditEntry.objects.get(action="survey.sample")
    assert entry.changes["invitations"] == sample.invitation_ids
    assert entry.changes["eligible"] == 10


def test_a_size_above_the_eligible_count_takes_them_all(crowd):
    sample = services.sample_relationship(now=NOW, size=1000, send=False)
    assert sample.picked == 10
    assert invited_customers() == {c.pk for c in crowd["eligible"]}
    assert mail.outbox == []


@pytest.mark.parametrize(("fraction", "picked"), [(0.25, 3), (0.5, 5), (1.0, 10), (0.0, 0), (0.01, 1)])
def test_a_fraction_of_the_eligible_customers_rounded_up(crowd, fraction, picked):
    assert services.sample_relationship(now=NOW, fraction=fraction, send=False).picked == picked


def test_the_same_seed_picks_the_same_customers(crowd):
    first = services.sample_relationship(now=NOW, size=3, seed=7, dry_run=False, send=False)
    chosen = invited_customers()
    SurveyInvitation.objects.filter(pk__in=first.invitation_ids).delete()
    services.sample_relationship(now=NOW, size=3, seed=7, send=False)
    assert invited_customers() == chosen


def test_a_customer_in_a_sample_is_not_sampled_again_within_the_period(crowd, settings):
    settings.SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN = 90
    services.sample_relationship(now=NOW, size=10)
    # The "capped" customer was invited 10 days before NOW, the ten others at NOW.
    assert services.sample_relationship(now=NOW + timedelta(days=79), size=100, dry_run=True).picked == 0
    assert services.sample_relationship(now=NOW + timedelta(days=81), size=100, dry_run=True).picked == 1
    assert services.sample_relationship(now=NOW + timedelta(days=91), size=100, dry_run=True).picked == 11


def test_a_dry_run_counts_and_writes_nothing(crowd):
    before = AuditEntry.objects.count()
    sample = services.sample_relationship(now=NOW, size=3, dry_run=True)
    assert (sample.eligible, sample.picked, sample.invitation_ids) == (10, 3, [])
    assert not invited_customers()
    assert AuditEntry.objects.count() == before
    assert mail.outbox == []


@pytest.mark.parametrize(
    "how_many", [{}, {"size": 3, "fraction": 0.5}, {"size": -1}, {"fraction": 1.5}, {"fraction": float("nan")}]
)
def test_a_sample_needs_one_valid_size_or_fraction(crowd, how_many):
    with pytest.raises(InvalidInput):
        services.sample_relationship(now=NOW, **how_many)
    assert not invited_customers()


def test_the_invitation_mail_is_in_the_customers_language_and_links_to_the_survey(crowd, settings):
    settings.SAFEGUARD_PUBLIC_URL = "https://complaints.example.com"
    sample = services.sample_relationship(now=NOW, size=10)
    by_address = {m.to[0]: m for m in mail.outbox}
    for invitation in SurveyInvitation.objects.filter(pk__in=sample.invitation_ids).select_related("customer"):
        email = by_address[f"customer{invitation.customer.customer_no[1:].lstrip('0')}@example.com"]
        assert tokens.public_url(invitation) in email.body
        assert invitation.kinds == ["nps"]
        if invitation.customer.preferred_language == "zh-hans":
            assert invitation.language == "zh-hans"
            assert email.subject == "诚邀您参与客户满意度调查"
            assert "尊敬的客户" in email.body
        else:
            assert email.subject == "How are we doing? A two-minute survey"
            assert "Dear customer" in email.body
        assert email.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_failed_send_frees_the_customer_for_the_next_sample(crowd, settings):
    settings.MAILERS = {"default": {"BACKEND": "safeguard.surveys.tests.test_relationship.RefusingBackend"}}
    sample = services.sample_relationship(now=NOW, size=2)
    assert (sample.sent, sample.failed) == (0, 2)
    rows = SurveyInvitation.objects.filter(pk__in=sample.invitation_ids)
    assert {(r.status, r.skip_reason, r.sent_at) for r in rows} == {(Status.SKIPPED, services.SEND_FAILED, None)}
    assert services.sample_relationship(now=NOW, size=100, dry_run=True).picked == 10


def test_an_invitation_is_sent_at_most_once(crowd):
    sample = services.sample_relationship(now=NOW, size=1, send=False)
    [pk] = sample.invitation_ids
    assert services.send_invitation(pk, now=NOW) == "sent"
    assert services.send_invitation(pk, now=NOW) == ""
    assert len(mail.outbox) == 1


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server unreachable")


# --- the periodic task ----------------------------------------------------------------------


def test_the_periodic_task_is_off_when_the_period_is_zero(crowd, settings):
    settings.SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS = 0
    assert services.run_relationship_period(now=NOW) == {"status": "disabled"}
    assert not RelationshipRun.objects.exists() and not invited_customers()


def test_the_periodic_task_samples_once_per_period(crowd, settings, frozen_time):
    settings.SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS = 30
    settings.SAFEGUARD_SURVEY_RELATIONSHIP_SIZE = 3
    settings.SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN = 1
    first = services.run_relationship_period(now=NOW)
    start = services.period_start(timezone.localdate(NOW), 30)
    assert first == {"status": "sampled", "period_start": start.isoformat(), "invited": 3, "sent": 3, "failed": 0}
    assert services.run_relationship_period(now=NOW + timedelta(hours=1))["status"] == "done_already"
    next_period = timezone.make_aware(datetime.combine(start + timedelta(days=30), NOW.time()))
    assert services.run_relationship_period(now=next_period - timedelta(days=1))["status"] == "done_already"
    assert services.run_relationship_period(now=next_period)["status"] == "sampled"
    assert list(RelationshipRun.objects.order_by("period_start").values_list("period_start", "invited")) == [
        (start, 3),
        (start + timedelta(days=30), 3),
    ]
    assert len(mail.outbox) == 6


def test_the_fraction_setting_wins_over_the_size(crowd, settings):
    settings.SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS = 7
    settings.SAFEGUARD_SURVEY_RELATIONSHIP_FRACTION = 0.5
    assert services.run_relationship_period(now=NOW)["invited"] == 5


def test_periods_are_whole_multiples_of_the_length_from_a_fixed_day():
    from datetime import date

    assert services.period_start(date(1970, 1, 31), 30) == date(1970, 1, 31)
    assert services.period_start(date(1970, 1, 30), 30) == date(1970, 1, 1)
    assert services.period_start(date(2026, 3, 2), 1) == date(2026, 3, 2)


def test_the_task_runs_the_period_and_is_scheduled_hourly(crowd, settings):
    settings.SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS = 30
    settings.SAFEGUARD_SURVEY_RELATIONSHIP_SIZE = 2
    result = send_relationship_surveys.enqueue()
    assert result.return_value["invited"] == 2
    assert ("safeguard.surveys.tasks.send_relationship_surveys", 3600) in settings.SAFEGUARD_PERIODIC_TASKS


# --- the command ------------------------------------------------------------------------------


def test_the_command_samples_and_reports(crowd):
    out = StringIO()
    call_command("survey_sample", "--size", "2", "--seed", "3", stdout=out)
    assert "10 customers eligible; 2 invited, 2 sent, 0 failed." in out.getvalue()
    assert len(invited_customers()) == 2
    assert AuditEntry.objects.get(action="survey.sample").actor_label == "command:survey_sample"


def test_the_command_dry_run_writes_nothing(crowd):
    out = StringIO()
    call_command("survey_sample", "--fraction", "0.5", "--dry-run", stdout=out)
    assert "Dry run: 10 customers eligible; 5 would be invited." in out.getvalue()
    assert not invited_customers()


def test_the_command_refuses_a_bad_size(crowd):
    with pytest.raises(CommandError, match="negative"):
        call_command("survey_sample", "--size", "-3", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("survey_sample", stdout=StringIO(), stderr=StringIO())

"""Answering: once per link, before it expires, scores on their scales; nothing written otherwise."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from safeguard.audit.models import AuditEntry
from safeguard.cases.services import assign
from safeguard.cases.tests.support import NOW
from safeguard.core.errors import InvalidInput
from safeguard.surveys import services, tokens
from safeguard.surveys.errors import (
    SurveyAlreadyAnswered,
    SurveyExpired,
    SurveyScoreMissing,
    SurveyScoreOutOfRange,
    SurveyTokenInvalid,
)
from safeguard.surveys.models import SurveyInvitation, SurveyResponse
from safeguard.surveys.tests.support import invited

pytestmark = pytest.mark.django_db


def written() -> tuple[int, int]:
    return SurveyResponse.objects.count(), AuditEntry.objects.filter(action="survey.answer").count()


def test_an_answer_is_recorded_with_the_cases_grouping(invitation, agent):
    case = invitation.case
    response = services.answer(token=tokens.make(invitation), csat=4, effort=6, comment=" Quick, thanks. ", now=NOW)
    assert (response.csat, response.effort, response.nps, response.comment) == (4, 6, None, "Quick, thanks.")
    assert response.case == case and response.customer_id == case.customer_id
    assert (response.product_id, response.department_id, response.channel) == (
        case.product_id,
        case.department_id,
        case.channel,
    )
    assert response.handler == agent  # nobody was assigned: whoever decided the case
    invitation.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.ANSWERED
    assert invitation.answered_at == NOW
    assert invitation.sent_at is not None  # an answered link evidently reached the customer
    entry = AuditEntry.objects.get(action="survey.answer")
    assert entry.actor is None and entry.actor_label == f"customer:{case.customer.customer_no}"
    assert entry.changes == {
        "invitation": invitation.pk,
        "case": case.reference,
        "csat": 4,
        "effort": 6,
        "comment_chars": 14,
    }


def test_the_handler_is_the_assignee_when_there_is_one(decided_case, supervisor, make_user):
    other = make_user("agent", username="handler2")
    case = decided_case()
    case = assign(case=case, by=supervisor, version=case.version, assignee=other)
    invitation = invited(case, NOW)
    response = services.answer(token=tokens.make(invitation), csat=5, effort=7, now=NOW)
    assert response.handler == other


def test_a_second_answer_is_refused_and_writes_nothing(invitation):
    token = tokens.make(invitation)
    services.answer(token=token, csat=4, effort=6, now=NOW)
    before = written()
    with pytest.raises(SurveyAlreadyAnswered) as refused:
        services.answer(token=token, csat=1, effort=1, now=NOW + timedelta(minutes=1))
    assert refused.value.code == "survey_already_answered"
    assert written() == before
    assert SurveyResponse.objects.get().csat == 4


def test_a_link_works_until_its_last_second(invitation, frozen_time, settings):
    token = tokens.make(invitation)
    frozen_time.shift(timedelta(days=settings.SAFEGUARD_SURVEY_TOKEN_DAYS, seconds=-1))
    assert services.answer(token=token, csat=3, effort=4, now=timezone.now()).csat == 3


def test_a_link_one_second_past_expiry_is_refused(invitation, frozen_time, settings):
    token = tokens.make(invitation)
    frozen_time.shift(timedelta(days=settings.SAFEGUARD_SURVEY_TOKEN_DAYS))
    with pytest.raises(SurveyExpired) as refused:
        services.answer(token=token, csat=3, effort=4, now=timezone.now())
    assert refused.value.code == "survey_expired"
    assert written() == (0, 0)


def test_an_answered_survey_says_so_even_after_expiry(invitation):
    token = tokens.make(invitation)
    services.answer(token=token, csat=4, effort=5, now=NOW)
    with pytest.raises(SurveyAlreadyAnswered):
        services.answer(token=token, csat=4, effort=5, now=NOW + timedelta(days=365))


def test_a_tampered_token_is_refused(invitation):
    token = tokens.make(invitation)
    with pytest.raises(SurveyTokenInvalid) as refused:
        services.answer(token=token[:-2] + "zz", csat=4, effort=5, now=NOW)
    assert refused.value.code == "survey_token_invalid"
    assert written() == (0, 0)


@pytest.mark.parametrize(
    ("scores", "error", "field"),
    [
        ({"csat": 6, "effort": 4}, SurveyScoreOutOfRange, "csat"),
        ({"csat": 0, "effort": 4}, SurveyScoreOutOfRange, "csat"),
        ({"csat": 3, "effort": 8}, SurveyScoreOutOfRange, "effort"),
        ({"csat": 3, "effort": -1}, SurveyScoreOutOfRange, "effort"),
        ({"csat": 3, "effort": 4, "nps": 9}, SurveyScoreOutOfRange, "nps"),  # not asked
        ({"csat": 3}, SurveyScoreMissing, "effort"),
        ({}, SurveyScoreMissing, "csat"),
    ],
)
def test_scores_off_their_scale_or_missing_are_refused(invitation, scores, error, field):
    with pytest.raises(error) as refused:
        services.answer(token=tokens.make(invitation), now=NOW, **scores)
    assert refused.value.extra["field"] == field
    assert refused.value.code in ("survey_score_out_of_range", "survey_score_missing")
    assert written() == (0, 0)
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_every_scale_accepts_its_ends(decided_case, settings):
    settings.SAFEGUARD_SURVEY_CASE_KINDS = ["csat", "nps", "effort"]
    low = invited(decided_case(), NOW)
    high = invited(decided_case(), NOW)
    services.answer(token=tokens.make(low), csat=1, nps=0, effort=1, now=NOW)
    services.answer(token=tokens.make(high), csat=5, nps=10, effort=7, now=NOW)
    assert set(SurveyResponse.objects.values_list("csat", "nps", "effort")) == {(1, 0, 1), (5, 10, 7)}


def test_a_comment_too_long_is_refused(invitation):
    with pytest.raises(InvalidInput) as refused:
        services.answer(token=tokens.make(invitation), csat=3, effort=3, comment="x" * 2001, now=NOW)
    assert refused.value.extra["field"] == "comment"
    assert written() == (0, 0)


WORKERS = 6


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite allows one writer at a time (and the in-memory test database is per connection), "
    "so there is no race to test; run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_answers_sent_at_once_exactly_one_wins(decided_case):
    invitation = invited(decided_case(), NOW)
    token = tokens.make(invitation)
    start = threading.Barrier(WORKERS)

    def run(worker: int) -> str:
        try:
            start.wait()
            services.answer(token=token, csat=worker % 5 + 1, effort=4, now=NOW)
            return "won"
        except SurveyAlreadyAnswered:
            return "already_answered"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(run, range(WORKERS)))

    assert sorted(outcomes) == ["already_answered"] * (WORKERS - 1) + ["won"]
    assert SurveyResponse.objects.count() == 1
    assert AuditEntry.objects.filter(action="survey.answer").count() == 1

"""Reads for the quality dashboard: responses in a period, response rate by purpose."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safeguard.cases.tests.support import NOW
from safeguard.surveys import selectors, services, tokens
from safeguard.surveys.models import SurveyInvitation
from safeguard.surveys.tests.support import invited

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def history(decided_case, make_customer):
    """Case surveys sent on day 0 (three: two answered, one on day 5) and day 10; a relationship
    survey sent on day 1 and never answered; and one skipped (never sent)."""
    sent = []
    for days, answer_after in [(0, 1), (0, 5), (0, None), (10, 0)]:
        invitation = invited(decided_case(), NOW + days * DAY)
        services.mark_sent(invitation=invitation, channel="email", now=NOW + days * DAY)
        if answer_after is not None:
            at = NOW + (days + answer_after) * DAY
            services.answer(token=tokens.make(invitation), csat=5, effort=6, now=at)
        sent.append(invitation)
    make_customer()
    sample = services.sample_relationship(now=NOW + DAY, size=1, send=False)
    services.send_pending(sample.invitation_ids, now=NOW + DAY)
    assert services.invite(case=decided_case(customer=make_customer(has_contact_consent=False)), now=NOW) is None
    return sent


def test_responses_in_a_period_are_those_answered_in_it(history):
    assert selectors.responses_in(NOW, NOW + 2 * DAY).count() == 1
    assert selectors.responses_in(NOW, NOW + 6 * DAY).count() == 2
    assert selectors.responses_in(NOW + 10 * DAY, NOW + 11 * DAY).count() == 1
    assert selectors.responses_in(NOW + DAY, NOW + DAY).count() == 0  # half-open: [start, end)
    assert selectors.responses_in(NOW + 6 * DAY, NOW + 10 * DAY).count() == 0


def test_the_response_rate_counts_invitations_sent_in_the_period_and_their_answers(history):
    rates = selectors.response_rate(NOW, NOW + 2 * DAY)
    assert (rates["case"].sent, rates["case"].answered) == (3, 2)
    assert rates["case"].rate == pytest.approx(2 / 3)
    assert (rates["relationship"].sent, rates["relationship"].answered, rates["relationship"].rate) == (1, 0, 0.0)
    assert (rates["all"].sent, rates["all"].answered) == (4, 2)
    later = selectors.response_rate(NOW + 10 * DAY, NOW + 11 * DAY)
    assert (later["case"].sent, later["case"].answered, later["case"].rate) == (1, 1, 1.0)


def test_an_empty_period_has_no_rate_rather_than_zero(history):
    rates = selectors.response_rate(NOW - 30 * DAY, NOW - DAY)
    assert rates["case"].sent == 0 and rates["case"].rate is None
    assert rates["all"].rate is None


def test_the_response_rate_is_one_query(history, django_assert_num_queries):
    # SELECT purpose, COUNT(*), COUNT(*) FILTER (answered) FROM invitation WHERE sent_at in range GROUP BY purpose
    with django_assert_num_queries(1):
        selectors.response_rate(NOW, NOW + 30 * DAY)


def test_the_case_page_reads_the_invitation_and_its_answer(history):
    answered = history[0]
    found = selectors.case_survey(answered.case)
    assert found.invitation == answered and found.response is not None and found.response.csat == 5
    unanswered = selectors.case_survey(history[2].case)
    assert unanswered.invitation == history[2] and unanswered.response is None


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        selectors.responses_in(NOW.replace(tzinfo=None), NOW)
    with pytest.raises(ValueError, match="aware"):
        selectors.response_rate(NOW, NOW.replace(tzinfo=None))


def test_link_state_precedence(invitation):
    assert selectors.link_state(None, now=NOW) == selectors.INVALID
    assert selectors.link_state(invitation, now=NOW) == selectors.OPEN
    assert selectors.link_state(invitation, now=invitation.expires_at) == selectors.EXPIRED
    invitation.answered_at = NOW
    assert selectors.link_state(invitation, now=invitation.expires_at) == selectors.ANSWERED
    assert SurveyInvitation.objects.get(pk=invitation.pk).answered_at is None

"""The survey page customers open from their link: the form, its errors, the thank-you page and
the pages for a link that is not valid (404), expired or already used (410)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from safeguard.audit.models import AuditEntry
from safeguard.cases.tests.support import NOW
from safeguard.surveys import services, tokens
from safeguard.surveys.models import SurveyInvitation, SurveyResponse
from safeguard.surveys.tests.support import invited, one

pytestmark = pytest.mark.django_db


def url(invitation: SurveyInvitation | Any) -> str:
    return tokens.path(invitation)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def written() -> tuple[int, int]:
    return SurveyResponse.objects.count(), AuditEntry.objects.filter(action="survey.answer").count()


def test_the_form_asks_the_invitations_questions_with_labelled_scales(client, invitation):
    response = client.get(url(invitation))
    assert response.status_code == 200
    html = page(response)
    assert one(html, "html")["lang"] == "en"
    assert response["Content-Language"] == "en"
    assert invitation.case.reference in html.get_text()
    legends = [legend.get_text(" ", strip=True) for legend in html.select("fieldset.scale-group legend")]
    assert legends[0].startswith("Overall, how satisfied are you with the way we handled your case?")
    assert legends[1].startswith("How much effort did you personally have to put in to get your case handled?")
    csat = html.select('input[type="radio"][name="csat"]')
    assert [r["value"] for r in csat] == ["1", "2", "3", "4", "5"]
    assert [r["value"] for r in html.select('input[type="radio"][name="effort"]')] == [str(n) for n in range(1, 8)]
    assert not html.select('input[name="nps"]')
    # Every radio button and the comment box has a label that names it.
    for field in html.select("input[type=radio], textarea"):
        label = html.select_one(f'label[for="{field["id"]}"]')
        assert label is not None and label.get_text(strip=True), field
    assert one(html, 'label[for="id_csat_4"]').get_text(" ", strip=True) == "5 – Very satisfied"
    assert one(html, 'label[for="id_effort_0"]').get_text(" ", strip=True) == "1 – Very little effort"
    assert one(html, 'label[for="id_effort_1"]').get_text(" ", strip=True) == "2"
    assert html.select_one('form input[name="csrfmiddlewaretoken"]') is not None
    assert html.select_one('meta[name="viewport"]') is not None


def test_a_relationship_survey_asks_the_likelihood_to_recommend_from_0_to_10(client, customer):
    type(customer).objects.filter(pk=customer.pk).update(preferred_language="en")
    sample = services.sample_relationship(now=NOW, size=1, send=False)
    invitation = SurveyInvitation.objects.get(pk=sample.invitation_ids[0])
    html = page(client.get(url(invitation)))
    assert [r["value"] for r in html.select('input[name="nps"]')] == [str(n) for n in range(11)]
    assert "How likely are you to recommend us" in html.get_text()
    assert one(html, 'label[for="id_nps_0"]').get_text(" ", strip=True) == "0 – Not at all likely"


def test_the_page_speaks_the_invitations_language(client, decided_case):
    invitation = invited(decided_case(language="zh-hans"), NOW)
    response = client.get(url(invitation))
    assert response.status_code == 200
    assert one(page(response), "html")["lang"] == "zh-hans"
    assert response["Content-Language"] == "zh-hans"


def test_the_customers_own_language_choice_wins(client, decided_case):
    invitation = invited(decided_case(language="zh-hans"), NOW)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url(invitation))
    assert one(page(response), "html")["lang"] == "en"


def test_an_answer_is_recorded_and_the_customer_thanked(client, invitation):
    response = client.post(url(invitation), {"csat": "4", "effort": "6", "comment": "Clear and quick."})
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:thanks", args=[tokens.make(invitation)])
    stored = SurveyResponse.objects.get()
    assert (stored.csat, stored.effort, stored.comment) == (4, 6, "Clear and quick.")
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you for your answers" in thanks.content.decode()


def test_the_comment_is_optional(client, invitation):
    assert client.post(url(invitation), {"csat": "1", "effort": "1"}).status_code == 302
    assert SurveyResponse.objects.get().comment == ""


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"csat": "6", "effort": "4"}, "csat", "Choose a score from 1 to 5."),
        ({"csat": "0", "effort": "4"}, "csat", "Choose a score from 1 to 5."),
        ({"csat": "3", "effort": "9"}, "effort", "Choose a score from 1 to 7."),
        ({"csat": "three", "effort": "4"}, "csat", "Choose a score from 1 to 5."),
        ({"csat": "3"}, "effort", "Please choose a score."),
        ({"csat": "3", "effort": "4", "comment": "x" * 2001}, "comment", "under 2000 characters"),
    ],
)
def test_bad_answers_are_form_errors_and_nothing_is_written(client, invitation, data, field, message):
    response = client.post(url(invitation), data)
    assert response.status_code == 422
    html = page(response)
    summary = one(html, ".error-summary")
    assert message in summary.get_text()
    anchor = f"id_{field}_0" if field != "comment" else "id_comment"
    assert summary.select_one(f'a[href="#{anchor}"]') is not None
    assert html.select_one(f"#id_{field}_errors") is not None
    assert written() == (0, 0)
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_a_score_for_a_question_not_asked_is_ignored_by_the_form(client, invitation):
    response = client.post(url(invitation), {"csat": "3", "effort": "4", "nps": "99"})
    assert response.status_code == 302
    assert SurveyResponse.objects.get().nps is None


def test_a_used_link_gets_410_and_says_it_was_answered(client, invitation):
    services.answer(token=tokens.make(invitation), csat=5, effort=7, now=NOW)
    for response in (client.get(url(invitation)), client.post(url(invitation), {"csat": "1", "effort": "1"})):
        assert response.status_code == 410
        assert "This survey has already been answered" in response.content.decode()
    assert SurveyResponse.objects.get().csat == 5


def test_an_answer_that_loses_the_race_gets_the_answered_page(client, invitation, monkeypatch):
    """The form was valid, but another tab answered between the page's check and the service's."""
    from safeguard.surveys import selectors

    monkeypatch.setattr(selectors, "link_state", lambda inv, now: selectors.OPEN)
    services.answer(token=tokens.make(invitation), csat=5, effort=7, now=NOW)
    response = client.post(url(invitation), {"csat": "1", "effort": "1"})
    assert response.status_code == 410
    assert "already been answered" in response.content.decode()
    assert written() == (1, 1)


def test_an_expired_link_gets_410_and_says_the_survey_closed(client, invitation, frozen_time, settings):
    frozen_time.shift(timedelta(days=settings.SAFEGUARD_SURVEY_TOKEN_DAYS))
    for response in (client.get(url(invitation)), client.post(url(invitation), {"csat": "4", "effort": "4"})):
        assert response.status_code == 410
        assert "This survey has closed" in response.content.decode()
    assert written() == (0, 0)


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "abc", lambda t: "x" + t, lambda t: "nonsense"])
def test_a_link_that_is_not_ours_gets_404(client, invitation, mangle):
    bad = reverse("surveys:answer", args=[mangle(tokens.make(invitation))])
    for response in (client.get(bad), client.post(bad, {"csat": "4", "effort": "4"})):
        assert response.status_code == 404
        assert "This survey link is not valid" in response.content.decode()
    assert client.get(reverse("surveys:thanks", args=["nonsense"])).status_code == 404
    assert written() == (0, 0)


def test_the_thanks_page_of_an_unanswered_survey_leads_to_the_form(client, invitation):
    response = client.get(reverse("surveys:thanks", args=[tokens.make(invitation)]))
    assert response.status_code == 302 and response["Location"] == url(invitation)


def test_the_form_needs_the_csrf_token(invitation):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(invitation), {"csat": "4", "effort": "4"})
    assert response.status_code == 403
    assert written() == (0, 0)
    form = page(client.get(url(invitation)))
    token = one(form, 'input[name="csrfmiddlewaretoken"]')["value"]
    assert client.post(url(invitation), {"csat": "4", "effort": "4", "csrfmiddlewaretoken": token}).status_code == 302


def test_answers_are_rate_limited_per_address(client, decided_case, settings):
    settings.SAFEGUARD_SURVEY_ANSWER_RATE = "2/h"
    invitation = invited(decided_case(), NOW)
    assert client.post(url(invitation), {"csat": "9"}).status_code == 422
    assert client.post(url(invitation), {"csat": "9"}).status_code == 422
    response = client.post(url(invitation), {"csat": "4", "effort": "4"})
    assert response.status_code == 429
    assert written() == (0, 0)
    # Another address is not affected.
    assert client.post(url(invitation), {"csat": "4", "effort": "4"}, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_opening_pages_is_rate_limited_too(client, invitation, settings):
    settings.SAFEGUARD_SURVEY_VIEW_RATE = "2/h"
    assert client.get(url(invitation)).status_code == 200
    assert client.get(reverse("surveys:answer", args=["probe"])).status_code == 404
    assert client.get(url(invitation)).status_code == 429


def test_only_get_and_post(client, invitation):
    assert client.put(url(invitation)).status_code == 405

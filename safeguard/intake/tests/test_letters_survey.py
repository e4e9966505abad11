"""The survey-invitation letter carries a working link to the case's survey (``surveys.services.invite``),
and is skipped, with the survey's reason, when the customer may not be surveyed.

The clock is frozen at Monday 2 March 2026 10:00 in Shanghai; tests move it with ``frozen_time``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from safeguard.cases.models import CaseEvent
from safeguard.cases.tests.support import NOW
from safeguard.intake import letters
from safeguard.intake.models import Letter
from safeguard.intake.tests.letters_support import open_case, resolve
from safeguard.surveys.models import SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db

Kind = Letter.Kind
LINK = re.compile(r"https://complaints\.example\.com/surveys/[^/\s]+/")


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    cache.clear()  # the survey page's rate-limit counters
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
    cache.clear()


@pytest.fixture(autouse=True)
def public_url(settings: Any) -> None:
    settings.SAFEGUARD_PUBLIC_URL = "https://complaints.example.com"


def survey_letter(case: Any) -> Letter:
    return Letter.objects.get(case=case, kind=Kind.SURVEY_INVITATION)


def test_a_resolved_case_gets_an_invitation_letter_whose_link_opens_the_survey(
    client, make_customer, departments, agent, frozen_time
):
    case = resolve(open_case(make_customer(preferred_language="en"), departments["cards"]), agent)
    letters.send_due()
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    assert survey_letter(case).status == Letter.Status.SENT
    email = mail.outbox[-1]
    [link] = LINK.findall(str(email.body))
    invitation = SurveyInvitation.objects.get(case=case)
    assert invitation.status == SurveyInvitation.Status.SENT
    assert invitation.sent_at is not None and invitation.channel == "email"

    path = urlsplit(link).path
    form = client.get(path)
    assert form.status_code == 200
    assert case.reference in form.content.decode()
    answered = client.post(path, {"csat": "5", "effort": "7", "comment": "Thank you."})
    assert answered.status_code == 302
    response = SurveyResponse.objects.get()
    assert (response.case, response.csat, response.effort) == (case, 5, 7)
    assert client.get(path).status_code == 410  # single use

    # The outbox running again sends no second invitation, and the survey is not asked again.
    frozen_time.shift(timedelta(days=1))
    letters.send_due()
    assert len([m for m in mail.outbox if LINK.search(str(m.body))]) == 1
    assert SurveyInvitation.objects.filter(case=case).count() == 1


def test_the_chinese_letter_links_to_the_survey_in_chinese(client, make_customer, departments, agent, frozen_time):
    case = resolve(open_case(make_customer(preferred_language="zh-hans"), departments["cards"]), agent)
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    [survey_mail] = [m for m in mail.outbox if LINK.search(str(m.body))]
    assert survey_mail.subject == f"【{case.reference}】诚邀您评价本次服务"
    page = client.get(urlsplit(LINK.findall(str(survey_mail.body))[0]).path)
    assert page.status_code == 200 and page["Content-Language"] == "zh-hans"


def test_a_customer_surveyed_recently_gets_no_second_survey_letter(make_customer, departments, agent, frozen_time):
    customer = make_customer(preferred_language="en")
    first = resolve(open_case(customer, departments["cards"]), agent)
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    assert survey_letter(first).status == Letter.Status.SENT
    frozen_time.shift(timedelta(days=20))
    second = resolve(open_case(customer, departments["cards"]), agent)
    frozen_time.shift(timedelta(hours=24))
    sent_before = len(mail.outbox)
    letters.send_due()
    letter = survey_letter(second)
    assert (letter.status, letter.error) == (Letter.Status.SKIPPED, "recently_surveyed")
    assert SurveyInvitation.objects.get(case=second).skip_reason == "recently_surveyed"
    assert not any(LINK.search(str(m.body)) for m in mail.outbox[sent_before:])


def test_without_an_address_the_survey_letter_is_skipped_quietly(make_customer, departments, agent, frozen_time):
    customer = make_customer(email="", phone="", preferred_language="en")
    case = resolve(open_case(customer, departments["cards"]), agent)
    frozen_time.shift(timedelta(hours=24))
    letters.send_due()
    letter = survey_letter(case)
    assert (letter.status, letter.error) == (Letter.Status.SKIPPED, "no_address")
    assert SurveyInvitation.objects.get(case=case).status == SurveyInvitation.Status.SKIPPED
    notes = CaseEvent.objects.filter(case=case, kind="note").values_list("note", flat=True)
    assert not any("Satisfaction survey" in note for note in notes)  # no internal note for a survey

"""``{% case_survey case %}`` on the case page: the customer's answer for staff allowed to see it."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from safeguard.cases.tests.support import NOW
from safeguard.surveys import services, tokens

pytestmark = pytest.mark.django_db

TEMPLATE = Template("{% load survey_tags %}{% case_survey case %}")


def rendered(user, case) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request, "case": case}))


def test_an_agent_sees_the_scores_and_the_comment(agent, invitation):
    services.answer(token=tokens.make(invitation), csat=2, effort=3, comment="Nobody called back.", now=NOW)
    html = rendered(agent, invitation.case)
    assert "Satisfaction survey" in html
    assert "Customer satisfaction (1–5)" in html and "<strong>2</strong>" in html
    assert "Customer effort (1–7)" in html and "<strong>3</strong>" in html
    assert "Nobody called back." in html


@pytest.mark.parametrize("persona", ["supervisor", "compliance", "auditor"])
def test_other_readers_see_it_too(request, persona, invitation):
    services.answer(token=tokens.make(invitation), csat=5, effort=7, now=NOW)
    assert "<strong>5</strong>" in rendered(request.getfixturevalue(persona), invitation.case)


def test_a_user_without_the_permission_sees_nothing(nobody, invitation):
    services.answer(token=tokens.make(invitation), csat=2, effort=3, comment="Nobody called back.", now=NOW)
    assert rendered(nobody, invitation.case).strip() == ""


def test_an_unanswered_or_skipped_survey_says_so(agent, invitation, decided_case, make_customer):
    assert "no answer yet" in rendered(agent, invitation.case)
    case = decided_case(customer=make_customer(has_contact_consent=False))
    services.invite(case=case, now=NOW)
    assert "No survey was sent (the customer does not consent to be contacted)." in rendered(agent, case)
    assert "No survey about this case yet." in rendered(agent, decided_case())


def test_the_panel_costs_at_most_two_queries(agent, invitation, django_assert_max_num_queries):
    services.answer(token=tokens.make(invitation), csat=2, effort=3, now=NOW)
    request = RequestFactory().get("/")
    request.user = agent
    agent.has_perm("surveys.view_surveyresponse")  # the permission cache is warm on a real page
    # the invitation of the case; its response
    with django_assert_max_num_queries(2):
        TEMPLATE.render(Context({"request": request, "case": invitation.case}))


# --- on the real case page ----------------------------------------------------------------------

PANEL = "{% case_survey case %}"


@pytest.fixture
def case_page_with_panel(settings, tmp_path):
    """The case page with the two-line change docs/surveys.md asks of the cases template (load the
    library, place the panel after the resolution), applied to a copy so this test needs no edit
    of cases' files. Once the change is in cases/case.html itself, the copy is the same file."""
    from pathlib import Path

    from safeguard.cases import views as cases_views

    source = (Path(cases_views.__file__).parent.parent / "templates" / "cases" / "case.html").read_text()
    if PANEL not in source:
        source = source.replace("{% load i18n static case_tags %}", "{% load i18n static case_tags survey_tags %}", 1)
        start = source.index('<section class="resolution"')
        end = source.index("</section>", start) + len("</section>")
        source = f"{source[:end]}\n\n{PANEL}\n{source[end:]}"
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "case.html").write_text(source)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


def test_the_case_page_shows_the_survey_answer(client, agent, other_agent, invitation, case_page_with_panel):
    from django.urls import reverse

    services.answer(token=tokens.make(invitation), csat=4, effort=6, comment="Kept me informed.", now=NOW)
    client.force_login(agent)
    response = client.get(reverse("cases:detail", args=[invitation.case.reference]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="survey-title"' in html and "Kept me informed." in html
    # Someone who may not see the case sees neither the case nor its survey.
    client.force_login(other_agent)
    assert client.get(reverse("cases:detail", args=[invitation.case.reference])).status_code == 404

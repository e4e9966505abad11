"""The surveys admin: read-only, never the link's token or nonce, and only for staff allowed to view."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from safeguard.cases.tests.support import NOW
from safeguard.customers.services import contact_address
from safeguard.surveys import services, tokens
from safeguard.surveys.models import RelationshipRun, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(invitation):
    services.answer(token=tokens.make(invitation), csat=2, effort=3, comment="Too slow.", now=NOW)
    invitation.refresh_from_db()
    return invitation


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


PAGES = [
    ("admin:surveys_surveyinvitation_changelist", False),
    ("admin:surveys_surveyinvitation_change", True),
    ("admin:surveys_surveyresponse_changelist", False),
    ("admin:surveys_surveyresponse_change", True),
]


def _url(name: str, needs_pk: bool, answered) -> str:
    if not needs_pk:
        return reverse(name)
    pk = answered.pk if "invitation" in name else SurveyResponse.objects.get().pk
    return reverse(name, args=[pk])


@pytest.mark.parametrize(("name", "needs_pk"), PAGES)
def test_the_administrator_reads_invitations_and_responses_but_never_the_token(administrator, answered, name, needs_pk):
    response = signed_in(administrator).get(_url(name, needs_pk, answered))
    page = response.content.decode()
    assert response.status_code == 200
    assert answered.nonce not in page
    assert tokens.make(answered) not in page
    assert tokens.make(answered).split(":")[0] not in page
    assert 'name="_save"' not in page
    assert contact_address(answered.customer, "email") not in page  # personal data stays masked


def test_the_response_page_shows_the_answer(administrator, answered):
    page = signed_in(administrator).get(_url(*PAGES[3], answered)).content.decode()
    assert "Too slow." in page
    assert answered.case.reference in page


def test_nothing_can_be_added_changed_or_deleted(administrator, answered, superuser_client):
    response_pk = SurveyResponse.objects.get().pk
    for client in (signed_in(administrator), superuser_client):
        assert client.get(reverse("admin:surveys_surveyinvitation_add")).status_code == 403
        assert client.get(reverse("admin:surveys_surveyresponse_add")).status_code == 403
        assert client.get(reverse("admin:surveys_surveyinvitation_delete", args=[answered.pk])).status_code == 403
        assert client.get(reverse("admin:surveys_surveyresponse_delete", args=[response_pk])).status_code == 403
        changed = client.post(reverse("admin:surveys_surveyresponse_change", args=[response_pk]), {"csat": "5"})
        assert changed.status_code == 403
    assert SurveyResponse.objects.get().csat == 2


@pytest.mark.parametrize("persona", ["agent", "supervisor", "compliance", "auditor", "nobody"])
def test_staff_who_are_not_administrators_cannot_open_the_admin(request, answered, persona):
    """The admin is for is_staff accounts only: everyone else is sent to the admin's sign-in."""
    client = signed_in(request.getfixturevalue(persona))
    for name, needs_pk in PAGES:
        response = client.get(_url(name, needs_pk, answered))
        assert response.status_code == 302 and "/admin/login/" in response["Location"], (persona, name)


def test_a_staff_account_without_the_view_permissions_is_refused(make_user, answered):
    client = signed_in(make_user(None, username="staff-no-perms", is_staff=True))
    for name, needs_pk in PAGES:
        assert client.get(_url(name, needs_pk, answered)).status_code == 403, name


def test_relationship_runs_are_visible_to_administrators_and_read_only(superuser_client, administrator, agent):
    run = RelationshipRun.objects.create(period_start=NOW.date(), every_days=30, started_at=NOW, invited=12)
    url = reverse("admin:surveys_relationshiprun_changelist")
    assert superuser_client.get(url).status_code == 200
    assert signed_in(administrator).get(url).status_code == 200
    change = reverse("admin:surveys_relationshiprun_change", args=[run.pk])
    assert signed_in(administrator).post(change, {"invited": 99}).status_code == 403
    assert signed_in(agent).get(url).status_code in (302, 403)


@pytest.fixture
def superuser_client(django_user_model) -> Client:
    user = django_user_model.objects.create_superuser("root", "root@example.com", "correct horse battery staple")
    return signed_in(user)

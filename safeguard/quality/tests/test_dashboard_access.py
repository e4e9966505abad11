"""Who may open the dashboard, its sections, the drill-down and the exports."""

# The fixtures come from dashboard_support (imported by name, so test arguments redefine them).
# ruff: noqa: F811

import pytest
from django.urls import reverse

from safeguard.quality.tests.dashboard_support import FEBRUARY_QUERY, frozen, grant  # noqa: F401

pytestmark = pytest.mark.django_db

PAGES = ["quality:dashboard", "quality:breakdown", "quality:trends", "quality:cases"]
EXPORTS = ["quality:export_figures", "quality:export_cases"]
DRILL = {**FEBRUARY_QUERY, "kpi": "x", "part": "numerator"}


def _get(client, name, **extra):
    query = dict(DRILL if name in ("quality:cases", "quality:export_cases") else FEBRUARY_QUERY)
    query.update(extra)
    return client.get(reverse(name), query)


@pytest.mark.parametrize("name", PAGES + EXPORTS)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = _get(client, name)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGES + EXPORTS)
def test_an_agent_is_refused(client, agent, name):
    client.force_login(agent)
    response = _get(client, name)
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


@pytest.mark.parametrize("name", PAGES + EXPORTS)
def test_a_user_without_a_role_is_refused(client, nobody, name):
    client.force_login(nobody)
    assert _get(client, name).status_code == 403


@pytest.mark.parametrize("persona", ["supervisor", "compliance", "auditor", "administrator"])
def test_supervisors_compliance_auditors_and_administrators_see_the_dashboard(client, request, frozen, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("quality:dashboard"), FEBRUARY_QUERY)
    assert response.status_code == 200
    assert "<h1>Service quality</h1>" in response.content.decode()


@pytest.mark.parametrize("name", EXPORTS)
def test_exporting_needs_its_own_permission(client, make_user, frozen, name):
    watcher = grant(make_user(None, username="watcher"), "quality.view_dashboard", "cases.view_case")
    client.force_login(watcher)
    assert client.get(reverse("quality:dashboard"), FEBRUARY_QUERY).status_code == 200
    response = _get(client, name, format="csv")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_the_export_links_are_shown_only_to_those_who_may_export(client, make_user, supervisor, frozen):
    watcher = grant(make_user(None, username="watcher"), "quality.view_dashboard")
    client.force_login(watcher)
    assert reverse("quality:export_figures") not in client.get(reverse("quality:dashboard")).content.decode()
    client.force_login(supervisor)
    assert reverse("quality:export_figures") in client.get(reverse("quality:dashboard")).content.decode()


def test_the_pages_answer_get_only(client, supervisor):
    client.force_login(supervisor)
    assert client.post(reverse("quality:dashboard")).status_code == 405

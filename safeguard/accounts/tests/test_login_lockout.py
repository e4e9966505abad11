import pytest
from django.conf import settings

from safeguard.accounts.tests.conftest import login

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"


def test_after_the_failure_limit_even_the_right_password_is_refused(agent, client):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, agent.username, WRONG).status_code == 200  # the form again, with an error
    last = login(client, agent.username, WRONG)
    assert last.status_code == 429
    response = login(client, agent.username)
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(agent, client):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, agent.username, WRONG)
    assert login(client, agent.username).status_code == 302
    client.post("/accounts/logout/")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, agent.username, WRONG).status_code == 200
    assert login(client, agent.username).status_code == 302


def test_the_lockout_is_per_user_not_for_everyone(agent, supervisor, client):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, agent.username, WRONG)
    assert login(client, supervisor.username).status_code == 302

import pytest

from safeguard.accounts.tokens import create_token, revoke_token
from safeguard.api.tests.conftest import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def test_a_new_token_works(agent, api_as):
    assert api_as(agent).get("/api/v1/cases").status_code == 200


def test_no_token_is_401(api_as):
    response = api_as(None).get("/api/v1/cases")
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_401():
    assert_problem(ApiClient("sg_not-a-real-token").get("/api/v1/cases"), 401, "not_authenticated")


def test_a_revoked_token_is_401(agent):
    token, secret = create_token(user=agent)
    revoke_token(token=token, by=agent)
    assert_problem(ApiClient(secret).get("/api/v1/cases"), 401, "not_authenticated")


def test_a_disabled_users_token_is_401(agent):
    _token, secret = create_token(user=agent)
    agent.is_active = False
    agent.save()
    assert_problem(ApiClient(secret).post("/api/v1/cases", {}), 401, "not_authenticated")


def test_a_session_cookie_is_not_enough(agent, client):
    client.force_login(agent)
    assert_problem(client.get("/api/v1/cases"), 401)


def test_401_comes_before_validation(api_as):
    assert_problem(api_as(None).post("/api/v1/cases", {"type": "nonsense"}), 401)

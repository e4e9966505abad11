import pytest

from safeguard.api.tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_a_visible_case_is_returned_in_full(agent, api_as, open_case):
    case = open_case(agent)
    response = api_as(agent).get(f"/api/v1/cases/{case.reference}")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == case.reference
    assert body["description"] == "The ATM kept my card."
    assert body["version"] == case.version
    assert body["milestones"]
    assert body["customer"]["phone"] == case.customer.phone_masked


def test_a_missing_case_is_404(agent, api_as):
    assert_problem(api_as(agent).get("/api/v1/cases/CMP-2026-999999"), 404, "not_found")


def test_a_case_of_another_department_is_404_like_a_missing_one(agent, other_agent, api_as, open_case):
    case = open_case(agent)
    hidden = api_as(other_agent).get(f"/api/v1/cases/{case.reference}")
    missing = api_as(other_agent).get("/api/v1/cases/CMP-2026-999999")
    assert_problem(hidden, 404, "not_found")
    assert_problem(missing, 404, "not_found")
    assert hidden.json()["detail"] == missing.json()["detail"]


@pytest.mark.parametrize("persona", ["supervisor", "compliance", "auditor"])
def test_readers_of_every_department_see_it(persona, agent, api_as, open_case, request):
    case = open_case(agent)
    assert api_as(request.getfixturevalue(persona)).get(f"/api/v1/cases/{case.reference}").status_code == 200


def test_a_user_without_a_role_sees_nothing(agent, nobody, api_as, open_case):
    case = open_case(agent)
    assert_problem(api_as(nobody).get(f"/api/v1/cases/{case.reference}"), 404)

import pytest

from safeguard.api.tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["agent", "supervisor"])
def test_agents_and_supervisors_may_open_cases(persona, api_as, case_body, request):
    assert api_as(request.getfixturevalue(persona)).post("/api/v1/cases", case_body()).status_code == 201


@pytest.mark.parametrize("persona", ["auditor", "compliance", "nobody", "administrator"])
def test_others_may_not_open_cases_and_nothing_is_written(persona, api_as, case_body, counts, request):
    client = api_as(request.getfixturevalue(persona))
    before = counts()
    body = assert_problem(client.post("/api/v1/cases", case_body()), 403, "permission_denied")
    assert body["permission"] == "cases.add_case"
    assert counts() == before

import pytest

from safeguard.api.tests.conftest import assert_problem
from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(agent, open_case):
    case = open_case(agent)
    if case.status != Status.RECEIVED:  # a policy may acknowledge on receipt
        Case.objects.filter(pk=case.pk).update(status=Status.RECEIVED, acknowledged_at=None)
        case.refresh_from_db()
    return case


def _move(client, case, to, version=None, note=""):
    return client.post(
        f"/api/v1/cases/{case.reference}/transitions",
        {"to": to, "version": case.version if version is None else version, "note": note},
    )


def test_an_agent_acknowledges_a_case(agent, api_as, received):
    response = _move(api_as(agent), received, "acknowledged", note="Called the customer back")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "acknowledged"
    assert body["version"] == received.version + 1
    assert AuditEntry.objects.filter(action__startswith="case.", actor=agent, object_id=str(received.pk)).exists()


def test_an_illegal_transition_is_409(agent, api_as, received):
    body = assert_problem(_move(api_as(agent), received, "closed"), 409, "illegal_transition")
    assert body["from"] == "received" and body["to"] == "closed"
    received.refresh_from_db()
    assert received.status == Status.RECEIVED


def test_a_stale_version_is_409(agent, api_as, received):
    client = api_as(agent)
    _move(client, received, "acknowledged")
    assert_problem(_move(client, received, "investigating", version=received.version), 409, "stale_case")
    received.refresh_from_db()
    assert received.status == Status.ACKNOWLEDGED


def test_resolving_needs_a_decision(agent, api_as, received):
    client = api_as(agent)
    _move(client, received, "acknowledged")
    received.refresh_from_db()
    _move(client, received, "investigating")
    received.refresh_from_db()
    assert_problem(_move(client, received, "resolved"), 422, "resolution_required")


@pytest.mark.parametrize("persona", ["auditor", "compliance", "nobody"])
def test_readers_and_users_without_a_role_may_not_transition(persona, api_as, received, request, counts):
    client = api_as(request.getfixturevalue(persona))
    before = counts()
    response = _move(client, received, "acknowledged")
    assert response.status_code in {403, 404}
    assert_problem(response, 403 if persona != "nobody" else 404)
    assert counts() == before
    received.refresh_from_db()
    assert received.status == Status.RECEIVED


def test_an_agent_of_another_department_gets_404(other_agent, api_as, received):
    assert_problem(_move(api_as(other_agent), received, "acknowledged"), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [{"to": "acknowledged"}, {"to": "nowhere", "version": 1}, {"to": "acknowledged", "version": 0}, {"version": 1}],
)
def test_bad_transition_bodies_are_422(agent, api_as, received, body):
    response = api_as(agent).post(f"/api/v1/cases/{received.reference}/transitions", body)
    assert_problem(response, 422, "invalid_input")

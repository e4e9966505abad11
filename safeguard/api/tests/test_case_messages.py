import pytest

from safeguard.api.tests.conftest import assert_problem
from safeguard.cases.models import Message

pytestmark = pytest.mark.django_db


def _post(client, case, body, **headers):
    return client.post(f"/api/v1/cases/{case.reference}/messages", body, **headers)


def test_an_agent_records_a_message_to_the_customer(agent, api_as, open_case):
    case = open_case(agent)
    response = _post(api_as(agent), case, {"direction": "out", "body": "We are looking into it.", "subject": "Re"})
    assert response.status_code == 201, response.content
    body = response.json()
    message = Message.objects.get()
    assert body["id"] == message.pk and body["author"] == "agent" and body["direction"] == "out"
    assert body["channel"] == case.channel


def test_a_message_from_the_customer_is_recorded(agent, api_as, open_case):
    case = open_case(agent)
    response = _post(api_as(agent), case, {"direction": "in", "body": "Any news?", "channel": "phone"})
    assert response.status_code == 201
    assert Message.objects.get().direction == "in"


def test_a_retried_message_is_recorded_once(agent, api_as, open_case):
    case = open_case(agent)
    client = api_as(agent)
    first = _post(client, case, {"direction": "in", "body": "Hello"}, **{"Idempotency-Key": "m-1"})
    again = _post(client, case, {"direction": "in", "body": "Hello"}, **{"Idempotency-Key": "m-1"})
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"direction": "sideways", "body": "x"},
        {"direction": "out", "body": ""},
        {"direction": "out"},
        {"direction": "out", "body": "   "},
        {"direction": "out", "body": "x", "channel": "telepathy"},
    ],
)
def test_bad_messages_are_422_and_write_nothing(agent, api_as, open_case, counts, body):
    case = open_case(agent)
    client = api_as(agent)
    before = counts()
    assert_problem(_post(client, case, body), 422)
    assert counts() == before and not Message.objects.exists()


@pytest.mark.parametrize("persona", ["auditor", "compliance"])
def test_readers_may_not_record_messages(persona, agent, api_as, open_case, request):
    case = open_case(agent)
    assert_problem(_post(api_as(request.getfixturevalue(persona)), case, {"direction": "out", "body": "x"}), 403)
    assert not Message.objects.exists()


def test_a_message_on_an_invisible_case_is_404(agent, other_agent, api_as, open_case):
    case = open_case(agent)
    assert_problem(_post(api_as(other_agent), case, {"direction": "out", "body": "x"}), 404, "not_found")
    assert not Message.objects.exists()

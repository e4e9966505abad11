"""Every bad request gets a 4xx problem document and writes nothing."""

import pytest

from safeguard.api.tests.conftest import assert_problem
from safeguard.cases.schemas import MAX_DESCRIPTION

pytestmark = pytest.mark.django_db


def _without(body, *names):
    return {k: v for k, v in body.items() if k not in names}


BAD_BODIES = {
    "missing type": lambda b: _without(b, "type"),
    "missing channel": lambda b: _without(b, "channel"),
    "missing description": lambda b: _without(b, "description"),
    "missing customer": lambda b: _without(b, "customer"),
    "blank description": lambda b: {**b, "description": "   "},
    "wrong type enum": lambda b: {**b, "type": "grievance"},
    "wrong channel enum": lambda b: {**b, "channel": "carrier-pigeon"},
    "wrong severity enum": lambda b: {**b, "severity": "apocalyptic"},
    "wrong complainant role": lambda b: {**b, "complainant_role": "neighbour"},
    "future received_at": lambda b: {**b, "received_at": "2026-03-03T10:00:00+08:00"},
    "naive received_at": lambda b: {**b, "received_at": "2026-03-01T10:00:00"},
    "not a date": lambda b: {**b, "received_at": "yesterday"},
    "unknown product code": lambda b: {**b, "product": "no-such-product"},
    "unknown category code": lambda b: {**b, "category": "no-such-category"},
    "unknown policy code": lambda b: {**b, "policy": "no-such-policy"},
    "unknown department code": lambda b: {**b, "department": "no-such-department"},
    "oversized description": lambda b: {**b, "description": "x" * (MAX_DESCRIPTION + 1)},
    "unknown field": lambda b: {**b, "priority": "high"},
    "unknown customer number, no details": lambda b: {**b, "customer": {"customer_no": "C404"}},
    "customer without number or details": lambda b: {**b, "customer": {}},
    "new customer without a number": lambda b: {**b, "customer": {"name": "李雷", "phone": "13700000000"}},
    "invalid customer phone": lambda b: {**b, "customer": {**b["customer"], "phone": "call me maybe"}},
    "invalid customer e-mail": lambda b: {**b, "customer": {**b["customer"], "email": "not-an-address"}},
    "wrong customer language": lambda b: {**b, "customer": {**b["customer"], "preferred_language": "fr"}},
    "body is a list": lambda b: [b],
    "type is a number": lambda b: {**b, "type": 3},
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_input_is_a_4xx_problem_and_writes_nothing(agent, api_as, case_body, counts, name):
    client = api_as(agent)
    before = counts()
    response = client.post("/api/v1/cases", BAD_BODIES[name](case_body()), **{"Idempotency-Key": f"k-{name}"})
    body = assert_problem(response, response.status_code)
    assert 400 <= response.status_code < 500
    assert body["detail"]
    assert counts() == before


@pytest.mark.parametrize(
    "raw", ['{"type": "complaint",', "not json at all", "", '{"type": "complaint"} trailing', "\x00\x01"]
)
def test_a_malformed_json_body_is_a_4xx_problem(agent, api_as, counts, raw):
    client = api_as(agent)
    before = counts()
    response = client.post("/api/v1/cases", raw=raw)
    assert response.status_code in {400, 422}
    assert_problem(response, response.status_code)
    assert counts() == before


def test_validation_errors_name_the_field(agent, api_as, case_body):
    response = api_as(agent).post("/api/v1/cases", {**case_body(), "type": "grievance"})
    body = assert_problem(response, 422, "invalid_input")
    assert ["body", "type"] in [error["loc"] for error in body["errors"]]


def test_a_future_receipt_is_refused_with_its_own_code(agent, api_as, case_body):
    response = api_as(agent).post("/api/v1/cases", case_body(received_at="2026-03-03T10:00:00+08:00"))
    body = assert_problem(response, 422, "invalid_received_at")
    assert body["field"] == "received_at"


def test_a_form_encoded_body_is_refused(agent, api_as):
    client = api_as(agent)
    response = client.client.post("/api/v1/cases", {"type": "complaint"}, headers=client.headers)
    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code)

"""POST /api/v1/cases/batch: up to 500 cases, a result per item, one Idempotency-Key per batch."""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine
from django.db import connection

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case
from safeguard.customers.models import Customer
from safeguard.intake.schemas import MAX_BATCH
from safeguard.intake.tests.api_support import NOW, assert_problem, case_body, client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/batch"
KEY = {"Idempotency-Key": "batch-7d7e0c52-0001"}


@pytest.fixture(autouse=True)
def frozen_time() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _batch(*items: Any) -> dict[str, Any]:
    return {"items": list(items)}


def test_every_item_opened_is_200_with_a_case_per_item(agent):
    response = client_for(agent).post(URL, _batch(case_body(1), case_body(2), case_body(3)))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["count"], body["created"], body["failed"]) == (3, 3, 0)
    assert [r["index"] for r in body["results"]] == [0, 1, 2]
    assert {r["status"] for r in body["results"]} == {201}
    references = [r["case"]["reference"] for r in body["results"]]
    assert len(set(references)) == 3
    assert set(Case.objects.values_list("reference", flat=True)) == set(references)
    first = body["results"][0]["case"]
    # The same answer POST /cases gives: masked customer, milestones, the caller's department.
    assert first["customer"]["phone"] == "139****0001"
    assert first["department"] == "cards" and first["product"] == "credit-card"
    assert first["milestones"] and first["description"] == "我的信用卡被重复扣年费 (1)。"


def test_a_mixed_batch_keeps_the_good_items_and_reports_each_bad_one(agent):
    items = [
        case_body(1),
        case_body(2, description=""),  # fails the schema
        case_body(3),
        case_body(4, product="no-such-product"),  # refused by the service
        # A new customer is recorded, then the case is refused: the customer must go too.
        case_body(5, category="no-such-category"),
        {"not": "a case"},
        "not even an object",
        case_body(8, customer={"customer_no": "C00000404"}),  # no such customer
    ]
    response = client_for(agent).post(URL, _batch(*items))
    assert response.status_code == 207, response.content
    body = response.json()
    assert (body["count"], body["created"], body["failed"]) == (8, 2, 6)
    statuses = {r["index"]: r["status"] for r in body["results"]}
    assert statuses == {0: 201, 1: 422, 2: 201, 3: 422, 4: 422, 5: 422, 6: 422, 7: 422}
    results = body["results"]
    schema_problem = results[1]["problem"]
    assert schema_problem["code"] == "invalid_input" and schema_problem["status"] == 422
    assert {"type", "title", "detail", "instance"} <= set(schema_problem)
    assert ["body", "items", 1, "description"] in [e["loc"] for e in schema_problem["errors"]]
    assert results[3]["problem"]["field"] == "product"
    assert results[4]["problem"]["field"] == "category"
    assert results[7]["problem"]["code"] == "unknown_customer"
    assert results[1]["case"] is None and results[0]["problem"] is None
    # The good ones are written, and only they.
    assert Case.objects.count() == 2
    assert set(Customer.objects.values_list("customer_no", flat=True)) == {"C90000001", "C90000003"}
    assert AuditEntry.objects.filter(action="case.open").count() == 2


def test_more_than_the_limit_is_refused_whole(agent):
    response = client_for(agent).post(URL, _batch(*[{} for _ in range(MAX_BATCH + 1)]))
    problem = assert_problem(response, 422, "too_many_items")
    assert problem["limit"] == MAX_BATCH == 500
    assert not Case.objects.exists()


def test_an_empty_batch_is_refused(agent):
    assert_problem(client_for(agent).post(URL, _batch()), 422, "too_many_items")


def test_the_limit_itself_is_accepted(agent):
    response = client_for(agent).post(URL, _batch(*[case_body(n) for n in range(MAX_BATCH)]))
    assert response.status_code == 200, response.content[:500]
    assert response.json()["created"] == MAX_BATCH
    assert Case.objects.count() == MAX_BATCH


def test_a_retry_with_the_key_returns_the_first_answer_and_writes_nothing(agent):
    client = client_for(agent)
    batch = _batch(case_body(1), case_body(2, product="no-such-product"))
    first = client.post(URL, batch, **KEY)
    assert first.status_code == 207
    cases, audit = Case.objects.count(), AuditEntry.objects.count()
    again = client.post(URL, batch, **KEY)
    assert again.status_code == 207 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert (Case.objects.count(), AuditEntry.objects.count()) == (cases, audit)


def test_the_same_key_with_another_batch_is_refused(agent):
    client = client_for(agent)
    client.post(URL, _batch(case_body(1)), **KEY)
    response = client.post(URL, _batch(case_body(1), case_body(2)), **KEY)
    assert_problem(response, 422, "idempotency_key_reused")
    assert Case.objects.count() == 1


@pytest.mark.parametrize("persona", ["auditor", "compliance", "nobody"])
def test_roles_that_may_not_open_cases_are_refused(request, persona):
    response = client_for(request.getfixturevalue(persona)).post(URL, _batch(case_body(1)))
    assert_problem(response, 403, "permission_denied")
    assert not Case.objects.exists() and not Customer.objects.exists()


def test_without_a_token_it_is_401(db):
    assert_problem(client_for(None).post(URL, _batch(case_body(1))), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        (json.dumps({"items": "nope"}), 422),
        (json.dumps({"items": [], "extra": 1}), 422),
        (json.dumps([]), 422),
    ],
)
def test_a_malformed_body_is_a_problem(agent, raw, status):
    response = client_for(agent).post(URL, raw=raw)
    assert_problem(response, status)
    assert not Case.objects.exists()


def test_a_body_over_the_limit_is_413(agent, settings):
    settings.SAFEGUARD_API_BATCH_MAX_BYTES = 1000
    response = client_for(agent).post(URL, _batch(*[case_body(n) for n in range(5)]))
    problem = assert_problem(response, 413, "request_too_large")
    assert problem["limit_bytes"] == 1000
    assert not Case.objects.exists()


def test_a_batch_larger_than_the_form_limit_is_still_read(agent, settings):
    # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) guards forms; a batch has its own, larger limit.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_for(agent).post(URL, _batch(case_body(1), case_body(2)))
    assert response.status_code == 200, response.content


def test_the_batch_path_does_not_hide_reading_a_case(agent):
    client = client_for(agent)
    reference = client.post(URL, _batch(case_body(1))).json()["results"][0]["case"]["reference"]
    assert client.get(f"/api/v1/cases/{reference}").json()["reference"] == reference
    assert_problem(client.get(URL), 405)


def test_queries_grow_by_a_fixed_amount_per_item(agent, django_assert_max_num_queries):
    client = client_for(agent)
    client.post(URL, _batch(case_body(1)))  # warm the deadline rules cache, the token
    # Per item (an existing customer, by number) 12: savepoint + release (2), the customer (1), the
    # rules version (1), open_case's savepoint + release (2), the reference counter (1), the case
    # (1), milestones (1), events (1), the audit chain head + entry (2); on PostgreSQL also the
    # audit chain's advisory lock (1).
    # Once per batch 9: token (1), permissions (1), transaction (savepoint + release, 2), products
    # (1), categories (1), the caller's department (1), the cases and milestones read back (2).
    per_item = 13 if connection.vendor == "postgresql" else 12
    items = [case_body(1, customer={"customer_no": "C90000001"}) for _ in range(20)]
    with django_assert_max_num_queries(20 * per_item + 9):
        response = client.post(URL, _batch(*items))
    assert response.status_code == 200


def test_the_intake_endpoints_are_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    batch = schema["paths"]["/api/v1/cases/batch"]["post"]
    assert batch["requestBody"]["content"]["application/json"]["schema"]["properties"]["items"]["maxItems"] == 500
    assert {"200", "207", "413", "422"} <= set(batch["responses"])
    assert "CaseIn" in schema["components"]["schemas"]  # what the batch items refer to
    for path in ("/api/v1/cases/multipart", "/api/v1/cases/{reference}/attachments"):
        assert "multipart/form-data" in schema["paths"][path]["post"]["requestBody"]["content"]
    webhook = schema["paths"]["/api/v1/webhooks/{source_code}"]["post"]
    assert "security" not in webhook  # the signature, not a token

from datetime import timedelta

import pytest

from safeguard.api.models import IdempotencyRecord
from safeguard.api.tests.conftest import assert_problem
from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case

pytestmark = pytest.mark.django_db

KEY = {"Idempotency-Key": "3f1c6a1e-8a7b-4c1e-9d51-0d6c2b4f0a11"}


def test_a_retry_with_the_same_key_returns_the_first_result(agent, api_as, case_body):
    client = api_as(agent)
    first = client.post("/api/v1/cases", case_body(), **KEY)
    again = client.post("/api/v1/cases", case_body(), **KEY)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="case.open").count() == 1


def test_key_order_and_spacing_of_the_body_do_not_matter(agent, api_as, case_body):
    client = api_as(agent)
    body = case_body()
    first = client.post("/api/v1/cases", body, **KEY)
    reordered = dict(reversed(list(body.items())))
    again = client.post("/api/v1/cases", None, raw=__import__("json").dumps(reordered, indent=2), **KEY)
    assert again.json()["reference"] == first.json()["reference"]


def test_the_same_key_with_a_different_body_is_refused(agent, api_as, case_body, counts):
    client = api_as(agent)
    client.post("/api/v1/cases", case_body(), **KEY)
    before = counts()
    response = client.post("/api/v1/cases", case_body(description="Something else entirely"), **KEY)
    assert_problem(response, 422, "idempotency_key_reused")
    assert counts() == before


def test_keys_belong_to_one_user(agent, supervisor, api_as, case_body):
    mine = api_as(agent).post("/api/v1/cases", case_body(), **KEY)
    theirs = api_as(supervisor).post("/api/v1/cases", case_body(), **KEY)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert theirs.json()["reference"] != mine.json()["reference"]


def test_a_key_is_forgotten_after_the_window(agent, api_as, case_body, frozen_time, settings):
    client = api_as(agent)
    first = client.post("/api/v1/cases", case_body(), **KEY)
    frozen_time.shift(timedelta(hours=settings.SAFEGUARD_IDEMPOTENCY_HOURS, seconds=1))
    later = client.post("/api/v1/cases", case_body(customer={"customer_no": "C90000001"}), **KEY)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert later.json()["reference"] != first.json()["reference"]
    assert IdempotencyRecord.objects.count() == 1


def test_a_refused_request_is_not_remembered(agent, api_as, case_body):
    client = api_as(agent)
    refused = client.post("/api/v1/cases", case_body(product="no-such-product"), **KEY)
    assert_problem(refused, 422)
    assert not IdempotencyRecord.objects.exists()
    # The client fixes the body and retries with the same key: not "reused", it just works.
    assert client.post("/api/v1/cases", case_body(), **KEY).status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 201, "ключ"])
def test_a_malformed_key_is_refused(agent, api_as, case_body, counts, key):
    client = api_as(agent)
    before = counts()
    response = client.post("/api/v1/cases", case_body(), **{"Idempotency-Key": key})
    assert response.status_code in {400, 422}
    assert response["Content-Type"].startswith("application/problem+json")
    assert counts() == before


def test_the_record_and_the_case_are_written_together(agent, api_as, case_body):
    api_as(agent).post("/api/v1/cases", case_body(), **KEY)
    record = IdempotencyRecord.objects.get()
    assert record.status_code == 201
    assert record.response["reference"] == Case.objects.get().reference
    assert record.endpoint == "cases.create" and record.user == agent

"""Two requests with one Idempotency-Key at the same moment make one case.

The race is staged, not left to chance: the first request is held just before it writes its
idempotency record (its case, customer and audit entries are written, not yet committed);
the competitor starts on a second database connection and runs until it blocks on the
first one's locks; only then does the first request commit. PostgreSQL only: SQLite takes
its write lock when a transaction begins, so two writers never overlap there.
"""

import threading

import pytest
from django.db import connection, connections

from safeguard.api import idempotency
from safeguard.api.models import IdempotencyRecord
from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case
from safeguard.customers.models import Customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

KEY = {"Idempotency-Key": "race-0001"}


def _wait_until_blocked(competitor: threading.Thread) -> None:
    """Return once another backend waits for a lock that ours holds (the competitor got that far)."""
    with connections["default"].cursor() as cur:
        # A synchronisation point, not a timing assumption: poll the lock table until the
        # competitor is seen waiting (it cannot finish before we commit).
        for _attempt in range(100_000):
            cur.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cur.fetchone()[0]:
                return
            assert competitor.is_alive(), "the competitor finished without waiting for the first request"
    raise AssertionError("the competitor never blocked")


def _race(agent, api_as, case_body, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs two overlapping transactions (PostgreSQL)")
    first_client, second_client = api_as(agent), api_as(agent)
    answers = {}
    real_create = IdempotencyRecord.objects.create

    def competitor():
        try:
            answers["second"] = second_client.post("/api/v1/cases", case_body(), **KEY)
        finally:
            connections.close_all()

    def create_after_the_competitor_blocks(**kwargs):
        if "thread" not in answers:
            answers["thread"] = threading.Thread(target=competitor)
            answers["thread"].start()
            _wait_until_blocked(answers["thread"])
        return real_create(**kwargs)

    monkeypatch.setattr(IdempotencyRecord.objects, "create", create_after_the_competitor_blocks)
    answers["first"] = first_client.post("/api/v1/cases", case_body(), **KEY)
    answers["thread"].join()
    return answers["first"], answers["second"]


def _assert_one_case(first, second):
    assert first.status_code == second.status_code == 201, (first.content, second.content)
    assert second.json() == first.json()
    assert second[idempotency.REPLAYED_HEADER] == "true"
    assert Case.objects.count() == 1
    assert Customer.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert AuditEntry.objects.filter(action="case.open").count() == 1


def test_concurrent_requests_with_one_key_make_one_case(agent, api_as, case_body, monkeypatch):
    _assert_one_case(*_race(agent, api_as, case_body, monkeypatch))


def test_without_the_queue_the_unique_constraint_still_decides(agent, api_as, case_body, monkeypatch):
    # The competitor now runs into the first request's uncommitted rows instead of the lock;
    # whatever it hits, its transaction rolls back and it answers with the winner's record.
    monkeypatch.setattr(idempotency, "_queue_on", lambda **_kwargs: None)
    _assert_one_case(*_race(agent, api_as, case_body, monkeypatch))

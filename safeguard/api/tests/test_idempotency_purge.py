from datetime import timedelta

import pytest

from safeguard.api.models import IdempotencyRecord
from safeguard.api.tasks import purge_idempotency_records

pytestmark = pytest.mark.django_db

KEY = {"Idempotency-Key": "purge-me-0001"}


def test_the_periodic_task_forgets_keys_past_the_window_only(agent, api_as, case_body, frozen_time):
    client = api_as(agent)
    client.post("/api/v1/cases", case_body(), **KEY)
    frozen_time.shift(timedelta(hours=23))
    client.post("/api/v1/cases", case_body(customer={"customer_no": "C90000001"}), **{"Idempotency-Key": "fresh"})
    frozen_time.shift(timedelta(hours=2))  # the first key is now 25 h old, the second 2 h

    assert purge_idempotency_records.call() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]

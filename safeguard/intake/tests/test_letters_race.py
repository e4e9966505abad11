"""Workers racing over the outbox on PostgreSQL: each letter is sent once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core import mail
from django.db import connection

from safeguard.intake import letters
from safeguard.intake.models import Letter
from safeguard.intake.tests.letters_support import open_case

WORKERS = 6
CASES = 10


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite allows one writer at a time (and the in-memory test database is per connection), "
    "so there is no race to test; run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_running_the_outbox_at_once_send_each_acknowledgement_once(make_customer: Any, departments: Any):
    cases = [open_case(make_customer(preferred_language="en"), departments["cards"]) for _ in range(CASES)]
    start = threading.Barrier(WORKERS)

    def run(_worker: int) -> None:
        try:
            start.wait()
            letters.send_due()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(run, range(WORKERS)))

    assert sorted(email.subject for email in mail.outbox) == sorted(
        f"[{case.reference}] We have received your complaint" for case in cases
    )
    assert Letter.objects.filter(status=Letter.Status.SENT).count() == CASES
    assert set(Letter.objects.values_list("attempts", flat=True)) == {1}

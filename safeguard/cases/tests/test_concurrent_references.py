"""Concurrent creation: every case gets its own reference and the numbers have no gaps."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from safeguard.cases import services
from safeguard.cases.models import Case

THREADS = 8
CASES_PER_THREAD = 5


class Abandoned(Exception):
    """The caller's transaction failed after the case was created."""


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite allows one writer at a time (and the in-memory test database is per connection), "
    "so there is no race to test; run with DATABASE_URL=postgres://...",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creations_get_unique_gapless_references(customer, departments):
    start = threading.Barrier(THREADS)

    def create(worker: int) -> list[str]:
        try:
            start.wait()
            made = []
            for n in range(CASES_PER_THREAD):
                fields = {
                    "by": None,
                    "customer": customer,
                    "type": "complaint",
                    "channel": "api",
                    "description": f"worker {worker} case {n}",
                    "department": departments["cards"],
                }
                if n == 2:
                    # One creation per worker is rolled back: its number must go to someone else.
                    try:
                        with transaction.atomic():
                            services.open_case(**fields)
                            raise Abandoned
                    except Abandoned:
                        continue
                made.append(services.open_case(**fields).reference)
            return made
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        created = [ref for refs in pool.map(create, range(THREADS)) for ref in refs]

    committed = THREADS * (CASES_PER_THREAD - 1)
    assert len(created) == len(set(created)) == committed
    assert sorted(created) == [f"CMP-2026-{n:06d}" for n in range(1, committed + 1)]
    assert Case.objects.count() == committed

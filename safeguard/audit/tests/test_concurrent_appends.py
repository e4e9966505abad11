"""Concurrent appends from several connections keep one unbroken chain (PostgreSQL advisory lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from safeguard.audit import services as audit
from safeguard.audit.models import AuditEntry
from safeguard.audit.selectors import verify_chain

THREADS = 6
APPENDS_EACH = 15


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every writer with its database lock; the advisory lock is PostgreSQL's",
)
# serialized_rollback: the clean-up must not recreate content types under new ids (see conftest).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_appends_from_many_threads_form_one_valid_chain():
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(APPENDS_EACH):
                # Some appends share a transaction with other work, as services do.
                with transaction.atomic():
                    audit.log(f"worker:{n}", "load.append", object_type="test", object_id=f"{n}-{i}")
                    if i % 3 == 0:
                        audit.log(f"worker:{n}", "load.second", object_type="test", object_id=f"{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    expected = THREADS * (APPENDS_EACH + len(range(0, APPENDS_EACH, 3)))
    assert AuditEntry.objects.count() == expected
    assert verify_chain() == (expected, None)
    prev_hashes = list(AuditEntry.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == expected  # no fork: every entry names a different predecessor

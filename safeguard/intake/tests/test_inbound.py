"""Raw first, then processing (``intake.inbound``): nothing that arrives is lost, nothing twice.

Items come from the test channel of ``inbound_support`` (source ``test:…``), whose processor
opens a case through ``submit`` like every real channel and can be told to crash part way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case
from safeguard.cases.tests.support import NOW
from safeguard.core.errors import Conflict, PermissionDenied
from safeguard.customers.models import Customer
from safeguard.intake import inbound, tasks
from safeguard.intake.models import InboundItem
from safeguard.intake.tests.inbound_support import BROKEN, body, register, stored

Status = InboundItem.Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def channel(monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch)


def fresh(item: InboundItem) -> InboundItem:
    return InboundItem.objects.get(pk=item.pk)


# --- receive: stored raw and committed before anything parses it ---------------------------------

TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@TRANSACTIONAL
def test_receive_stores_the_raw_item_encrypted_and_commits_it_on_its_own():
    raw = body(name="王芳", description="年费被重复扣收")
    item, created = inbound.receive(
        channel="email", source="test:inbox", payload=raw, headers={"Message-ID": "<a@x>"}, external_id="<a@x>"
    )
    assert created
    # Whatever the caller does next and however it fails, the item is already in the database.
    with pytest.raises(RuntimeError), transaction.atomic():
        InboundItem.objects.filter(pk=item.pk).update(error="half-way")
        raise RuntimeError("the caller fails after receive")
    row = fresh(item)
    assert (row.status, row.error, row.attempts, row.received_at) == (Status.RECEIVED, "", 0, NOW)
    assert (row.payload_size, row.headers) == (len(raw), {"Message-ID": "<a@x>"})
    assert "王芳".encode() not in row.payload_enc.encode() and "年费" not in row.payload_enc
    assert inbound.payload(row) == raw


@TRANSACTIONAL
def test_a_second_delivery_of_the_same_item_returns_the_first_and_is_not_processed_twice():
    first, created = inbound.receive(channel="email", source="test:inbox", payload=body(), external_id=" <m1@x> ")
    inbound.process(first.pk)
    again, created_again = inbound.receive(channel="email", source="test:inbox", payload=body(), external_id="<m1@x>")
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert inbound.process(again.pk).attempts == 1
    assert Case.objects.count() == 1
    # Another source may use the same id; an item without an id is always new.
    _other, other_created = inbound.receive(channel="email", source="test:other", payload=body(), external_id="<m1@x>")
    _a, a_created = inbound.receive(channel="email", source="test:inbox", payload=body())
    _b, b_created = inbound.receive(channel="email", source="test:inbox", payload=body())
    assert (other_created, a_created, b_created) == (True, True, True)
    assert InboundItem.objects.count() == 4


def test_receive_refuses_to_run_inside_a_transaction_that_could_roll_it_back():
    # Every test of this module runs inside a transaction: exactly what receive must refuse.
    with pytest.raises(RuntimeError, match="outside a transaction"):
        inbound.receive(channel="email", source="test:inbox", payload=body())
    assert not InboundItem.objects.exists()


@TRANSACTIONAL
def test_a_crash_between_receive_and_process_is_picked_up_by_the_periodic_task(frozen_time):
    item, _created = inbound.receive(channel="email", source="test:inbox", payload=body())
    # The worker died before processing: nothing else happened to the item.
    assert tasks.process_stuck_items.call() == 0  # too recent: its own worker may still be on it
    frozen_time.shift(tasks.STUCK_AFTER + timedelta(seconds=1))
    assert tasks.process_stuck_items.call() == 1
    row = fresh(item)
    assert (row.status, row.attempts) == (Status.PROCESSED, 1)
    assert row.case is not None and Case.objects.count() == 1
    assert tasks.process_stuck_items.call() == 0


# --- process: processed, ignored, rejected, failed ---------------------------------------------


def test_a_processed_item_points_at_its_case_and_processing_it_again_changes_nothing():
    item = stored(body(description="信用卡年费被重复扣收，请退还。"))
    done = inbound.process(item.pk)
    case = Case.objects.get()
    assert (done.status, done.case, done.error, done.attempts, done.processed_at) == (
        Status.PROCESSED,
        case,
        "",
        1,
        NOW,
    )
    assert (fresh(item).status, fresh(item).case_id) == (Status.PROCESSED, case.pk)
    assert inbound.process(item.pk).attempts == 1
    assert Case.objects.count() == 1


def test_an_auto_reply_is_ignored_and_opens_nothing():
    item = inbound.process(stored(body(auto_reply=True)).pk)
    assert (item.status, item.error, item.case) == (Status.IGNORED, "Auto-Submitted: auto-replied", None)
    assert not Case.objects.exists()


def test_invalid_input_is_rejected_with_the_reason():
    item = inbound.process(stored(body(invalid=True)).pk)
    assert (item.status, item.error) == (Status.REJECTED, "invalid_input: The description is missing.")
    assert not Case.objects.exists()
    assert inbound.process(item.pk).attempts == 1  # the periodic work leaves a rejected item alone


def test_an_item_from_a_source_with_no_processor_fails_and_waits_for_a_retry():
    item = inbound.process(stored(source="fax:1").pk)
    assert item.status == Status.FAILED
    assert item.error.startswith("LookupError: no processor for source 'fax:1'")


def test_a_processor_killed_after_writing_the_case_leaves_nothing_half_written():
    item = stored(body(crash="after_case"))
    done = inbound.process(item.pk)
    assert done.status == Status.FAILED
    assert done.error.startswith("Crash: worker killed after writing the case (at inbound_support.py:")
    # The whole processing rolled back: no case, no customer, no audit entry of it; the raw item stays.
    assert not Case.objects.exists()
    assert not Customer.objects.exists()
    assert not AuditEntry.objects.filter(action="case.create").exists()
    assert inbound.payload(fresh(item)) == body(crash="after_case")


def test_a_failed_item_is_retried_once_the_cause_is_fixed_and_opens_one_case(agent):
    BROKEN["on"] = True
    item = stored(body())
    assert inbound.process(item.pk).status == Status.FAILED
    assert inbound.retry(item=item, by=agent).status == Status.FAILED  # still broken: fails again
    BROKEN["on"] = False
    done = inbound.retry(item=item, by=agent)
    assert (done.status, done.attempts, done.error) == (Status.PROCESSED, 3, "")
    assert Case.objects.count() == 1


# --- retry: who may, what, and the audit ---------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "supervisor", "administrator"])
def test_staff_with_the_permission_retry_and_the_retry_is_audited(request, persona):
    user = request.getfixturevalue(persona)
    item = stored(body(), status=Status.FAILED, error="OperationalError: database went away", attempts=1)
    done = inbound.retry(item=item, by=user)
    assert (done.status, done.attempts) == (Status.PROCESSED, 2)
    entry = AuditEntry.objects.get(action="intake.retry")
    assert (entry.actor_id, entry.object_id) == (user.pk, str(item.pk))
    assert entry.changes["status"] == Status.FAILED


@pytest.mark.parametrize("persona", ["auditor", "compliance", "nobody"])
def test_others_may_not_retry_and_nothing_happens(request, persona):
    user = request.getfixturevalue(persona)
    item = stored(body(), status=Status.FAILED, error="boom", attempts=1)
    with pytest.raises(PermissionDenied):
        inbound.retry(item=item, by=user)
    row = fresh(item)
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action="intake.retry").exists()


@pytest.mark.parametrize("status", [Status.PROCESSED, Status.IGNORED])
def test_a_finished_item_cannot_be_retried(agent, status):
    item = stored(body(), status=status)
    with pytest.raises(Conflict):
        inbound.retry(item=item, by=agent)
    assert fresh(item).attempts == 0
    assert not AuditEntry.objects.filter(action="intake.retry").exists()


def test_a_stale_copy_of_a_processed_item_is_not_retried(agent):
    item = stored(body(), status=Status.FAILED)
    InboundItem.objects.filter(pk=item.pk).update(status=Status.PROCESSED)  # another retry won
    with pytest.raises(Conflict):
        inbound.retry(item=item, by=agent)
    assert not Case.objects.exists()


def test_a_rejected_item_can_be_retried_once_the_cause_on_our_side_is_fixed(agent):
    # e.g. rejected for a calendar year nobody had loaded; the administrator loaded it since.
    item = stored(body(), status=Status.REJECTED, error="calendar_year_missing: ...", attempts=1)
    done = inbound.retry(item=item, by=agent)
    assert (done.status, done.attempts) == (Status.PROCESSED, 2)
    assert Case.objects.count() == 1


def test_the_task_processes_one_item_and_reports_its_status():
    item = stored(body())
    assert tasks.process_inbound_item.call(item.pk) == Status.PROCESSED

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from safeguard.audit import chain
from safeguard.audit import services as audit
from safeguard.audit.models import AppendOnlyError, AuditEntry
from safeguard.audit.selectors import chain_head, verify_chain

pytestmark = pytest.mark.django_db


def _tamper(sql: str, params: list) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Superusers can switch triggers off for their session (SQLite has none).
            cur.execute("SET session_replication_role = replica")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = DEFAULT")


def test_entries_chain_to_the_previous_hash():
    first = audit.log(None, "thing.create", object_type="x", object_id="1")
    second = audit.log(
        "customer:CMP-2026-000001", "thing.update", object_type="x", object_id="1", changes={"a": [1, 2]}
    )
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert verify_chain() == (2, None)


def test_a_changed_row_is_detected_and_named():
    audit.log(None, "a")
    victim = audit.log(None, "b", changes={"amount": "100.00"})
    audit.log(None, "c")
    _tamper("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"amount": "1.00"}', victim.id])
    _checked, broken = verify_chain()
    assert broken is not None and broken[0] == victim.id
    assert "changed" in broken[1]
    with pytest.raises(CommandError, match=f"#{victim.id}"):
        call_command("verify_audit")


def test_a_deleted_middle_row_is_detected_at_the_next_entry_and_the_command_exits_non_zero():
    audit.log(None, "a")
    victim = audit.log(None, "b")
    after = audit.log(None, "c")
    audit.log(None, "d")
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [victim.id])
    _checked, broken = verify_chain()
    assert broken is not None
    assert broken[0] == after.id and "removed or reordered" in broken[1]
    with pytest.raises(CommandError, match=f"broken at entry #{after.id}: previous hash") as excinfo:
        call_command("verify_audit")
    assert excinfo.value.returncode == 1


def test_a_deleted_first_row_is_detected():
    first = audit.log(None, "a")
    second = audit.log(None, "b")
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [first.id])
    broken = verify_chain()[1]
    assert broken is not None and broken[0] == second.id


def test_an_intact_chain_prints_its_head_and_exits_zero(capsys):
    audit.log(None, "a")
    head = audit.log(None, "b").hash
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Audit chain intact: 2 entries verified" in out and head in out
    assert chain_head() == head


def test_entries_cut_off_the_end_are_detected_against_a_recorded_head():
    audit.log(None, "a")
    last = audit.log(None, "b")
    call_command("verify_audit", "--expect-head", last.hash)
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [last.id])
    assert verify_chain()[1] is None  # a shorter chain is still a valid chain ...
    with pytest.raises(CommandError, match="does not contain the expected head"):
        call_command("verify_audit", "--expect-head", last.hash)  # ... but not the one recorded


def test_an_empty_log_verifies():
    assert verify_chain() == (0, None)
    assert chain_head() == chain.GENESIS


def test_model_refuses_update_and_delete():
    entry = audit.log(None, "a")
    entry.action = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_create([AuditEntry(action="x", prev_hash="1" * 64, hash="2" * 64)])


def test_the_database_refuses_a_second_entry_naming_the_same_predecessor():
    entry = audit.log(None, "a")
    fork = AuditEntry(at=entry.at, actor_label="x", action="fork", prev_hash=entry.prev_hash, hash="f" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgres_trigger_refuses_raw_update_and_delete():
    entry = audit.log(None, "a")
    for sql in ("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", "DELETE FROM audit_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.id])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgres_trigger_refuses_truncate_unless_the_session_opts_in():
    # The test connection opts in (so transactional tests can be flushed); switch it off here.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL safeguard.allow_audit_truncate = off")
        cur.execute("TRUNCATE audit_auditentry")


def test_values_the_database_would_change_are_stored_as_hashed_and_still_verify():
    # jsonb reorders keys and rewrites numbers; inet rewrites IPv6; NUL is refused by PostgreSQL.
    changes: dict[Any, Any] = {"z": 1, "a": {"y": [1.5, 1e100, Decimal("10.50")], "b": None}, "nul": "a\x00b", 3: True}
    entry = audit.log(None, "odd.values", object_type="x", object_id="1", changes=changes, ip="2001:DB8:0:0:0:0:0:1")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.changes == {"z": 1, "a": {"y": ["1.5", "1e+100", "10.50"], "b": None}, "nul": "a\ufffdb", "3": True}
    assert stored.ip == "2001:db8::1"
    mapped = audit.log(None, "mapped", ip="::ffff:10.0.0.1")
    assert AuditEntry.objects.get(pk=mapped.pk).ip == "10.0.0.1"
    assert verify_chain() == (2, None)


def test_over_long_text_is_cut_to_its_column_and_still_verifies():
    entry = audit.log("u" * 300, "a" * 100, object_type="t" * 100, object_id="i" * 100, object_repr="r" * 300)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (len(stored.actor_label), len(stored.action), len(stored.object_id), len(stored.object_repr)) == (
        150,
        80,
        80,
        200,
    )
    assert verify_chain() == (1, None)


def test_the_hash_does_not_depend_on_key_order():
    fields = {"b": 1, "a": {"d": 2, "c": 3}}
    reordered = json.loads('{"a": {"c": 3, "d": 2}, "b": 1}')
    assert chain.link_hash(chain.GENESIS, fields) == chain.link_hash(chain.GENESIS, reordered)


@pytest.mark.parametrize(
    "changes",
    [
        {"phone": "13812345678"},
        {"national_id": {"after": "11010519491231002X"}},
        {"email": ["a****@example.com", "plain@example.com"]},
    ],
)
def test_log_refuses_plaintext_under_a_pii_key(changes):
    with pytest.raises(audit.PlaintextPIIError):
        audit.log(None, "x", changes=changes)
    assert not AuditEntry.objects.exists()


def test_log_accepts_masked_values_empty_values_and_field_names():
    audit.log(None, "x", changes={"phone": {"before": "138****5678", "after": ""}, "field": "phone"})
    assert AuditEntry.objects.count() == 1


def test_the_actor_is_recorded_as_user_label_or_system(agent):
    by_user = audit.log(agent, "a")
    by_label = audit.log("customer:CMP-2026-000001", "b")
    by_system = audit.log(None, "c")
    assert (by_user.actor, by_user.actor_label) == (agent, "agent")
    assert (by_label.actor, by_label.actor_label) == (None, "customer:CMP-2026-000001")
    assert (by_system.actor, by_system.actor_label) == (None, "system")

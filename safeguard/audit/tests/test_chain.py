import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from safeguard.audit import services as audit
from safeguard.audit.models import AppendOnlyError, AuditEntry
from safeguard.audit.selectors import verify_chain

pytestmark = pytest.mark.django_db


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
    with connection.cursor() as cur:
        # Bypass the model, as a tamperer with database access would (SQLite has no trigger).
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
        cur.execute("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"amount": "1.00"}', victim.id])
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = DEFAULT")
    _checked, broken = verify_chain()
    assert broken is not None and broken[0] == victim.id
    with pytest.raises(CommandError, match=f"#{victim.id}"):
        call_command("verify_audit")


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgres_trigger_refuses_raw_update_and_delete():
    from django.db import DatabaseError, transaction

    entry = audit.log(None, "a")
    for sql in ("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", "DELETE FROM audit_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.id])

"""rotate_field_keys: every value moves to the active key, in batches, idempotently, audited once."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.audit.models import AuditEntry
from safeguard.config import FieldKeys
from safeguard.customers import crypto
from safeguard.customers.models import PII_FIELDS, Customer
from safeguard.customers.selectors import find_customer
from safeguard.customers.services import reveal, rotate_field_keys
from safeguard.customers.tests.conftest import PLAIN

pytestmark = pytest.mark.django_db


def _key_ids() -> set[str]:
    ids = set()
    for customer in Customer.objects.all():
        ids |= {crypto.key_id(getattr(customer, f"{f}_enc")) for f in PII_FIELDS if getattr(customer, f"{f}_enc")}
    return ids


def test_rotation_moves_every_value_to_the_active_key_and_values_still_decrypt(
    known, make_customer, rotate_to_new_key, supervisor, capsys
):
    make_customer()
    make_customer(email="", account_numbers=[])
    before = {f: Customer.objects.get(pk=known.pk).__dict__[f"{f}_enc"] for f in PII_FIELDS}
    rotate_to_new_key("t3")

    call_command("rotate_field_keys", "--batch-size", "2")

    assert _key_ids() == {"t3"}
    stored = Customer.objects.get(pk=known.pk)
    for field in PII_FIELDS:
        assert getattr(stored, f"{field}_enc") != before[field]
        expected = ", ".join(PLAIN[field]) if field == "account_numbers" else PLAIN[field]
        assert reveal(customer=stored, field=field, by=supervisor) == expected
    # Masks, indexes and look-ups are untouched by an encryption-key change.
    assert stored.phone_masked == known.phone_masked and stored.phone_index == known.phone_index
    assert find_customer(phone=PLAIN["phone"]) == known
    out = capsys.readouterr().out
    assert "t3: 3 customers examined, 3 changed, 16 values re-encrypted, 0 blind indexes rebuilt" in out


def test_rotation_is_idempotent_and_reports_nothing_to_do_the_second_time(known, rotate_to_new_key):
    rotate_to_new_key("t3")
    first = rotate_field_keys(by=None, batch_size=1)
    tokens = Customer.objects.values_list("phone_enc", flat=True).get()
    second = rotate_field_keys(by=None, batch_size=1)
    assert (first.customers_changed, first.values_reencrypted) == (1, 6)
    assert (second.customers_examined, second.customers_changed, second.values_reencrypted) == (1, 0, 0)
    assert Customer.objects.values_list("phone_enc", flat=True).get() == tokens


def test_rotation_leaves_one_audit_entry_with_the_counts(known, rotate_to_new_key):
    rotate_to_new_key("t3")
    before = AuditEntry.objects.count()
    call_command("rotate_field_keys", "--batch-size", "1")
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "customer.rotate_field_keys"
    assert entry.actor_label == "command:rotate_field_keys"
    assert entry.changes["active_key"] == "t3"
    assert entry.changes["values_reencrypted"] == 6


def test_rotation_does_not_touch_the_customers_updated_time(known, rotate_to_new_key):
    rotate_to_new_key("t3")
    rotate_field_keys(by=None)
    assert Customer.objects.get(pk=known.pk).updated_at == known.updated_at


def test_values_from_several_old_keys_all_move(make_customer, settings, rotate_to_new_key):
    old = settings.SAFEGUARD_FIELD_KEYS
    settings.SAFEGUARD_FIELD_KEYS = FieldKeys(keys=old.keys, active="t1", index_key=old.index_key)
    make_customer()
    settings.SAFEGUARD_FIELD_KEYS = old
    make_customer()
    assert _key_ids() == {"t1", "t2"}
    rotate_to_new_key("t3")
    report = rotate_field_keys(by=None)
    assert report.customers_changed == 2
    assert _key_ids() == {"t3"}


def test_reindex_rebuilds_blind_indexes_after_the_index_key_changes(known, settings):
    old = settings.SAFEGUARD_FIELD_KEYS
    settings.SAFEGUARD_FIELD_KEYS = FieldKeys(keys=old.keys, active=old.active, index_key=os.urandom(32))
    assert find_customer(phone=PLAIN["phone"]) is None
    report = rotate_field_keys(by=None, reindex=True)
    assert report.indexes_rebuilt == 3
    assert find_customer(phone=PLAIN["phone"]) == known
    assert find_customer(national_id=PLAIN["national_id"]) == known


def test_a_value_under_a_key_no_longer_configured_stops_the_command_with_a_clear_message(known, settings):
    old = settings.SAFEGUARD_FIELD_KEYS
    settings.SAFEGUARD_FIELD_KEYS = FieldKeys(keys={"t9": os.urandom(32)}, active="t9", index_key=old.index_key)
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError, match=r"C-KNOWN-1.*no key 't2'"):
        call_command("rotate_field_keys")
    assert Customer.objects.get(pk=known.pk).phone_enc == known.phone_enc
    assert AuditEntry.objects.count() == before


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="batch size"):
        call_command("rotate_field_keys", "--batch-size", "0")

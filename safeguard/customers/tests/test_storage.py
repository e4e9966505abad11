"""PII at rest: encrypted with a key id, bound to its column, readable after key changes."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from safeguard.config import FieldKeys
from safeguard.customers import crypto
from safeguard.customers.models import PII_FIELDS, Customer
from safeguard.customers.services import reveal
from safeguard.customers.tests.conftest import PLAIN

pytestmark = pytest.mark.django_db


def _plaintext_fragments() -> list[str]:
    """Every PII value in the forms a reader might recognise, also the look-up forms."""
    fragments = [
        PLAIN["name"],
        PLAIN["national_id"],
        PLAIN["phone"],
        PLAIN["email"],
        PLAIN["email"].lower(),
        PLAIN["address"],
        "12345678",  # the middle of the phone number
        "19491231",  # the birth date inside the ID number
        "陆家嘴",
    ]
    fragments += PLAIN["account_numbers"]
    return fragments


def _raw_row(pk: int) -> dict[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM customers_customer WHERE id = %s", [pk])
        names = [c[0] for c in cur.description]
        row = cur.fetchone()
    assert row is not None
    return {n: "" if v is None else str(v) for n, v in zip(names, row, strict=True)}


def test_the_raw_table_holds_no_plaintext_pii_in_any_column(known):
    row = _raw_row(known.pk)
    blob = json.dumps(row, ensure_ascii=False)
    for fragment in _plaintext_fragments():
        assert fragment not in blob, fragment
    # Every PII field is stored, as ciphertext under the active key.
    for field in PII_FIELDS:
        assert row[f"{field}_enc"].startswith(f"v1.{crypto.active_key_id()}.")


def test_the_raw_table_holds_masked_copies_and_hex_indexes(known):
    row = _raw_row(known.pk)
    assert row["phone_masked"] == "138****5678"
    assert row["name_masked"] == "欧***"
    for field in ("national_id", "phone", "email"):
        assert len(row[f"{field}_index"]) == 64
        int(row[f"{field}_index"], 16)


def test_encrypting_twice_gives_different_ciphertexts():
    assert crypto.encrypt("13812345678", field="phone") != crypto.encrypt("13812345678", field="phone")


def test_ciphertext_moved_to_another_column_does_not_decrypt(known):
    with pytest.raises(crypto.DecryptionError, match="does not authenticate"):
        crypto.decrypt(known.phone_enc, field="national_id")
    # Also when the swap happens in the database, behind the application's back.
    Customer.objects.filter(pk=known.pk).update(email_enc=known.phone_enc)
    stored = Customer.objects.get(pk=known.pk)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored.email_enc, field="email")


def test_an_altered_ciphertext_does_not_decrypt(known):
    token = known.phone_enc
    payload = token.rsplit(".", 1)[1]
    flipped = payload[:20] + ("A" if payload[20] != "A" else "B") + payload[21:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token.rsplit(".", 1)[0] + "." + flipped, field="phone")


@pytest.mark.parametrize("token", ["garbage", "v1.t2", "v2.t2.AAAA", "v1.t2.!!!notbase64", "v1.t2.AAAA"])
def test_malformed_ciphertext_is_a_decryption_error_not_a_crash(token):
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, field="phone")


def test_a_value_under_an_older_key_still_decrypts_after_the_active_key_changes(known, rotate_to_new_key, supervisor):
    old_kid = crypto.key_id(known.phone_enc)
    rotate_to_new_key("t9")
    assert crypto.active_key_id() == "t9"
    assert crypto.key_id(known.phone_enc) == old_kid
    assert crypto.decrypt(known.phone_enc, field="phone") == PLAIN["phone"]
    assert reveal(customer=known, field="name", by=supervisor) == PLAIN["name"]
    # New values are written with the new key.
    assert crypto.key_id(crypto.encrypt("x", field="name")) == "t9"


def test_a_value_whose_key_was_removed_names_the_missing_key(known, settings):
    old = settings.SAFEGUARD_FIELD_KEYS
    only_new = {"t9": b"\x07" * 32}
    settings.SAFEGUARD_FIELD_KEYS = FieldKeys(keys=only_new, active="t9", index_key=old.index_key)
    with pytest.raises(crypto.DecryptionError, match=crypto.key_id(known.phone_enc)):
        crypto.decrypt(known.phone_enc, field="phone")


def test_empty_values_stay_empty_and_unindexed(make_customer):
    customer = make_customer(email="", address="", account_numbers=[])
    assert customer.email_enc == customer.email_index == customer.email_masked == ""
    assert customer.address_enc == ""
    assert customer.account_numbers_enc == "" and customer.account_numbers_masked == []

"""Fixtures for the customers tests: a known customer and key-set helpers."""

from __future__ import annotations

import os
from typing import Any

import pytest

from safeguard.config import FieldKeys
from safeguard.customers.rules import national_id_check_digit

ID_FIRST17 = "11010519491231002"
NATIONAL_ID = ID_FIRST17 + national_id_check_digit(ID_FIRST17)  # 11010519491231002X

PLAIN: dict[str, Any] = {
    "name": "欧阳娜娜",
    "national_id": NATIONAL_ID,
    "phone": "13812345678",
    "email": "Nana.Ouyang@Example.com",
    "address": "上海市浦东新区陆家嘴环路1000号",
    "account_numbers": ["6222020200112233445", "6217000010002000300"],
}


@pytest.fixture
def known(make_customer: Any) -> Any:
    """A customer whose plaintext every test can look for."""
    return make_customer(customer_no="C-KNOWN-1", **PLAIN)


@pytest.fixture
def rotate_to_new_key(settings: Any) -> Any:
    """Make a brand-new key active (old keys stay for decryption), as an operator would."""

    def rotate(kid: str = "t3") -> FieldKeys:
        old = settings.SAFEGUARD_FIELD_KEYS
        keys = {kid: os.urandom(32), **old.keys}
        settings.SAFEGUARD_FIELD_KEYS = FieldKeys(keys=keys, active=kid, index_key=old.index_key)
        return settings.SAFEGUARD_FIELD_KEYS

    return rotate

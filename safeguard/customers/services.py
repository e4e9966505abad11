"""Writes on customers. PII goes in as plaintext and is stored encrypted, masked and indexed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from safeguard.audit import services as audit
from safeguard.core import masking
from safeguard.customers import crypto
from safeguard.customers.models import INDEXED_PII_FIELDS, Customer

_MASKERS = {
    "name": masking.mask_name,
    "national_id": masking.mask_national_id,
    "phone": masking.mask_phone,
    "email": masking.mask_email,
    "address": masking.mask_address,
}


def _set_pii(customer: Customer, field: str, value: str | Iterable[str]) -> None:
    if field == "account_numbers":
        numbers = [n.strip() for n in value if n.strip()]
        customer.account_numbers_enc = crypto.encrypt(json.dumps(numbers), field=field) if numbers else ""
        customer.account_numbers_masked = [masking.mask_account(n) for n in numbers]
        return
    assert isinstance(value, str)
    value = value.strip()
    setattr(customer, f"{field}_enc", crypto.encrypt(value, field=field))
    setattr(customer, f"{field}_masked", _MASKERS[field](value))
    if field in INDEXED_PII_FIELDS:
        setattr(customer, f"{field}_index", crypto.blind_index(value, field=field))


@transaction.atomic
def create_customer(
    *,
    by: Any,
    customer_no: str,
    name: str = "",
    national_id: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    account_numbers: Iterable[str] = (),
    **profile: Any,
) -> Customer:
    """Create a customer. ``profile`` takes the non-PII fields (segment, kyc_level, vulnerabilities, ...)."""
    customer = Customer(customer_no=customer_no, **profile)
    for field, value in (
        ("name", name),
        ("national_id", national_id),
        ("phone", phone),
        ("email", email),
        ("address", address),
        ("account_numbers", account_numbers),
    ):
        _set_pii(customer, field, value)
    customer.full_clean()
    customer.save()
    audit.log(by, "customer.create", customer, changes={"customer_no": customer_no, "name": customer.name_masked})
    return customer

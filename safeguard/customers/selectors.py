"""Reading customers. Look-ups by PII go through blind indexes: nothing is decrypted."""

from __future__ import annotations

from safeguard.customers import crypto
from safeguard.customers.models import Customer


def find_customer(
    *, phone: str | None = None, national_id: str | None = None, email: str | None = None
) -> Customer | None:
    """The customer matching every criterion given, by blind index; ``None`` when none does.

    Formatting does not matter (``+86 138-1234-5678`` finds ``13812345678``; e-mail is
    case-insensitive). Blank criteria are ignored; with none left the answer is
    ``None``. Should several customers share a value, the oldest is returned.
    The index key is separate from the encryption keys, so look-ups keep working
    across encryption-key rotation.
    """
    criteria: dict[str, str] = {}
    for field, value in (("phone", phone), ("national_id", national_id), ("email", email)):
        if value is not None and value.strip():
            criteria[f"{field}_index"] = crypto.blind_index(value, field=field)
    if not criteria:
        return None
    return Customer.objects.filter(**criteria).order_by("id").first()


def customer_by_no(customer_no: str) -> Customer | None:
    """The customer with this customer number, or ``None``."""
    return Customer.objects.filter(customer_no=customer_no.strip()).first()

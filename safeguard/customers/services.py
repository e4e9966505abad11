"""Writes on customers. PII goes in as plaintext and is stored encrypted, masked and indexed.

Contract with the audit log: every entry written here carries masked values, field
names, counts and choice values only, never a plaintext PII value. ``reveal`` is
the only way a person sees plaintext; it checks ``customers.reveal_pii`` and
records who revealed which field and why.

``create_customer`` and ``update_customer`` do not check a permission themselves:
their callers (intake, case handling, the admin) decide who may record customer
data; the actor is recorded in the audit entry.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.audit import services as audit
from safeguard.core import masking
from safeguard.core.errors import Conflict, InvalidInput, PermissionDenied
from safeguard.customers import crypto, rules
from safeguard.customers.models import (
    INDEXED_PII_FIELDS,
    PII_FIELDS,
    ContactChannel,
    Customer,
    KycLevel,
    RiskRating,
    Segment,
    Vulnerability,
)

REVEAL_PERMISSION = "customers.reveal_pii"
MAX_REASON = 500
# The non-PII fields ``create_customer(**profile)`` and ``update_customer(**changes)`` accept.
PROFILE_FIELDS = (
    "segment",
    "kyc_level",
    "risk_rating",
    "vulnerabilities",
    "preferred_channel",
    "preferred_language",
    "has_contact_consent",
)

_MASKERS: dict[str, Callable[[str], str]] = {
    "name": masking.mask_name,
    "national_id": masking.mask_national_id,
    "phone": masking.mask_phone,
    "email": masking.mask_email,
    "address": masking.mask_address,
}

_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "name": rules.clean_name,
    "national_id": rules.clean_national_id,
    "phone": rules.clean_phone,
    "email": rules.clean_email,
    "address": rules.clean_address,
    "account_numbers": rules.clean_account_numbers,
}

_CHOICES: dict[str, list[str]] = {
    "segment": list(Segment.values),
    "kyc_level": list(KycLevel.values),
    "risk_rating": list(RiskRating.values),
    "preferred_channel": list(ContactChannel.values),
}

PiiValue = str | list[str]


# --- validation (no writes) -----------------------------------------------------


def clean_pii(field: str, value: Any) -> PiiValue:
    """The canonical value of one PII field, or ``InvalidInput`` naming it."""
    if field != "account_numbers" and not isinstance(value, str):
        raise InvalidInput(_("%(field)s must be text.") % {"field": rules.FIELD_LABELS[field]}, field=field)
    cleaned: PiiValue = _CLEANERS[field](value)
    return cleaned


def clean_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """Validate the non-PII fields; unknown names and values are refused with a clear error."""
    unknown = sorted(set(profile) - set(PROFILE_FIELDS))
    if unknown:
        raise InvalidInput(_("Unknown customer field(s): %(names)s.") % {"names": ", ".join(unknown)}, field=unknown[0])
    cleaned: dict[str, Any] = {}
    languages = [code for code, _name in settings.LANGUAGES]
    for name, value in profile.items():
        if name == "vulnerabilities":
            cleaned[name] = rules.clean_vulnerabilities(value, Vulnerability.values)
        elif name == "has_contact_consent":
            cleaned[name] = _clean_bool(value)
        else:
            allowed = languages if name == "preferred_language" else _CHOICES[name]
            if value not in allowed:
                raise InvalidInput(
                    _("%(field)s: %(value)r is not one of %(allowed)s.")
                    % {
                        "field": _label(name),
                        "value": value,
                        "allowed": ", ".join(allowed),
                    },
                    field=name,
                )
            cleaned[name] = str(value)
    return cleaned


def validate_changes(changes: dict[str, Any]) -> tuple[dict[str, PiiValue], dict[str, Any]]:
    """Split and validate ``update_customer`` input: ``(pii, profile)``; writes nothing.

    Forms call this in ``clean()`` to show errors next to the right field.
    """
    if "customer_no" in changes:
        raise InvalidInput(_("The customer number cannot be changed."), field="customer_no")
    pii = {f: clean_pii(f, changes[f]) for f in PII_FIELDS if f in changes}
    profile = clean_profile({k: v for k, v in changes.items() if k not in PII_FIELDS})
    return pii, profile


def _label(name: str) -> str:
    field = Customer._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _clean_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(_("Consent to contact must be true or false."), field="has_contact_consent")
    return value


# --- storing and reading PII (internal) -------------------------------------------


def stored_pii(field: str, value: str) -> tuple[str, str, str]:
    """``(ciphertext, masked copy, blind index)`` of a canonical text value, as the customer row
    stores it (the index is "" for fields without one; all three are "" for an empty value).
    Bulk writers that build rows without model instances use this too."""
    if not value:
        return "", "", ""
    index = crypto.blind_index(value, field=field) if field in INDEXED_PII_FIELDS else ""
    return crypto.encrypt(value, field=field), _MASKERS[field](value), index


def _store_pii(customer: Customer, field: str, value: PiiValue) -> None:
    """Write the ciphertext, masked copy and (where indexed) blind index of a canonical value."""
    if field == "account_numbers":
        assert isinstance(value, list)
        customer.account_numbers_enc = crypto.encrypt(json.dumps(value), field=field) if value else ""
        customer.account_numbers_masked = [masking.mask_account(n) for n in value]
        return
    assert isinstance(value, str)
    encrypted, masked, index = stored_pii(field, value)
    setattr(customer, f"{field}_enc", encrypted)
    setattr(customer, f"{field}_masked", masked)
    if field in INDEXED_PII_FIELDS:
        setattr(customer, f"{field}_index", index)


def _plain(customer: Customer, field: str) -> PiiValue:
    """Decrypt one field for comparison or re-encryption; never shown or logged from here."""
    token = getattr(customer, f"{field}_enc")
    if field == "account_numbers":
        numbers: list[str] = json.loads(crypto.decrypt(token, field=field)) if token else []
        return numbers
    return crypto.decrypt(token, field=field)


def _masked(customer: Customer, field: str) -> str | list[str]:
    value: str | list[str] = getattr(customer, f"{field}_masked")
    return value


def _snapshot(customer: Customer) -> dict[str, Any]:
    """What an audit entry may say about a whole customer: masked PII and the profile."""
    data: dict[str, Any] = {"customer_no": customer.customer_no}
    data.update({f: _masked(customer, f) for f in PII_FIELDS if getattr(customer, f"{f}_enc")})
    data.update({f: getattr(customer, f) for f in PROFILE_FIELDS})
    return data


# --- services -------------------------------------------------------------------------


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
    account_numbers: str | Iterable[str] = (),
    **profile: Any,
) -> Customer:
    """Create a customer. ``profile`` takes the non-PII fields (``PROFILE_FIELDS``).

    Input is validated first (``InvalidInput`` naming the field, nothing written); a
    taken customer number is a ``Conflict``.
    """
    number = rules.clean_customer_no(customer_no) if isinstance(customer_no, str) else ""
    if not number:
        raise InvalidInput(_("A customer number is required."), field="customer_no")
    pii = {
        field: clean_pii(field, value)
        for field, value in (
            ("name", name),
            ("national_id", national_id),
            ("phone", phone),
            ("email", email),
            ("address", address),
            ("account_numbers", account_numbers),
        )
    }
    cleaned_profile = clean_profile(profile)
    customer = Customer(customer_no=number, consent_updated_at=timezone.now(), **cleaned_profile)
    for field, value in pii.items():
        _store_pii(customer, field, value)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:  # the number is taken (the only unique column), perhaps by a racing create
        raise _taken(number) from exc
    audit.log(by, "customer.create", customer, changes=_snapshot(customer))
    return customer


def _taken(number: str) -> Conflict:
    return Conflict(_("Customer number %(number)s is already taken.") % {"number": number}, field="customer_no")


@transaction.atomic
def update_customer(*, customer: Customer, by: Any, **changes: Any) -> Customer:
    """Change PII and profile fields; returns the saved customer (a fresh instance).

    PII is re-encrypted under the active key, re-masked and re-indexed. The audit
    entry ``customer.update`` lists each changed field with masked before/after
    values. Values equal to the stored ones are not changes; with none, nothing is
    written.
    """
    pii, profile = validate_changes(changes)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    diff: dict[str, dict[str, Any]] = {}
    for field, value in pii.items():
        if _plain(locked, field) != value:
            before = _masked(locked, field)
            _store_pii(locked, field, value)
            diff[field] = {"before": before, "after": _masked(locked, field)}
    for field, value in profile.items():
        if getattr(locked, field) != value:
            diff[field] = {"before": getattr(locked, field), "after": value}
            setattr(locked, field, value)
    if not diff:
        return locked
    if "has_contact_consent" in diff:
        locked.consent_updated_at = timezone.now()
    locked.save()
    audit.log(by, "customer.update", locked, changes=diff)
    return locked


def may_reveal(user: Any) -> bool:
    """Whether ``user`` may see a customer's plaintext PII (agents, supervisors, compliance)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(REVEAL_PERMISSION))


def reveal(*, customer: Customer, field: str, by: Any, reason: str = "") -> str:
    """Return one PII field in plaintext to a user holding ``customers.reveal_pii``.

    Writes ``customer.reveal_pii`` with the field and reason (never the value). A
    refused attempt raises ``PermissionDenied`` and is itself logged as
    ``customer.reveal_pii_refused``. Account numbers come back comma-separated.
    """
    if field not in PII_FIELDS:
        raise InvalidInput(
            _("%(field)s is not a personal-data field; choose one of %(fields)s.")
            % {"field": field, "fields": ", ".join(PII_FIELDS)},
            field="field",
        )
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason must be at most %(max)d characters.") % {"max": MAX_REASON}, field="reason")
    if not may_reveal(by):
        if getattr(by, "is_authenticated", False):
            audit.log(by, "customer.reveal_pii_refused", customer, changes={"field": field})
        raise PermissionDenied(_("You may not see this customer's personal data."))
    with transaction.atomic():
        # Read the ciphertext as stored now, not as the caller's instance remembers it.
        fresh = Customer.objects.get(pk=customer.pk)
        value = _plain(fresh, field)
        audit.log(by, "customer.reveal_pii", fresh, changes={"field": field, "reason": reason})
    return ", ".join(value) if isinstance(value, list) else value


# The contact details the system itself may decrypt to send the customer something.
CONTACT_FIELDS = ("phone", "email")


def contact_address(customer: Customer, field: str) -> str:
    """The customer's phone number or e-mail address in plaintext, '' when none is stored.

    System use only: to send the customer a message they asked for (a tracking code). The value
    goes to the mail or SMS backend, never to a page, a log or the audit log; a person who wants
    to see it uses ``reveal``.
    """
    if field not in CONTACT_FIELDS:
        raise InvalidInput(
            _("%(field)s is not a contact field; choose one of %(fields)s.")
            % {"field": field, "fields": ", ".join(CONTACT_FIELDS)},
            field="field",
        )
    value = _plain(customer, field)
    assert isinstance(value, str)
    return value


@transaction.atomic
def set_consent(*, customer: Customer, by: Any, has_contact_consent: bool) -> Customer:
    """Record the customer's consent to be contacted (also a re-confirmation of the same answer)."""
    consent = _clean_bool(has_contact_consent)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    before = locked.has_contact_consent
    locked.has_contact_consent = consent
    locked.consent_updated_at = timezone.now()
    locked.save(update_fields=["has_contact_consent", "consent_updated_at", "updated_at"])
    audit.log(by, "customer.consent", locked, changes={"has_contact_consent": {"before": before, "after": consent}})
    return locked


# --- key rotation ---------------------------------------------------------------------

_ENC_FIELDS = [f"{f}_enc" for f in PII_FIELDS]
_INDEX_FIELDS = [f"{f}_index" for f in INDEXED_PII_FIELDS]


@dataclass(frozen=True)
class RotationReport:
    active_key: str
    customers_examined: int
    customers_changed: int
    values_reencrypted: int
    indexes_rebuilt: int


def rotate_field_keys(*, by: Any, batch_size: int = 500, reindex: bool = False) -> RotationReport:
    """Re-encrypt every PII value not yet under the active key; idempotent.

    Works in batches of ``batch_size`` customers, one transaction each (rows locked
    while rewritten), so a large table is never held in one transaction and an
    interrupted run simply continues when run again. With ``reindex`` every blind
    index is recomputed as well (needed after ``SAFEGUARD_INDEX_KEY`` changes). One
    audit entry ``customer.rotate_field_keys`` records the counts at the end.
    """
    if batch_size < 1:
        raise InvalidInput(_("The batch size must be at least 1."), field="batch_size")
    active = crypto.active_key_id()
    examined = changed = values = indexes = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(Customer.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch_size])
            if not batch:
                break
            dirty: list[Customer] = []
            for customer in batch:
                touched = False
                for field in PII_FIELDS:
                    token = getattr(customer, f"{field}_enc")
                    try:
                        if crypto.needs_rotation(token):
                            plain = crypto.decrypt(token, field=field)
                            setattr(customer, f"{field}_enc", crypto.encrypt(plain, field=field))
                            values += 1
                            touched = True
                        if reindex and field in INDEXED_PII_FIELDS:
                            current = _plain(customer, field)
                            assert isinstance(current, str)
                            index = crypto.blind_index(current, field=field)
                            if index != getattr(customer, f"{field}_index"):
                                setattr(customer, f"{field}_index", index)
                                indexes += 1
                                touched = True
                    except crypto.DecryptionError as exc:
                        # Stop before anything of this batch is written; earlier batches are done.
                        raise crypto.DecryptionError(f"customer {customer.customer_no}, field {field}: {exc}") from exc
                if touched:
                    dirty.append(customer)
            # bulk_update writes only these columns: updated_at stays, it is not a customer change.
            Customer.objects.bulk_update(dirty, [*_ENC_FIELDS, *_INDEX_FIELDS])
            examined += len(batch)
            changed += len(dirty)
            last_pk = batch[-1].pk
    report = RotationReport(
        active_key=active,
        customers_examined=examined,
        customers_changed=changed,
        values_reencrypted=values,
        indexes_rebuilt=indexes,
    )
    audit.log(
        by,
        "customer.rotate_field_keys",
        object_type="customers.customer",
        changes={
            "active_key": active,
            "customers_examined": examined,
            "customers_changed": changed,
            "values_reencrypted": values,
            "indexes_rebuilt": indexes,
            "reindex": reindex,
        },
    )
    return report


def contact_customer(
    *,
    by: Any,
    name: str,
    phone: str = "",
    email: str = "",
    **profile: Any,
) -> tuple[Customer, bool]:
    """The customer a contact (a portal form, a phone call) is from: ``(customer, matched)``.

    An existing profile is used only when a contact detail (phone or e-mail, by blind index)
    *and* the name match it, so nobody can attach a complaint to someone else's profile by
    typing their phone number. Otherwise a new profile is created with a provisional customer
    number (``C-…``) for staff to link later; the existing profile is never changed from here.
    """
    cleaned_name = rules.clean_name(name) if name else ""
    if not cleaned_name:
        raise InvalidInput(_("Please give your name."), field="name")
    cleaned_phone = rules.clean_phone(phone) if phone and phone.strip() else ""
    cleaned_email = rules.clean_email(email) if email and email.strip() else ""
    if not cleaned_phone and not cleaned_email:
        raise InvalidInput(_("Please give a phone number or an e-mail address."), field="phone")
    candidates = Customer.objects.none()
    if cleaned_phone:
        candidates |= Customer.objects.filter(phone_index=crypto.blind_index(cleaned_phone, field="phone"))
    if cleaned_email:
        candidates |= Customer.objects.filter(email_index=crypto.blind_index(cleaned_email, field="email"))
    for candidate in candidates.order_by("id")[:20]:
        if candidate.name_enc and rules.clean_name(str(_plain(candidate, "name"))) == cleaned_name:
            return candidate, True
    number = f"C-{secrets.token_hex(6).upper()}"
    customer = create_customer(
        by=by, customer_no=number, name=cleaned_name, phone=cleaned_phone, email=cleaned_email, **profile
    )
    return customer, False

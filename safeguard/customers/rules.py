"""Validating customer input: pure functions, no ORM, no clock.

Each ``clean_*`` returns the canonical value that is stored (and indexed and
masked), or raises ``InvalidInput`` naming the field. How strict, and why:

- national ID: an 18-character PRC resident ID (also the foreign permanent
  resident ID, same layout) must have a real birth date and a valid ISO 7064
  MOD 11-2 check digit (GB 11643-1999), because a mistyped digit would otherwise
  create a second, unfindable customer. Anything else must look like a passport or
  travel permit number: 5-20 letters and digits with at least one letter. An
  all-digit value that is not 18 long is refused (first-generation 15-digit cards
  expired in 2013).
- phone: after removing spaces, dashes, dots and brackets, 6-15 digits (E.164
  allows 15), optionally led by ``+``/``00`` and a country code; ``+86`` is dropped.
  A mainland mobile (11 digits starting with 1) must start 13-19.
- e-mail: Django's ``EmailValidator`` (the syntax of RFC 5321/5322 addresses that
  mail servers accept), at most 254 characters.
- name and address: free text without control characters, at most 200 and 500
  characters.
- account numbers: 6-34 letters and digits each once spaces and dashes are gone
  (34 is the longest IBAN), at most 20 numbers, duplicates dropped.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeguard.core.errors import InvalidInput
from safeguard.customers import crypto

# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_PASSPORT_ID = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{5,20}$")
_PHONE = re.compile(r"^\+?\d{6,15}$")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ACCOUNT = re.compile(r"^[A-Z0-9]{6,34}$")
_CUSTOMER_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
MAX_NAME = 200
MAX_ADDRESS = 500
MAX_EMAIL = 254
MAX_ACCOUNTS = 20


# How a field is named in messages; ``InvalidInput.extra["field"]`` carries the code name.
FIELD_LABELS = {
    "customer_no": gettext_lazy("Customer number"),
    "name": gettext_lazy("Name"),
    "national_id": gettext_lazy("National ID"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "address": gettext_lazy("Address"),
    "account_numbers": gettext_lazy("Account numbers"),
    "vulnerabilities": gettext_lazy("Vulnerabilities"),
}


def _invalid(field: str, message: str, **params: object) -> InvalidInput:
    label = FIELD_LABELS.get(field, field)
    return InvalidInput(message % {"field": label, **params}, field=field)


def national_id_check_digit(first17: str) -> str:
    """The check character of an 18-character PRC resident ID from its first 17 digits."""
    if not (len(first17) == 17 and first17.isdigit() and first17.isascii()):
        raise ValueError("need the first 17 digits")
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _has_control_chars(value: str, *, allow_newlines: bool = False) -> bool:
    allowed = {"\n", "\r"} if allow_newlines else set()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value)


def clean_customer_no(value: str) -> str:
    v = value.strip()
    if not _CUSTOMER_NO.match(v):
        raise _invalid(
            "customer_no",
            _("%(field)s must be 1-40 letters, digits, '.', '_', '/' or '-', starting with a letter or digit."),
        )
    return v


def clean_national_id(value: str) -> str:
    v = crypto.normalise(value, field="national_id")
    if not v:
        return ""
    if _RESIDENT_ID.match(v):
        try:
            datetime.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        except ValueError:
            raise _invalid("national_id", _("%(field)s: the birth date inside the ID number is not a date.")) from None
        if v[17] != national_id_check_digit(v[:17]):
            raise _invalid("national_id", _("%(field)s: the check digit is wrong; please re-check the ID number."))
        return v
    if v.isdigit() or (v[:-1].isdigit() and v.endswith("X")):
        raise _invalid(
            "national_id",
            _("%(field)s: a resident ID has 18 characters (17 digits and a check digit 0-9 or X)."),
        )
    if not _PASSPORT_ID.match(v):
        raise _invalid(
            "national_id",
            _("%(field)s must be an 18-character resident ID or a passport number of 5-20 letters and digits."),
        )
    return v


def clean_phone(value: str) -> str:
    v = crypto.normalise(value, field="phone")
    if not v:
        return ""
    if not _PHONE.match(v):
        raise _invalid(
            "phone",
            _("%(field)s must be 6-15 digits, optionally starting with + and a country code."),
        )
    if len(v) == 11 and v.startswith("1") and not _MAINLAND_MOBILE.match(v):
        raise _invalid("phone", _("%(field)s: a mainland mobile number starts with 13 to 19."))
    return v


def clean_email(value: str) -> str:
    v = crypto.normalise(value, field="email")
    if not v:
        return ""
    try:
        EmailValidator()(v)
    except ValidationError:
        raise _invalid("email", _("%(field)s is not a valid e-mail address.")) from None
    if len(v) > MAX_EMAIL:
        raise _invalid("email", _("%(field)s must be at most %(max)d characters."), max=MAX_EMAIL)
    return v


def clean_name(value: str) -> str:
    v = " ".join(crypto.normalise(value, field="name").split())
    if len(v) > MAX_NAME:
        raise _invalid("name", _("%(field)s must be at most %(max)d characters."), max=MAX_NAME)
    if _has_control_chars(v):
        raise _invalid("name", _("%(field)s contains control characters."))
    return v


def clean_address(value: str) -> str:
    v = crypto.normalise(value, field="address")
    if len(v) > MAX_ADDRESS:
        raise _invalid("address", _("%(field)s must be at most %(max)d characters."), max=MAX_ADDRESS)
    if _has_control_chars(v, allow_newlines=True):
        raise _invalid("address", _("%(field)s contains control characters."))
    return v


def clean_account_numbers(value: str | Iterable[str]) -> list[str]:
    """A list of canonical account numbers; a single string counts as one number."""
    if not isinstance(value, str | Iterable):
        raise _invalid("account_numbers", _("%(field)s must be a list of text values."))
    items = [value] if isinstance(value, str) else list(value)
    numbers: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise _invalid("account_numbers", _("%(field)s must be a list of text values."))
        n = "".join(ch for ch in unicodedata.normalize("NFKC", item) if ch not in " -\t").upper()
        if not n:
            continue
        if not _ACCOUNT.match(n):
            raise _invalid("account_numbers", _("%(field)s: each number must be 6-34 letters and digits."))
        if n not in numbers:
            numbers.append(n)
    if len(numbers) > MAX_ACCOUNTS:
        raise _invalid("account_numbers", _("%(field)s: at most %(max)d numbers."), max=MAX_ACCOUNTS)
    return numbers


def clean_vulnerabilities(value: object, known: Iterable[str]) -> list[str]:
    """A de-duplicated list of known vulnerability values, in the order given."""
    allowed = list(known)
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _invalid("vulnerabilities", _("%(field)s must be a list."))
    cleaned: list[str] = []
    for item in value:
        if item not in allowed:
            raise _invalid(
                "vulnerabilities",
                _("%(field)s: unknown value %(value)r; known values are %(known)s."),
                value=item,
                known=", ".join(allowed),
            )
        if item not in cleaned:
            cleaned.append(str(item))
    return cleaned

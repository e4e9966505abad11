"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for PII.

A stored value reads ``v1.<key id>.<base64url(nonce || ciphertext+tag)>``. The key id
lets old values decrypt after a new key becomes active; ``rotate_field_keys``
re-encrypts them. The field name is bound in as associated data, so a ciphertext
copied into another column does not decrypt.

Blind indexes use ``SAFEGUARD_INDEX_KEY``, which is not one of the encryption keys:
rotating the encryption keys leaves every index (and so every look-up) unchanged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION = "v1"
_NONCE_BYTES = 12  # the GCM standard nonce; random per value (2**32 values per key stay far below collision risk)
_TAG_BYTES = 16
# Characters people type between the digits of a phone or ID number.
_SEPARATORS = frozenset(" \t-()./·")
CHINA_CALLING_CODE = "86"


class DecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key id, or it does not authenticate."""


def _keys() -> tuple[dict[str, bytes], str]:
    fk = settings.SAFEGUARD_FIELD_KEYS
    return fk.keys, fk.active


def active_key_id() -> str:
    return _keys()[1]


def encrypt(plaintext: str, *, field: str) -> str:
    """Encrypt under the active key, binding ``field`` as associated data ('' stays '')."""
    return encrypt_bytes(plaintext.encode(), field=field)


def key_id(token: str) -> str:
    """The id of the key a stored value was written with ('' for an empty value)."""
    if not token:
        return ""
    parts = token.split(".", 2)
    if len(parts) != 3 or parts[0] != VERSION:
        raise DecryptionError("malformed ciphertext")
    return parts[1]


def decrypt(token: str, *, field: str) -> str:
    """Decrypt a value written by ``encrypt`` with any key still configured."""
    return decrypt_bytes(token, field=field).decode()


def needs_rotation(token: str) -> bool:
    """True when a stored value was written with a key other than the active one."""
    return bool(token) and key_id(token) != active_key_id()


def normalise_phone(value: str) -> str:
    """Digits only; mainland numbers lose their country code, others keep ``+<code>``.

    ``+86 138-1234-5678``, ``0086 13812345678`` and ``138 1234 5678`` all become
    ``13812345678``; ``+44 20 7946 0958`` becomes ``+442079460958``.
    """
    v = "".join(ch for ch in unicodedata.normalize("NFKC", value).strip() if ch not in _SEPARATORS)
    # Repeat until nothing changes, so normalising a normalised number is a no-op
    # (the stored index and a look-up must agree); each step shortens the value.
    while True:
        before = v
        if v.startswith("00"):
            v = "+" + v[2:]
        if v.startswith("+" + CHINA_CALLING_CODE):
            v = v[1 + len(CHINA_CALLING_CODE) :]
        if v == before:
            return v


def normalise(value: str, *, field: str) -> str:
    """The canonical form that is stored, indexed and masked.

    NFKC (full-width digits become ASCII), surrounding space removed; phones as
    ``normalise_phone``; ID numbers without separators and upper-case (the ``X`` check
    digit); e-mail case-folded for the index only (see ``index_form``).
    """
    v = unicodedata.normalize("NFKC", value).strip()
    if field == "phone":
        return normalise_phone(v)
    if field == "national_id":
        return "".join(ch for ch in v if ch not in _SEPARATORS).upper()
    return v


def index_form(value: str, *, field: str) -> str:
    """What the blind index is computed over: the canonical form, e-mail case-folded."""
    v = normalise(value, field=field)
    return v.casefold() if field == "email" else v


def blind_index(value: str, *, field: str) -> str:
    """HMAC-SHA256 over ``field:canonical value`` with the index key ('' stays '')."""
    if value.strip() == "":
        return ""
    key = settings.SAFEGUARD_FIELD_KEYS.index_key
    message = f"{field}:{index_form(value, field=field)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def encrypt_bytes(data: bytes, *, field: str) -> str:
    """``encrypt`` for raw bytes (an .eml, a request body): the same token format."""
    if not data:
        return ""
    keys, active = _keys()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(keys[active]).encrypt(nonce, data, field.encode())
    return f"{VERSION}.{active}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt_bytes(token: str, *, field: str) -> bytes:
    """Bytes written by ``encrypt_bytes``."""
    if token == "":
        return b""
    kid = key_id(token)
    keys, _active = _keys()
    if kid not in keys:
        raise DecryptionError(f"no key {kid!r} for this value (is SAFEGUARD_FIELD_KEYS complete?)")
    try:
        raw = base64.urlsafe_b64decode(token.split(".", 2)[2])
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("malformed ciphertext") from exc
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError("malformed ciphertext")
    try:
        return AESGCM(keys[kid]).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], field.encode())
    except InvalidTag as exc:
        raise DecryptionError("ciphertext does not authenticate (wrong key, wrong field, or altered)") from exc

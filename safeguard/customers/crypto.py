"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for PII.

A stored value reads ``v1.<key id>.<base64url(nonce || ciphertext+tag)>``. The key id
lets old values decrypt after a new key becomes active; ``rotate_field_keys``
re-encrypts them. The field name is bound in as associated data, so a ciphertext
copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION = "v1"


class DecryptionError(Exception):
    pass


def _keys() -> tuple[dict[str, bytes], str]:
    fk = settings.SAFEGUARD_FIELD_KEYS
    return fk.keys, fk.active


def encrypt(plaintext: str, *, field: str) -> str:
    if plaintext == "":
        return ""
    keys, active = _keys()
    nonce = os.urandom(12)
    sealed = AESGCM(keys[active]).encrypt(nonce, plaintext.encode(), field.encode())
    return f"{VERSION}.{active}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id(token: str) -> str:
    """The id of the key a stored value was written with ('' for an empty value)."""
    return token.split(".", 2)[1] if token else ""


def decrypt(token: str, *, field: str) -> str:
    if token == "":
        return ""
    try:
        version, kid, payload = token.split(".", 2)
    except ValueError as exc:
        raise DecryptionError("malformed ciphertext") from exc
    keys, _active = _keys()
    if version != VERSION or kid not in keys:
        raise DecryptionError(f"no key {kid!r} for this value (is SAFEGUARD_FIELD_KEYS complete?)")
    raw = base64.urlsafe_b64decode(payload)
    try:
        return AESGCM(keys[kid]).decrypt(raw[:12], raw[12:], field.encode()).decode()
    except InvalidTag as exc:
        raise DecryptionError("ciphertext does not authenticate") from exc


def normalise(value: str, *, field: str) -> str:
    """The canonical form that is indexed: NFKC, no spaces or dashes, case-folded."""
    v = unicodedata.normalize("NFKC", value).strip()
    if field == "email":
        return v.casefold()
    v = "".join(ch for ch in v if ch not in " -()")
    if field == "phone" and v.startswith("+86"):
        v = v[3:]
    return v.upper()


def blind_index(value: str, *, field: str) -> str:
    if value == "":
        return ""
    key = settings.SAFEGUARD_FIELD_KEYS.index_key
    message = f"{field}:{normalise(value, field=field)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()

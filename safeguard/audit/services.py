"""Writing to the audit log. Call ``log`` inside the same transaction as the change.

The contract for callers: ``changes`` describes what changed with values that are
safe to show an auditor as they are. Personal data goes in masked
(``138****5678``) or as a field name ("revealed: phone"), never in plaintext, and
secrets (passwords, keys, tokens) never at all. ``log`` refuses the obvious
mistake: a plaintext string under a PII key such as ``phone`` or ``email``.

Values are stored as the JSON that was hashed: ``Decimal``, dates, UUIDs, floats
and lazy translations become strings, tuples become lists, so reading an entry
back (from SQLite's text or PostgreSQL's jsonb) gives exactly what was hashed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from safeguard.audit import chain
from safeguard.audit.models import AuditEntry

# Arbitrary constant naming the PostgreSQL advisory lock that serialises appends.
CHAIN_LOCK_KEY = 0x5AFE_A0D1
# Keys under which a string value must be masked (contain "*") or empty.
PII_KEYS = frozenset(
    {"national_id", "id_number", "phone", "mobile", "email", "address", "account_number", "account_numbers"}
)
_MASK_MARK = "*"


class PlaintextPIIError(ValueError):
    """``changes`` holds what looks like an unmasked personal-data value."""


def _actor(actor: Any) -> tuple[Any, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    if getattr(actor, "is_authenticated", False):
        return actor, actor.get_username()
    return None, str(actor)


def _text(value: str) -> str:
    # PostgreSQL refuses NUL in text and jsonb; one would make the caller's write fail.
    return value.replace("\x00", "\ufffd")


def _jsonable(value: Any) -> Any:
    """The JSON value stored and hashed for ``value`` (see the module docstring)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float):
        # jsonb keeps numbers as numeric: 1e100 comes back as an int, NaN is refused.
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {_text(str(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _text(str(value))


def _refuse_plaintext_pii(value: Any, key: str = "") -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            # {"phone": {"before": ..., "after": ...}}: the nested values are still the phone.
            _refuse_plaintext_pii(v, k if k in PII_KEYS else key)
    elif isinstance(value, list):
        for v in value:
            _refuse_plaintext_pii(v, key)
    elif key and isinstance(value, str) and value and _MASK_MARK not in value:
        raise PlaintextPIIError(f"audit changes must not hold plaintext personal data (key {key!r}); mask it")


def log(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    changes: Mapping[str, Any] | None = None,
    ip: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry to the chain.

    ``actor`` is a user, ``None`` for the system, or a label such as ``"customer:CMP-2026-000001"``.
    ``changes`` must not contain plaintext PII: pass masked values or field names only
    (``PlaintextPIIError`` otherwise). Text longer than its column is cut, and the cut
    text is what is hashed.
    """
    user, label = _actor(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    data = _jsonable(dict(changes or {}))
    _refuse_plaintext_pii(data)
    ip = chain.canonical_ip(ip)
    # No savepoint inside the caller's transaction: an entry that cannot be written fails the
    # whole change anyway, and the savepoint would cost two round trips on every write.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # Held until the surrounding transaction ends, so the next append reads
            # this entry's hash. prev_hash is also unique: a fork cannot be stored.
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        # On SQLite the IMMEDIATE transaction already holds the database's write lock.
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        prev = last or chain.GENESIS
        # PostgreSQL and SQLite both keep microseconds; the hash uses the same precision.
        at = timezone.now()
        fields = chain.entry_fields(
            at=at,
            actor_id=user.pk if user is not None else None,
            actor_label=_text(label)[:150],
            action=_text(action)[:80],
            object_type=_text(object_type)[:80],
            object_id=_text(object_id)[:80],
            object_repr=_text(object_repr)[:200],
            changes=data,
            ip=ip,
        )
        # Store exactly what was hashed (JSON round trip) so verification is stable.
        fields = json.loads(chain.canonical(fields))
        return AuditEntry.objects.create(
            at=at,
            actor=user,
            actor_label=fields["actor_label"],
            action=fields["action"],
            object_type=fields["object_type"],
            object_id=fields["object_id"],
            object_repr=fields["object_repr"],
            changes=fields["changes"],
            ip=ip,
            prev_hash=prev,
            hash=chain.link_hash(prev, fields),
        )

"""Writing to the audit log. Call ``log`` inside the same transaction as the change."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from safeguard.audit import chain
from safeguard.audit.models import AuditEntry

# Arbitrary constant naming the PostgreSQL advisory lock that serialises appends.
_CHAIN_LOCK_KEY = 0x5AFE_A0D1


def _actor(actor: Any) -> tuple[Any, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    if getattr(actor, "is_authenticated", False):
        return actor, actor.get_username()
    return None, str(actor)


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
    ``changes`` must not contain plaintext PII: pass masked values or field names only.
    """
    user, label = _actor(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        # On SQLite the IMMEDIATE transaction already holds the database's write lock.
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        prev = last or chain.GENESIS
        at = timezone.now()
        fields = chain.entry_fields(
            at=at,
            actor_id=user.pk if user is not None else None,
            actor_label=label[:150],
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            changes=dict(changes or {}),
            ip=ip,
        )
        # Store exactly what was hashed (JSON round trip) so verification is stable.
        fields = json.loads(chain.canonical(fields))
        return AuditEntry.objects.create(
            at=at,
            actor=user,
            actor_label=fields["actor_label"],
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=fields["object_repr"],
            changes=fields["changes"],
            ip=ip,
            prev_hash=prev,
            hash=chain.link_hash(prev, fields),
        )

"""The hash chain: pure functions, no ORM."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_fields(
    *,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes: Mapping[str, Any],
    ip: str | None,
) -> dict[str, Any]:
    return {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "changes": changes,
        "ip": ip,
    }


def link_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(fields)).hexdigest()


def first_broken_link(entries: Iterable[tuple[int, str, str, Mapping[str, Any]]]) -> tuple[int, str] | None:
    """Walk ``(id, prev_hash, hash, fields)`` in id order; return ``(id, reason)`` of the first bad link."""
    expected_prev = GENESIS
    for entry_id, prev_hash, stored_hash, fields in entries:
        if prev_hash != expected_prev:
            return entry_id, "previous hash does not match the entry before it (an entry was removed or reordered)"
        if link_hash(prev_hash, fields) != stored_hash:
            return entry_id, "content does not match its hash (the entry was changed)"
        expected_prev = stored_hash
    return None

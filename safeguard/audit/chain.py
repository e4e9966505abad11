"""The hash chain: pure functions, no ORM.

Each entry's hash is ``sha256(prev_hash || canonical(fields))``; the first entry's
``prev_hash`` is ``GENESIS``. ``canonical`` is JSON with sorted keys and no spaces, so
it does not depend on how the database hands values back:

- ``changes`` is stored as jsonb on PostgreSQL, which reorders keys: sorting keys
  makes that irrelevant (and ``log`` only stores strings, integers, booleans and
  null, which jsonb returns unchanged);
- ``at`` is written as UTC ISO 8601 with microseconds, the precision both
  PostgreSQL's ``timestamptz`` and SQLite's text keep;
- ``ip`` is written the way Python's ``ipaddress`` prints it, whatever form
  PostgreSQL's ``inet`` returns.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

GENESIS = "0" * 64


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def canonical_ip(ip: str | None) -> str | None:
    """One spelling per address (``::ffff:1.2.3.4`` is ``1.2.3.4``); unparsable is ``None``."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(str(ip).strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


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
        "ip": canonical_ip(ip),
    }


def link_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(fields)).hexdigest()


def first_broken_link(entries: Iterable[tuple[int, str, str, Mapping[str, Any]]]) -> tuple[int, str] | None:
    """Walk ``(id, prev_hash, hash, fields)`` in id order; return ``(id, reason)`` of the first bad link.

    A changed entry fails its own hash; a removed or reordered one breaks the next
    entry's ``prev_hash``. Removing entries from the end leaves a valid, shorter
    chain: compare the head with a recorded one (``verify_audit --expect-head``).
    """
    expected_prev = GENESIS
    for entry_id, prev_hash, stored_hash, fields in entries:
        if prev_hash != expected_prev:
            return entry_id, _("previous hash does not match the entry before it (an entry was removed or reordered)")
        if link_hash(prev_hash, fields) != stored_hash:
            return entry_id, _("content does not match its hash (the entry was changed)")
        expected_prev = stored_hash
    return None

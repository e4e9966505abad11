"""Reading the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from safeguard.audit import chain
from safeguard.audit.models import AuditEntry


def _entries(batch: int = 2000) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        for e in rows:
            fields = chain.entry_fields(
                at=e.at,
                actor_id=e.actor_id,
                actor_label=e.actor_label,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                object_repr=e.object_repr,
                changes=e.changes,
                ip=e.ip,
            )
            yield e.id, e.prev_hash, e.hash, fields
        last_id = rows[-1].id


def verify_chain() -> tuple[int, tuple[int, str] | None]:
    """Return ``(entries checked, first broken link or None)``; a broken link is ``(id, reason)``."""
    count = 0

    def counted() -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        nonlocal count
        for item in _entries():
            count += 1
            yield item

    broken = chain.first_broken_link(counted())
    return count, broken


def chain_head() -> str:
    """The hash of the newest entry (``GENESIS`` for an empty log): record it to detect later truncation."""
    return AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or chain.GENESIS


def contains_hash(value: str) -> bool:
    return AuditEntry.objects.filter(hash=value).exists()


def entries_for(*, object_type: str, object_id: str) -> list[AuditEntry]:
    """Everything logged about one object, oldest first (uses ``audit_object_idx``)."""
    return list(AuditEntry.objects.filter(object_type=object_type, object_id=object_id).order_by("id"))

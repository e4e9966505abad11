"""Test helpers for the cases app: the frozen instant, staging a status, counting writes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from safeguard.audit.models import AuditEntry
from safeguard.cases.models import Case, CaseEvent, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning in Shanghai, in a year the shipped calendars cover.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def stage(case: Case, status: str) -> Case:
    """Put a case straight into ``status`` for a test's setup (bypasses the services on purpose),
    with the timestamps that status implies."""
    now = datetime.now(tz=SHANGHAI)
    fields: dict[str, Any] = {"status": status}
    if status in (Status.RESOLVED, Status.CLOSED):
        fields["resolved_at"] = now - timedelta(days=1)
    if status in (Status.CLOSED, Status.WITHDRAWN, Status.REFERRED, Status.MERGED):
        fields["closed_at"] = now
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def counts(case: Case) -> tuple[int, int, int]:
    """(events of the case, audit entries, case version): to prove that a refusal wrote nothing."""
    case_version = Case.objects.values_list("version", flat=True).get(pk=case.pk)
    return CaseEvent.objects.filter(case=case).count(), AuditEntry.objects.count(), case_version

"""Background and periodic work for cases."""

from django.tasks import task


@task()
def scan_deadlines() -> int:
    """Mark milestones due soon or breached and escalate (see services.scan_deadlines)."""
    from safeguard.cases.services import scan_deadlines as run_once

    return run_once()

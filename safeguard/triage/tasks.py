"""Triage's tasks (django.tasks)."""

from django.tasks import task


@task()
def triage_case(case_id: int) -> str:
    """Triage one new case with the active model (and every shadow model); see services."""
    from safeguard.triage.services import triage_case as run

    return run(case_id)

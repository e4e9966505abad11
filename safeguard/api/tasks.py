"""Periodic work for the API."""

from django.tasks import task


@task()
def purge_idempotency_records() -> int:
    """Forget idempotency keys older than the replay window (SAFEGUARD_IDEMPOTENCY_HOURS)."""
    from safeguard.api.idempotency import purge_expired

    return purge_expired()

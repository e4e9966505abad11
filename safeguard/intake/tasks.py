"""Background and periodic work for intake."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

# An item still "received" this long after it arrived lost its worker (a crash, a kill): pick it up.
STUCK_AFTER = timedelta(minutes=2)


@task()
def process_inbound_item(item_id: int) -> str:
    """Process one stored inbound item (``inbound.process``); returns its final status."""
    from safeguard.intake.inbound import process

    return process(item_id).status


@task()
def process_stuck_items() -> int:
    """Process items that were stored but never processed (their worker died); periodic."""
    from safeguard.intake.inbound import process
    from safeguard.intake.models import InboundItem

    cutoff = timezone.now() - STUCK_AFTER
    ids = list(
        InboundItem.objects.filter(status=InboundItem.Status.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
    for item_id in ids:
        process(item_id)
    return len(ids)

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


@task()
def send_acknowledgement(case_id: int) -> str:
    """Send the acknowledgement of a case just recorded (enqueued by ``services.submit`` on commit);
    returns the letter's status, "" when it was not owed or already claimed."""
    from safeguard.intake.letters import send_acknowledgement as send

    return send(case_id)


@task()
def send_due_letters() -> dict[str, int]:
    """The letters outbox (``letters.send_due``); periodic."""
    from safeguard.intake.letters import send_due

    return send_due()

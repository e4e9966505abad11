"""Periodic work of the surveys app (listed in ``SAFEGUARD_PERIODIC_TASKS``)."""

from typing import Any

from django.tasks import task
from django.utils import timezone


@task()
def send_relationship_surveys() -> dict[str, Any]:
    """The relationship survey sample, at most once per ``SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS``
    (``services.run_relationship_period``); runs hourly and does nothing until a period begins."""
    from safeguard.surveys.services import run_relationship_period

    return run_relationship_period(now=timezone.now())

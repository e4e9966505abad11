"""Periodic work of the quality app (listed in ``SAFEGUARD_PERIODIC_TASKS``)."""

from django.tasks import task


@task()
def evaluate_targets() -> int:
    """Measure every active target over its months and quarters that have closed (idempotent:
    a period already measured is skipped; see services.targets.evaluate_period)."""
    from safeguard.quality.services.targets import evaluate_due

    return len(evaluate_due())


@task()
def scan_early_warnings() -> int:
    """The early-warning scan for today in the institution's zone (``warnings.scan``); hourly, and
    the day's ``WarningRun`` makes it run once a day. Returns the alerts raised (-1: already run)."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    from safeguard.quality.warnings.scan import scan

    now = timezone.now()
    run = scan(now.astimezone(ZoneInfo(settings.TIME_ZONE)).date(), now=now)
    return run.alerts if run is not None else -1


@task()
def warm_figures() -> int:
    """Recompute the institution-wide figures of the dashboard's default views (this month and
    last month, each with the period before it, and the first KPI's breakdown) into the figure
    cache before they expire, so the first viewer does not wait for them. Returns the KPIs
    computed (0 when ``SAFEGUARD_QUALITY_CACHE_SECONDS`` turns the cache off)."""
    from safeguard.quality.services.figures import warm

    return warm()

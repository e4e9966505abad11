"""``manage.py scan_warnings [--day YYYY-MM-DD]``: run the early-warning scan for a day (default
today in the institution's zone), judging the whole days before it. Once per day: a day already
scanned is reported and skipped."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from safeguard.quality.models import Alert
from safeguard.quality.warnings.scan import scan


class Command(BaseCommand):
    help = "Run the early-warning scan for a day (default today, in the institution's zone); once per day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="The scan's day, YYYY-MM-DD (it judges the days before it).")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError(f"--day must be a date, YYYY-MM-DD: {options['day']!r}") from exc
        else:
            day = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
        run = scan(day, now=now)
        if run is None:
            self.stdout.write(f"The scan for {day} has already run (or is running); nothing done.")
            return
        self.stdout.write(f"Scanned for {day}: {run.alerts} new alert(s).")
        for alert in Alert.objects.filter(detected_on=day, created_at=now).order_by("kind", "dimension", "pk"):
            self.stdout.write(
                f"  #{alert.pk} {alert.kind} {alert.dimension}={alert.series_key} ({alert.series_label}): "
                f"{alert.observed:.0f} observed, {alert.expected:.1f} expected, ×{alert.ratio:.2f}"
            )

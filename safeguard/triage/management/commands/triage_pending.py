"""``manage.py triage_pending [--since DATE] [--limit N] [--open-only]``: triage the cases the
active model has not classified yet.

New cases are triaged as they are opened (``case_opened``). Cases that arrive by bulk import
(``import_cases``) are not, because an import is mostly history and a task per row would slow
it; and cases opened before a version was promoted were classified by the one before. This
command catches them up, newest first, through the same ``triage_case`` service (idempotent per
case and version, so it is safe to run again or beside the workers).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.cases.models import OPEN_STATUSES, Case
from safeguard.triage import selectors
from safeguard.triage.models import Prediction
from safeguard.triage.services import triage_case


class Command(BaseCommand):
    help = "Triage the cases the active triage model has not classified yet (newest first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=date.fromisoformat, help="only cases received on or after this day")
        parser.add_argument("--limit", type=int, default=1000, help="at most this many cases (default 1000)")
        parser.add_argument("--open-only", action="store_true", help="only cases that are still open")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        version = selectors.active_version()
        if version is None:
            raise CommandError("No triage model version is active: promote one first (triage_promote).")
        done = Prediction.objects.filter(model_version=version).values("case_id")
        cases = Case.objects.exclude(pk__in=done)
        if options["since"] is not None:
            cases = cases.filter(received_at__date__gte=options["since"])
        if options["open_only"]:
            cases = cases.filter(status__in=OPEN_STATUSES)
        ids = list(cases.order_by("-received_at", "-pk").values_list("pk", flat=True)[: options["limit"]])
        outcomes = Counter(triage_case(pk) for pk in ids)
        summary = ", ".join(f"{outcome}: {count}" for outcome, count in sorted(outcomes.items())) or "nothing to do"
        self.stdout.write(f"{len(ids)} cases with version {version.pk} ({version.name}); {summary}.")

"""``manage.py warning_eval [--series N] [--days D] [--seed S]``: measure the early-warning
detector on synthetic streams with injected spikes and print the figures as JSON (detection delay,
false alarms per series-year, recall by spike size). Pure: it touches no database."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.quality.warnings.evaluation import EvalConfig, evaluate


class Command(BaseCommand):
    help = (
        "Measure the early-warning detector on synthetic streams (weekly rhythm, low and high base rates, "
        "injected spikes of known size and start) and print JSON: detection delay, false alarms per "
        "series-year, recall."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--series",
            type=int,
            default=EvalConfig.series,
            help="Streams per kind and base rate (default %(default)s).",
        )
        parser.add_argument("--days", type=int, default=EvalConfig.days, help="Days per stream (default %(default)s).")
        parser.add_argument("--seed", type=int, default=EvalConfig.seed, help="Random seed (default %(default)s).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["series"] < 1:
            raise CommandError("--series must be at least 1.")
        try:
            result = evaluate(EvalConfig(series=options["series"], days=options["days"], seed=options["seed"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

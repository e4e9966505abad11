"""``manage.py triage_train [--since DATE] [--min-examples N] [--encoder auto|none]``: train a new
triage model version from the institution's decided cases and the handlers' corrections.

The new version is a SHADOW: it predicts on every new case beside the active one, without acting,
until an administrator promotes it (``triage_promote`` or the model's page). With fewer than
``--min-examples`` examples of its own, the institution's data is mixed with the shipped examples.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.core.errors import DomainError
from safeguard.triage.models import Target
from safeguard.triage.services import train_version
from safeguard.triage.services.versions import DEFAULT_MIN_EXAMPLES


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since must be a date like 2026-01-31, not {value!r}") from None


class Command(BaseCommand):
    help = "Train a new triage model version (shadow) from decided cases and corrections."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", default="", help="only cases received on or after this day (YYYY-MM-DD)")
        parser.add_argument(
            "--min-examples",
            type=int,
            default=DEFAULT_MIN_EXAMPLES,
            help=f"below this many examples of its own, mix in the shipped ones (default {DEFAULT_MIN_EXAMPLES})",
        )
        parser.add_argument(
            "--encoder",
            choices=["auto", "none"],
            default=None,
            help="auto: add sentence embeddings when installed; none: TF-IDF only (default: SAFEGUARD_TRIAGE_ENCODER)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"]) if options["since"] else None
        if options["min_examples"] < 0:
            raise CommandError("--min-examples must not be negative")
        try:
            result = train_version(
                by=None,
                since=since,
                min_examples=options["min_examples"],
                encoder=options["encoder"],
                say=self.stdout.write,
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        version = result.version
        self.stdout.write(
            self.style.SUCCESS(
                f"Version {version.pk} ({version.name}) trained in {version.train_seconds:.1f} s on "
                f"{version.n_examples} examples ({result.institution_examples} from cases, "
                f"{result.shipped_examples} shipped); status: shadow."
            )
        )
        for target in version.targets:
            scores = version.metrics.get(target) or {}
            label = Target(target).label if target in Target.values else target
            if scores.get("n_test"):
                self.stdout.write(
                    f"  {label}: accuracy {float(scores.get('accuracy') or 0):.3f}, "
                    f"macro F1 {float(scores.get('macro_f1') or 0):.3f}, "
                    f"coverage {float(scores.get('coverage') or 0):.3f} "
                    f"({scores.get('n_train')} trained, {scores.get('n_test')} held out)"
                )
            else:
                self.stdout.write(f"  {label}: {scores.get('n_train')} examples, none held out (no figures)")
        self.stdout.write(f"It predicts without acting until promoted: manage.py triage_promote {version.pk}")

"""Send the relationship survey to a random sample of customers now (by hand)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from safeguard.core.errors import DomainError
from safeguard.surveys.services import sample_relationship


class Command(BaseCommand):
    help = (
        "Invite a random sample of eligible customers (consent, an e-mail address or a phone number, not "
        "surveyed within SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN days) to the relationship survey and send them "
        "the link (by e-mail, or by text message to those who prefer it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        how_many = parser.add_mutually_exclusive_group(required=True)
        how_many.add_argument("--size", type=int, help="How many customers.")
        how_many.add_argument("--fraction", type=float, help="Which share of the eligible customers (0..1).")
        parser.add_argument("--seed", type=int, default=None, help="Random seed (same seed and data, same sample).")
        parser.add_argument("--dry-run", action="store_true", help="Count, write and send nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sample = sample_relationship(
                now=timezone.now(),
                size=options["size"],
                fraction=options["fraction"],
                seed=options["seed"],
                dry_run=options["dry_run"],
                by="command:survey_sample",
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        if sample.dry_run:
            self.stdout.write(f"Dry run: {sample.eligible} customers eligible; {sample.picked} would be invited.")
            return
        self.stdout.write(
            f"{sample.eligible} customers eligible; {len(sample.invitation_ids)} invited, "
            f"{sample.sent} sent, {sample.failed} failed."
        )

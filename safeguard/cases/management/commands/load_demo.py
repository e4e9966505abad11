from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from safeguard.cases import demo
from safeguard.cases.demo import bulk
from safeguard.cases.demo.signals import demo_loaded


class Command(BaseCommand):
    help = (
        "Load the bilingual demo data set (staff of every role with random passwords, customers, "
        "a few hundred cases in every state). Passwords are printed and written to var/demo-accounts.json."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Do nothing if the demo data is already loaded.")
        parser.add_argument("--cases", type=int, default=300, help="How many cases (default 300).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same data).")
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Load staff and departments as usual, then write --cases cases in bulk (fast; for the benchmark).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo.is_loaded():
            if options["once"]:
                self.stdout.write("Demo data already loaded; accounts are in var/demo-accounts.json.")
                return
            raise CommandError("Demo data is already loaded (user demo-admin exists).")
        if settings.PRODUCTION:
            raise CommandError("Refusing to load demo data with SAFEGUARD_ENV=production.")
        accounts_file = Path(settings.VAR_DIR) / "demo-accounts.json"
        self.stdout.write(f"Loading {options['cases']} demo cases{' in bulk' if options['bulk'] else ''} ...")
        with transaction.atomic():
            summary = demo.load(
                cases=0 if options["bulk"] else options["cases"], seed=options["seed"], accounts_file=accounts_file
            )
        if options["bulk"]:
            self._bulk(options["cases"], options["seed"])
        demo_loaded.send(
            sender=self.__class__,
            seed=options["seed"],
            bulk=options["bulk"],
            say=lambda line: self.stdout.write(f"  {line}"),
        )
        self.stdout.write(
            f"Loaded {summary.customers} customers and {summary.cases} cases: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_status.items()))
            + f"; {summary.breached} have breached a deadline."
        )
        for line in summary.skipped[:10]:
            self.stderr.write(f"skipped {line}")
        self.stdout.write(f"Demo staff accounts (also in {accounts_file}):")
        for username, password in summary.staff.items():
            self.stdout.write(f"  {username:<20} {password}")

    def _bulk(self, cases: int, seed: int) -> None:
        done = bulk.load(cases=cases, seed=seed, progress=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(
            f"Bulk: {done.customers} customers, {done.cases} cases, {done.milestones} milestones, "
            f"{done.events} events in {done.seconds} s: "
            + ", ".join(f"{k} {v}" for k, v in sorted(done.by_status.items()))
            + f"; {done.breached} have breached a deadline."
        )

"""Re-encrypt all customer PII under the active key (the first in SAFEGUARD_FIELD_KEYS)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from safeguard.core.errors import DomainError
from safeguard.customers import crypto, services


class Command(BaseCommand):
    help = (
        "Re-encrypt every customer PII value that is not under the active field key, in batches. "
        "Safe to run again; prints counts and writes one audit entry."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="customers per transaction (default 500)")
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="also recompute every blind index (after SAFEGUARD_INDEX_KEY changed)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = services.rotate_field_keys(
                by="command:rotate_field_keys", batch_size=options["batch_size"], reindex=options["reindex"]
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        except crypto.DecryptionError as exc:
            raise CommandError(
                _("Stopped: %(error)s. Add the missing key to SAFEGUARD_FIELD_KEYS and run again.") % {"error": exc}
            ) from exc
        self.stdout.write(
            _(
                "Active key %(key)s: %(examined)d customers examined, %(changed)d changed, "
                "%(values)d values re-encrypted, %(indexes)d blind indexes rebuilt."
            )
            % {
                "key": report.active_key,
                "examined": report.customers_examined,
                "changed": report.customers_changed,
                "values": report.values_reencrypted,
                "indexes": report.indexes_rebuilt,
            }
        )

"""Recompute the audit hash chain; exit non-zero and name the first broken link on tampering."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from safeguard.audit.selectors import chain_head, contains_hash, verify_chain


class Command(BaseCommand):
    help = "Recompute the audit hash chain; name the first broken link and exit non-zero on tampering."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="HASH",
            help="a head hash printed by an earlier run; fail if it is no longer in the chain (entries cut off the end)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = verify_chain()
        if broken is not None:
            entry_id, reason = broken
            raise CommandError(
                _("Audit chain broken at entry #%(id)s: %(reason)s. %(checked)d entries read.")
                % {"id": entry_id, "reason": reason, "checked": checked}
            )
        expected = options.get("expect_head")
        if expected and not contains_hash(expected.strip()):
            raise CommandError(
                _("Audit chain does not contain the expected head %(hash)s: entries were removed from its end.")
                % {"hash": expected.strip()}
            )
        self.stdout.write(
            _("Audit chain intact: %(checked)d entries verified. Head: %(head)s")
            % {"checked": checked, "head": chain_head()}
        )

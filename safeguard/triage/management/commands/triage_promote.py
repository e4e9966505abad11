"""``manage.py triage_promote VERSION_ID``: make a triage model version the active one.

The version that was active is retired. This is the only way, with the button on the model's
page, that a version starts acting on cases: training never promotes. Audited (actor
"manage.py").
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.core.errors import DomainError
from safeguard.triage.models import ModelVersion
from safeguard.triage.services import promote


class Command(BaseCommand):
    help = "Promote a triage model version to active (the active one is retired)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("version_id", type=int, help="the version's number (see /triage/models/)")

    def handle(self, *args: Any, **options: Any) -> None:
        version = ModelVersion.objects.filter(pk=options["version_id"]).first()
        if version is None:
            raise CommandError(f"There is no triage model version {options['version_id']}.")
        try:
            promoted = promote(version=version, by=None)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(self.style.SUCCESS(f"Version {promoted.pk} ({promoted.name}) is now active."))

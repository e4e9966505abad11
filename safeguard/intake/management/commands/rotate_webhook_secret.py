"""``manage.py rotate_webhook_secret CODE``: give a webhook source a new signing secret and print it,
and only that. The old secret stops working at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.intake import webhooks
from safeguard.intake.models import WebhookSource


class Command(BaseCommand):
    help = "Replace a webhook source's signing secret and print the new one (only the secret goes to stdout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        source = WebhookSource.objects.filter(code=options["code"]).first()
        if source is None:
            raise CommandError(f"There is no webhook source {options['code']!r}.")
        secret = webhooks.rotate_secret(source=source, by="command:rotate_webhook_secret")
        self.stdout.write(secret)
        self.stderr.write(
            f"New secret for {source.code}. Requests signed with the old one are refused from now on; "
            "give the sender the new one now: it is not shown again."
        )

"""``manage.py create_webhook_source CODE --name NAME --kind social|regulator [--tolerance SECONDS]``:
register a webhook sender and print its signing secret, and only that (shown once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.core.errors import DomainError
from safeguard.intake import webhooks
from safeguard.intake.models import WebhookSource


class Command(BaseCommand):
    help = (
        "Register a webhook source (a social-media monitor or a regulator's referral feed) and print its "
        "signing secret (shown once; only the secret goes to stdout)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Short code used in the URL: /api/v1/webhooks/<code>.")
        parser.add_argument("--name", required=True, help="Who sends it, for people.")
        parser.add_argument("--kind", required=True, choices=WebhookSource.Kind.values)
        parser.add_argument(
            "--tolerance",
            type=int,
            default=300,
            help="Seconds a request's timestamp may differ from our clock (default 300).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code: str = options["code"]
        if WebhookSource.objects.filter(code=code).exists():
            raise CommandError(f"A webhook source {code!r} exists already; use rotate_webhook_secret for a new secret.")
        if options["tolerance"] < 1:
            raise CommandError("--tolerance must be at least 1 second.")
        try:
            source, secret = webhooks.create_source(
                code=code,
                name=options["name"],
                kind=options["kind"],
                tolerance_seconds=options["tolerance"],
                by="command:create_webhook_source",
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(secret)
        self.stderr.write(
            f"Created webhook source {source.code} ({source.get_kind_display()}): it posts to "
            f"/api/v1/webhooks/{source.code}. Give the sender the secret now: it is not shown again."
        )

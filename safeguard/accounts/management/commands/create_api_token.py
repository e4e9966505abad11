"""``manage.py create_api_token USERNAME [--name NAME]``: print a new API token's secret, and only that."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.accounts.models import ApiToken, User
from safeguard.accounts.tokens import create_token


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret (shown once; only the secret goes to stdout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {options['username']!r}.") from exc
        if not user.is_active:
            raise CommandError(f"User {user.username!r} is disabled; a token for them would never work.")
        name: str = options["name"]
        max_length = ApiToken._meta.get_field("name").max_length or 0
        if len(name) > max_length:
            raise CommandError(f"--name is longer than {max_length} characters.")
        token, secret = create_token(user=user, name=name, by="command:create_api_token")
        self.stdout.write(secret)
        self.stderr.write(f"Created token {token.prefix}… for {user.username}. Store it now: it is not shown again.")

"""``manage.py revoke_api_token PREFIX``: revoke the one token whose prefix (or whole secret) is given."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.accounts.models import ApiToken
from safeguard.accounts.tokens import PREFIX_LENGTH, revoke_token


class Command(BaseCommand):
    help = "Revoke an API token by its prefix, as shown on the account page and in the admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help="The token's prefix (e.g. sg_AbC1234); the full secret works too.")

    def handle(self, *args: Any, **options: Any) -> None:
        given: str = options["prefix"].strip().rstrip("…")
        if len(given) < 4:
            raise CommandError("Give at least the first few characters of the token's prefix.")
        # A full secret starts with its prefix; a shorter string may be the start of one.
        tokens = ApiToken.objects.select_related("user")
        if len(given) >= PREFIX_LENGTH:
            candidates = list(tokens.filter(prefix=given[:PREFIX_LENGTH]))
        else:
            candidates = list(tokens.filter(prefix__startswith=given))
        if not candidates:
            raise CommandError(f"No token with prefix {given!r}.")
        if len(candidates) > 1:
            listing = ", ".join(f"{t.prefix} ({t.user.username})" for t in candidates)
            raise CommandError(f"{given!r} matches several tokens: {listing}. Give more characters.")
        token = candidates[0]
        if token.revoked_at is not None:
            self.stdout.write(f"Token {token.prefix}… of {token.user.username} was already revoked.")
            return
        revoke_token(token=token, by="command:revoke_api_token")
        self.stdout.write(f"Revoked token {token.prefix}… of {token.user.username}.")

from typing import Any

from django.core.management.base import BaseCommand

from safeguard.accounts.roles import ensure_roles


class Command(BaseCommand):
    help = "Create or update the role groups (agent, supervisor, ...) with their permissions."

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_roles()
        self.stdout.write("Roles up to date.")

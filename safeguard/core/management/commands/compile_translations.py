from typing import Any

from django.core.management.base import BaseCommand

from safeguard.core.i18n import compile_all


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po to .mo (with polib; gettext tools are not needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in compile_all():
            self.stdout.write(f"compiled {path}")

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safeguard.core.i18n import LOCALE_DIR, problems


class Command(BaseCommand):
    help = (
        "Fail when the zh_Hans catalogue has untranslated or fuzzy entries, including strings "
        "in the source that the catalogue does not have yet (found by makemessages on a scratch copy)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        committed = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if not committed.exists():
            raise CommandError(f"{committed} is missing")
        if shutil.which("xgettext") and shutil.which("msgmerge"):
            found = _problems_after_makemessages()
        else:
            sys.stderr.write(
                "WARNING: gettext tools are not installed, so strings missing from the catalogue "
                "cannot be found; checking the committed catalogue only.\n"
            )
            found = problems(committed)
        if found:
            raise CommandError(
                "The zh_Hans catalogue is incomplete (run makemessages -l zh_Hans, translate, commit):\n  "
                + "\n  ".join(found[:60])
                + (f"\n  ... and {len(found) - 60} more" if len(found) > 60 else "")
            )
        self.stdout.write("zh_Hans catalogue complete.")


def _problems_after_makemessages() -> list[str]:
    package = LOCALE_DIR.parent
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "safeguard"
        shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests"))
        shutil.copy(package.parent / "manage.py", Path(tmp) / "manage.py")
        env = {**os.environ, "PYTHONPATH": tmp, "DJANGO_SETTINGS_MODULE": "safeguard.test_settings"}
        result = subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-e", "html,txt,py"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"makemessages failed:\n{result.stderr}")
        return problems(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")

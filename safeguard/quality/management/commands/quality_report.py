"""``manage.py quality_report --period 2026-10 --format pdf``: make a report from the command line.

The report is stored like one made from the dashboard (a ``Report`` row, its file in the reports
storage, an audit entry by "system"); ``--out`` also writes a copy to a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeguard.core.errors import DomainError
from safeguard.quality.models import Report
from safeguard.quality.reports import FORMATS, PERIODS
from safeguard.quality.services import reports as service


def _default_kind(period: str) -> str:
    """monthly for a month, quarterly for a quarter; the others need ``--kind``."""
    text = period.strip().upper()
    if "-Q" in text:
        return Report.Kind.QUARTERLY
    if "-H" in text or "-" not in text:
        raise CommandError("--kind is needed for a half year or a year (jrt0169, disp or transparency)")
    return Report.Kind.MONTHLY


class Command(BaseCommand):
    help = "Generate a service-quality, regulatory or transparency report for a period that has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2026-10, 2026-Q3, 2026-H1 or 2026")
        parser.add_argument("--format", default="pdf", help=f"one of: {', '.join(FORMATS)} (default pdf)")
        parser.add_argument(
            "--kind",
            default="",
            help=f"one of: {', '.join(PERIODS)} (default: monthly for a month, quarterly for a quarter)",
        )
        parser.add_argument(
            "--language", default="", help="en or zh-hans (default: the site's language, LANGUAGE_CODE)"
        )
        parser.add_argument("--out", default="", help="also write the file here")

    def handle(self, *args: Any, **options: Any) -> None:
        period = options["period"]
        kind = options["kind"] or _default_kind(period)
        out = Path(options["out"]) if options["out"] else None
        if out is not None and not out.parent.is_dir():
            raise CommandError(f"the folder of --out does not exist: {out.parent}")
        try:
            report = service.generate(
                kind=kind,
                period=period,
                fmt=options["format"],
                language=options["language"] or settings.LANGUAGE_CODE,
                by=None,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        if out is not None:
            with report.file.storage.open(str(report.file.name), "rb") as source:
                out.write_bytes(source.read())
        self.stdout.write(
            f"{report.get_kind_display()} {report.period} ({report.language}, {report.format}): "
            f"{out or report.file.name} sha256 {report.sha256}"
        )

"""``manage.py import_cases FILE [--format cfpb|safeguard] [--dry-run] [--errors REPORT.csv]
[--batch-size N] [--no-progress] [--source NAME] [--department CODE] [--by USERNAME]``.

Imports cases from a CSV or XLSX file (``intake.importer``; docs/import.md). Bad rows are written
to the error report (by default ``<FILE>.errors.csv`` beside the file, only when there is
something to report) and the good rows are imported; the summary goes to stdout.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm  # no stubs in the lock (types-tqdm)

from safeguard.accounts.models import Department, User
from safeguard.core.errors import DomainError
from safeguard.intake import importer


class _Report:
    """The error report, opened at the first problem (UTF-8 with a BOM, so Excel reads it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None
        self.writer: Any = None
        self.first: list[importer.Problem] = []

    def __call__(self, problem: importer.Problem) -> None:
        if self.handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = self.path.open("w", encoding="utf-8-sig", newline="")
            self.writer = csv.writer(self.handle)
            self.writer.writerow(importer.REPORT_COLUMNS)
        self.writer.writerow(problem.as_row())
        if len(self.first) < 10 and problem.level == importer.ERROR:
            self.first.append(problem)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


class Command(BaseCommand):
    help = "Import cases from a CSV or XLSX file (the CFPB complaint database's columns, or Safeguard's own)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A .csv (UTF-8, or GB18030) or .xlsx file.")
        parser.add_argument(
            "--format", choices=importer.FORMATS, help="The file's columns (default: cfpb when it has Complaint ID)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate every row and write nothing.")
        parser.add_argument("--errors", type=Path, help="Where to write the error report (default FILE.errors.csv).")
        parser.add_argument("--batch-size", type=int, default=importer.DEFAULT_BATCH_SIZE, help="Rows per transaction.")
        parser.add_argument("--no-progress", dest="progress", action="store_false", help="No progress bar.")
        parser.add_argument("--source", default="", help="The external source recorded on the cases (idempotency).")
        parser.add_argument(
            "--department", default=None, help="Department code for rows that name none (default: the intake's)."
        )
        parser.add_argument("--by", default=None, help="Username of the staff member importing (needs add_case).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        by = self._user(options["by"])
        department = self._department(options["department"])
        report = _Report(options["errors"] or path.with_name(f"{path.name}.errors.csv"))
        try:
            table = importer.open_table(path)
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(
            total=table.total,
            unit=" rows",
            file=sys.stderr,
            disable=not (options["progress"] and sys.stderr.isatty()),
            dynamic_ncols=True,
        )
        try:
            run = importer.Importer(
                format=options["format"],
                by=by,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                source=options["source"],
                department=department,
                on_problem=report,
                progress=bar.update,
            )
            summary = run.run(table, name=path.name)
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        finally:
            bar.close()
            table.close()
            report.close()
        self._print(summary, report)

    def _user(self, username: str | None) -> User | None:
        if username is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user “%(username)s”.") % {"username": username})
        return user

    def _department(self, code: str | None) -> Department | None:
        code = code if code is not None else getattr(settings, "SAFEGUARD_INTAKE_DEPARTMENT", "")
        if not code:
            return None
        found = Department.objects.filter(code=code).first()
        if found is None and code == getattr(settings, "SAFEGUARD_INTAKE_DEPARTMENT", None):
            return None  # the intake default names no department here: cases wait unrouted
        if found is None:
            raise CommandError(_("No department “%(code)s”.") % {"code": code})
        return found

    def _print(self, summary: importer.Summary, report: _Report) -> None:
        for problem in report.first:
            self.stderr.write(
                _("row %(row)s (%(id)s) %(column)s: %(message)s")
                % {
                    "row": problem.row,
                    "id": problem.external_id or "-",
                    "column": problem.column,
                    "message": problem.message,
                }
            )
        figures = {
            "read": summary.read,
            "created": summary.created,
            "closed": summary.closed,
            "present": summary.present,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "customers": summary.customers_created,
            "seconds": summary.seconds,
            "rate": summary.rows_per_second,
        }
        if summary.dry_run:
            line = _(
                "Dry run, nothing written. Read %(read)d rows: %(created)d would be created (%(closed)d closed on "
                "import), %(present)d already present, %(errors)d errors, %(warnings)d warnings; "
                "%(seconds).1f s, %(rate).0f rows/s."
            )
        else:
            line = _(
                "Read %(read)d rows: %(created)d created (%(closed)d closed on import), %(present)d already "
                "present, %(errors)d errors, %(warnings)d warnings; %(customers)d customers created; "
                "%(seconds).1f s, %(rate).0f rows/s."
            )
        self.stdout.write(line % figures)
        if summary.created == 0 and summary.present and not summary.dry_run:
            self.stdout.write(_("Nothing new: every valid row had been imported before."))
        if report.handle is not None:
            self.stdout.write(_("Error report: %(path)s") % {"path": report.path})

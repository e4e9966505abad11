"""Generating and handing out reports.

``generate`` is the one way a report file comes to exist (the dashboard's Reports page and
``manage.py quality_report`` call it): it checks the request, gathers the figures, renders the
file, stores it in the ``reports`` storage, records a ``Report`` row with its SHA-256 and an audit
entry. Gathering and rendering run before the transaction (a large report takes seconds, and holds
no lock meanwhile); the file, the row and the audit entry are then written together, and the file is
removed again if that fails. It runs inline today; it takes plain values and returns the row, so a
``django.tasks`` task can call it unchanged when reports move to the background.

``open_report`` hands a stored report to a user allowed to read it, and audits the download.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.audit import services as audit
from safeguard.cases.access import VIEW_ALL_PERM, ensure_can
from safeguard.core.errors import NotFound
from safeguard.quality import reports
from safeguard.quality.models import Report

GENERATE_PERM = "quality.generate_report"
VIEW_PERM = "quality.view_report"


def check_generator(by: User | None) -> None:
    """A report covers every department, so its author must hold ``generate_report`` and see them all."""
    if by is not None:
        ensure_can(by, GENERATE_PERM)
        ensure_can(by, VIEW_ALL_PERM)


def generate(
    *,
    kind: str,
    period: str,
    fmt: str,
    language: str,
    by: User | None,
    now: datetime | None = None,
) -> Report:
    """Make the report and keep it. ``by`` None: the system (the management command).

    Refuses with a ``reports.errors`` error (stable codes: ``unknown_report_kind``,
    ``invalid_period``, ``period_not_closed``, ``unsupported_format``, ``unsupported_language``)
    or ``permission_denied`` before doing any work.
    """
    check_generator(by)
    reports.check_kind(kind)
    reports.check_format(fmt)
    reports.check_language(language)
    span = reports.report_period(kind, period)
    now = now or timezone.now()
    document = reports.build(kind, span, language=language, now=now)
    content = reports.render(document, fmt)
    digest = hashlib.sha256(content).hexdigest()
    report = Report(
        kind=kind,
        period=span.code,
        period_start=span.start,
        period_end=span.end,
        format=fmt,
        language=language,
        sha256=digest,
        generated_by=by,
        generated_at=now,
    )
    report.file.save(f"{kind}-{span.code}-{language}.{fmt}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            report.save()
            audit.log(
                by,
                "quality.report.generate",
                report,
                changes={
                    "kind": kind,
                    "period": span.code,
                    "format": fmt,
                    "language": language,
                    "sha256": digest,
                    "bytes": len(content),
                },
            )
    except BaseException:
        report.file.storage.delete(str(report.file.name))
        raise
    return report


@transaction.atomic
def open_report(*, report: Report, by: User) -> IO[bytes]:
    """The stored file, opened for reading; audited as a download."""
    ensure_can(by, VIEW_PERM)
    try:
        handle = report.file.storage.open(str(report.file.name), "rb")
    except OSError:
        raise NotFound(_("The file of this report is missing from the reports storage.")) from None
    audit.log(by, "quality.report.download", report, changes={"file": report.file.name, "sha256": report.sha256})
    return handle

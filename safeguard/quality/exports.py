"""CSV and XLSX exports of the service-quality dashboard (``views/dashboard.py``).

* the figures of the current view: every KPI's total over the period and the previous period,
  and every KPI by the chosen grouping, with numerators and denominators (the XLSX file adds a
  sheet with the commitments and their traffic lights);
* the cases behind one number (the drill-down's whole list): references and masked customers
  only, never decrypted personal data.

Files are written as they are read: CSV is streamed row by row (with a byte-order mark, so
spreadsheet programs read the Chinese text as UTF-8); XLSX uses openpyxl's write-only workbook,
spooled to a temporary file. Text cells that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@``) are prefixed with an apostrophe. Each export leaves an audit entry
(``record_export``), written before the file is produced.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from safeguard.accounts.models import User
from safeguard.audit import services as audit
from safeguard.cases.access import permission_denied
from safeguard.cases.models import Case, CaseType, Channel, Status

if TYPE_CHECKING:
    from safeguard.quality.kpis import Figure, Period

EXPORT_PERM = "quality.export_kpis"
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows fetched from the database at a time while a case list is written.
CHUNK = 2000
# Spooled in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[Any]


def record_export(*, by: User, what: str, fmt: str, details: Mapping[str, Any]) -> None:
    """Check ``quality.export_kpis`` and leave the audit entry of one export (``what``: "figures"
    or "cases"; ``details``: the filter that was exported)."""
    if not isinstance(by, User) or not by.is_active or not by.has_perm(EXPORT_PERM):
        raise permission_denied(EXPORT_PERM)
    with transaction.atomic():
        audit.log(
            by,
            f"quality.export_{what}",
            object_type="quality.kpi",
            object_id=str(details.get("kpi", "")),
            object_repr=what,
            changes={"format": fmt, **details},
        )


def safe(value: Any) -> Any:
    """A cell value as exported: text that a spreadsheet would run as a formula is neutralised."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# --- what is exported ------------------------------------------------------------------------


def figure_header() -> list[str]:
    return [
        _("From"),
        _("To"),
        _("KPI code"),
        _("KPI"),
        _("Unit"),
        _("Grouping"),
        _("Group"),
        _("Group name"),
        _("Value"),
        _("Numerator"),
        _("Denominator"),
    ]


def figure_rows(
    sections: Iterable[tuple[Period, str, Mapping[str, Sequence[Figure]]]],
    *,
    names: Mapping[str, str],
    units: Mapping[str, str],
) -> list[list[Any]]:
    """One row per figure of each (period, grouping, ``compute_all`` result), KPIs in catalogue
    order (``names``' order). The exact numbers the engine gave, empty for "no data"."""
    rows = []
    for period, group_by, figures in sections:
        for code in names:
            for figure in figures.get(code, ()):
                rows.append(
                    [
                        period.start,
                        period.end,
                        code,
                        names[code],
                        units.get(code, ""),
                        group_by if figure.group is not None else "",
                        figure.group or "",
                        figure.label if figure.group is not None else _("All"),
                        figure.value,
                        figure.numerator,
                        figure.denominator,
                    ]
                )
    return rows


def commitment_header() -> list[str]:
    return [_("Commitment"), _("KPI"), _("Target"), _("Status")]


def case_header() -> list[str]:
    return [
        _("Reference"),
        _("Type"),
        _("Channel"),
        _("Product"),
        _("Department"),
        _("Status"),
        _("Received"),
        _("Resolved"),
        _("Customer (masked)"),
    ]


def case_rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    """The cases as rows, fetched ``CHUNK`` at a time. Labels are chosen now (in the request's
    language), not when the stream is read."""
    types, channels, statuses = ({str(v): str(label) for v, label in c.choices} for c in (CaseType, Channel, Status))
    chinese = (get_language() or "").startswith("zh")
    zone = timezone.get_default_timezone()

    def local(moment: datetime | None) -> datetime | None:
        return timezone.localtime(moment, zone).replace(tzinfo=None, microsecond=0) if moment else None

    def rows() -> Iterator[list[Any]]:
        for case in cases.select_related("customer", "product", "department").iterator(chunk_size=CHUNK):
            product, department = case.product, case.department
            yield [
                case.reference,
                types.get(case.type, case.type),
                channels.get(case.channel, case.channel),
                (product.name_zh if chinese and product.name_zh else product.name) if product else "",
                department.display_name("zh" if chinese else "en") if department else "",
                statuses.get(case.status, case.status),
                local(case.received_at),
                local(case.resolved_at),
                case.customer.name_masked,
            ]

    return rows()


# --- file formats ----------------------------------------------------------------------------


class _Echo:
    """A file-like object whose ``write`` returns what it is given (csv.writer into a stream)."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return safe(value)


def csv_response(filename: str, header: Row, rows: Iterable[Row]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([_csv_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Kept exact: openpyxl writes a Decimal's own digits.
        return value
    return safe(value)


def xlsx_response(filename: str, sheets: Sequence[tuple[str, Row, Iterable[Row]]]) -> FileResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    book.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"])


def figures_response(
    fmt: str, filename: str, figures: Sequence[Row], commitments: Sequence[Row]
) -> StreamingHttpResponse | FileResponse:
    if fmt == "csv":
        return csv_response(filename, figure_header(), figures)
    return xlsx_response(
        filename,
        [(_("Figures"), figure_header(), figures), (_("Commitments"), commitment_header(), commitments)],
    )


def cases_response(fmt: str, filename: str, cases: QuerySet[Case]) -> StreamingHttpResponse | FileResponse:
    if fmt == "csv":
        return csv_response(filename, case_header(), case_rows(cases))
    return xlsx_response(filename, [(_("Cases"), case_header(), case_rows(cases))])

"""A ``Document`` as XLSX: a "Summary" sheet (title, period, key figures, notes), then one sheet per
table. Numbers stay numbers (percentages as 0–100 with a "%" format, like the PDF prints them);
"no data" is an empty cell, never 0. Text that a spreadsheet would run as a formula is quoted.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from safeguard.quality.reports.document import DECIMAL, INT, MONEY, PERCENT, Cell, Document, Table

_FORMATS = {INT: "#,##0", PERCENT: '0.0"%"', MONEY: "#,##0.00", DECIMAL: "General"}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BOLD = Font(bold=True)


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading ``=``, ``+``, ``-`` or ``@`` is quoted."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _value(cell: Cell) -> str | int | Decimal | None:
    if isinstance(cell, str):
        return safe_text(cell)
    return cell


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title).strip()[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        name = f"{base[:26]} {n}"
        n += 1
    taken.add(name.lower())
    return name


def _widths(sheet: Worksheet, widths: dict[int, int]) -> None:
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


def _table_sheet(book: Workbook, table: Table, taken: set[str]) -> None:
    sheet = book.create_sheet(_sheet_title(table.title, taken))
    sheet.append([safe_text(table.title)])
    sheet["A1"].font = Font(bold=True, size=12)
    header_row = 3
    sheet.append([])
    sheet.append([safe_text(c.label) for c in table.columns])
    for cell in sheet[header_row]:
        cell.font = _BOLD
    widths = {i: len(c.label) for i, c in enumerate(table.columns, start=1)}
    lines = list(table.rows) + ([table.total] if table.total is not None else [])
    for n, row in enumerate(lines):
        sheet.append([_value(v) for v in row])
        excel_row = sheet.max_row
        for i, value in enumerate(row[: len(table.columns)], start=1):
            cell = sheet.cell(row=excel_row, column=i)
            kind = table.kind(n, i - 1)
            if kind in _FORMATS and not isinstance(value, str):
                cell.number_format = _FORMATS[kind]
            if table.total is not None and n == len(lines) - 1:
                cell.font = _BOLD
            widths[i] = max(widths.get(i, 0), len(str(value)) if value is not None else 0)
    if not table.rows:
        sheet.append([safe_text(table.empty or _("Nothing to report."))])
    if table.note:
        sheet.append([])
        sheet.append([safe_text(table.note)])
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    _widths(sheet, widths)


def render_xlsx(document: Document) -> bytes:
    with translation.override(document.language):
        book = Workbook()
        summary = book.active
        assert summary is not None
        taken: set[str] = set()
        summary.title = _sheet_title(_("Summary"), taken)
        summary.append([safe_text(document.title)])
        summary["A1"].font = Font(bold=True, size=14)
        summary.append([safe_text(document.institution)])
        summary.append([_("Period"), safe_text(document.period_label), document.period_code])
        summary.append([_("Generated"), timezone.localtime(document.generated_at).strftime("%Y-%m-%d %H:%M")])
        summary.append([])
        for figure in document.summary:
            summary.append([safe_text(figure.label), safe_text(figure.value)])
        summary.append([])
        for note in document.notes:
            summary.append([safe_text(note)])
        _widths(summary, {1: 36, 2: 24, 3: 12})
        for table in document.tables:
            _table_sheet(book, table, taken)
        book.properties.title = f"{document.title} {document.period_code}"[:200]
        book.properties.creator = "Safeguard"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

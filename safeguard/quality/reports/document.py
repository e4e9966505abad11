"""What every report is before it becomes a file: a title, key figures and a list of tables.

The gatherers (``service_quality``, ``regulatory``, ``transparency``) build a ``Document`` with
every label already in the report's language; ``pdf`` and ``xlsx`` only lay it out (a PDF page
section per table, an XLSX sheet per table). Cells hold typed values, so a spreadsheet gets
numbers, not text:

* ``None`` is "no data" (an empty denominator), shown as "—", never as 0;
* a ``str`` in a number column is shown as it is (the transparency page's "<5");
* percentages are numbers from 0 to 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

TEXT, INT, PERCENT, DECIMAL, MONEY = "text", "int", "percent", "decimal", "money"
# Text that must not wrap: codes and case references.
CODE = "code"

Cell = str | int | Decimal | None

NO_DATA = "—"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT
    # The row says how to show this column's numbers (``Table.row_kinds``): a KPI's value is a
    # percentage in one row and hours in the next.
    per_row: bool = False


@dataclass
class Table:
    key: str  # stable, for sheet names and tests: "commitments", "jrt-channel"
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    # Shown (and written) after the rows, in bold.
    total: list[Cell] | None = None
    # A sentence shown instead of an empty table.
    empty: str = ""
    # One kind per row, for the ``per_row`` columns.
    row_kinds: list[str] = field(default_factory=list)

    def kind(self, row: int, column: int) -> str:
        col = self.columns[column]
        if col.per_row and row < len(self.row_kinds):
            return self.row_kinds[row]
        return col.kind


@dataclass(frozen=True)
class Figure:
    """One key figure on the first page: label and a value already formatted as text."""

    label: str
    value: str


@dataclass
class Document:
    kind: str
    title: str
    period_label: str
    period_code: str
    language: str
    generated_at: datetime
    institution: str
    summary: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def quantize(value: Decimal | int | float | None, places: int = 1) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(numerator: int | Decimal | None, denominator: int | Decimal | None) -> Decimal | None:
    """``numerator / denominator`` × 100 to one decimal; None (no data) when the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return quantize(Decimal(numerator) * 100 / Decimal(denominator))


def _plain(value: Decimal | None) -> str:
    """2.50 -> 2.5, 3.00 -> 3, 288 -> 288 (never 2.9E+2)."""
    if value is None:
        return NO_DATA
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def show(value: Cell, kind: str) -> str:
    """A cell as text, the way the PDF and the HTML page print it."""
    if value is None:
        return NO_DATA
    if isinstance(value, str):
        return value
    if kind == PERCENT:
        return f"{quantize(value)}%"
    if kind == MONEY:
        return f"{quantize(value, 2):,}"
    if kind == DECIMAL:
        return _plain(quantize(value, 2))
    if kind == INT:
        return f"{int(value):,}"
    return str(value)


@dataclass(frozen=True)
class ShownCell:
    text: str
    kind: str


@dataclass(frozen=True)
class ShownTable:
    """A table as the PDF and the HTML page print it: every cell already text."""

    table: Table
    header: list[Column]
    rows: list[list[ShownCell]]
    total: list[ShownCell] | None


def shown(table: Table) -> ShownTable:
    def line(cells: list[Cell], row: int) -> list[ShownCell]:
        kinds = [table.kind(row, i) for i in range(len(cells))]
        return [ShownCell(show(value, kind), kind) for value, kind in zip(cells, kinds, strict=False)]

    return ShownTable(
        table=table,
        header=table.columns,
        rows=[line(cells, i) for i, cells in enumerate(table.rows)],
        total=line(table.total, len(table.rows)) if table.total is not None else None,
    )

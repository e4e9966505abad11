"""Regulatory statistics: the JR/T 0169-2018 counts (China) and the DISP 1 Annex 1 return (UK).

Both count complaints (``CaseType.COMPLAINT``; duplicates merged into another case are left out)
under the regulator's codes through ``RegulatoryMapping``. Each dimension reads the case's values
in a fixed order and takes the first one that is mapped:

* JR/T business channel: the intake channel;
* JR/T business category: the product, then the category (cases without a product);
* JR/T complaint cause and DISP cause: the category (what the customer complained about), then
  the root cause of the decision;
* DISP product group: the product.

A case none of whose values is mapped counts under the dimension's "other" code (``99`` /
``OTHER``; a "Not mapped" row where the list has none), and the value that was not mapped is listed
in the "Not mapped" table so an administrator can add the mapping.

DISP time to close: "within 3 business days" is by the end of the third business day after the day
of receipt (DISP 1.5.2R, the summary resolution), on the ``SAFEGUARD_REPORTS_DISP_CALENDAR``
calendar; "within 8 weeks" is by the end of the 56th day after the day of receipt (DISP 1.6.2R),
in that calendar's zone. Upheld includes partially upheld (the FCA's definition). Redress paid is the
approved redress on the complaints closed in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from safeguard.cases.models import Category, Channel, Outcome, Product, Redress, RootCause
from safeguard.deadlines.models import Calendar
from safeguard.deadlines.rules import CalendarData, add_business_days, end_of_day, local_date
from safeguard.deadlines.selectors import calendar_data
from safeguard.quality.models import RegulatoryCode, RegulatoryMapping
from safeguard.quality.reports.common import complaints_closed, complaints_received, institution, name_of
from safeguard.quality.reports.document import (
    CODE,
    INT,
    MONEY,
    PERCENT,
    Cell,
    Column,
    Document,
    Figure,
    Table,
    percent,
    show,
)
from safeguard.quality.reports.errors import ReportError
from safeguard.quality.reports.periods import ReportPeriod

JRT, DISP = RegulatoryCode.Scheme.JRT0169, RegulatoryCode.Scheme.DISP
D = RegulatoryCode.Dimension
PRODUCT, CATEGORY, ROOT_CAUSE, CHANNEL = "product", "category", "root_cause", "channel"

# Per (scheme, dimension): the case's values tried in order (see the module docstring).
SOURCES: dict[tuple[str, str], tuple[str, ...]] = {
    (JRT, D.CHANNEL): (CHANNEL,),
    (JRT, D.CATEGORY): (PRODUCT, CATEGORY),
    (JRT, D.CAUSE): (CATEGORY, ROOT_CAUSE),
    (DISP, D.PRODUCT_GROUP): (PRODUCT,),
    (DISP, D.CAUSE): (CATEGORY, ROOT_CAUSE),
}
OTHER_CODES = ("99", "OTHER")
NOT_MAPPED = "—"
EIGHT_WEEKS = timedelta(days=56)
SUMMARY_BUSINESS_DAYS = 3
UPHELD = (Outcome.UPHELD, Outcome.PARTIALLY_UPHELD)

# The values of a complaint that the mappings read: (channel, product id, category id, root cause id).
Values = tuple[str, int | None, int | None, int | None]
_INDEX = {CHANNEL: 0, PRODUCT: 1, CATEGORY: 2, ROOT_CAUSE: 3}


# --- mapping -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeList:
    """One dimension of a scheme: its codes in order, and how values map onto them."""

    scheme: str
    dimension: str
    codes: list[RegulatoryCode]
    # source -> value (channel string or id) -> code id
    mapped: dict[str, dict[Any, int]]

    @property
    def other(self) -> RegulatoryCode | None:
        return next((c for c in self.codes if c.code in OTHER_CODES and c.parent_id is None), None)

    def code_for(self, values: Values) -> int | None:
        for source in SOURCES[(self.scheme, self.dimension)]:
            value = values[_INDEX[source]]
            if value in (None, ""):
                continue
            found = self.mapped.get(source, {}).get(value)
            if found is not None:
                return found
        return None


def code_list(scheme: str, dimension: str) -> CodeList:
    codes = list(RegulatoryCode.objects.filter(scheme=scheme, dimension=dimension).order_by("code"))
    mapped: dict[str, dict[Any, int]] = defaultdict(dict)
    rows = (
        RegulatoryMapping.objects.filter(code__scheme=scheme, code__dimension=dimension)
        .order_by("-pk")  # the oldest mapping wins when an administrator added two
        .values_list("code_id", "product_id", "category_id", "root_cause_id", "channel")
    )
    for code_id, product_id, category_id, root_cause_id, channel in rows:
        if product_id is not None:
            mapped[PRODUCT][product_id] = code_id
        elif category_id is not None:
            mapped[CATEGORY][category_id] = code_id
        elif root_cause_id is not None:
            mapped[ROOT_CAUSE][root_cause_id] = code_id
        elif channel:
            mapped[CHANNEL][channel] = code_id
    return CodeList(scheme=scheme, dimension=dimension, codes=codes, mapped=dict(mapped))


@dataclass
class Tally:
    """Counts by code id (``None``: not mapped and no "other" code) and the unmapped values."""

    by_code: dict[int | None, int]
    # (source, value) -> count, for the values counted as other
    unmapped: dict[tuple[str, Any], int]


def tally(codes: CodeList, groups: Iterable[tuple[Values, int]]) -> Tally:
    other = codes.other
    by_code: dict[int | None, int] = defaultdict(int)
    unmapped: dict[tuple[str, Any], int] = defaultdict(int)
    for values, count in groups:
        code_id = codes.code_for(values)
        if code_id is None:
            by_code[other.pk if other is not None else None] += count
            first = SOURCES[(codes.scheme, codes.dimension)][0]
            unmapped[(first, values[_INDEX[first]])] += count
        else:
            by_code[code_id] += count
    return Tally(by_code=dict(by_code), unmapped=dict(unmapped))


def subtotals(codes: Sequence[RegulatoryCode], by_code: Mapping[int | None, int]) -> dict[int, int]:
    """Each code's count including its descendants'."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code.pk)
    totals: dict[int, int] = {}

    def total(pk: int) -> int:
        if pk not in totals:
            totals[pk] = by_code.get(pk, 0) + sum(total(child) for child in children[pk])
        return totals[pk]

    for code in codes:
        total(code.pk)
    return totals


def _depth(code: RegulatoryCode, by_pk: Mapping[int, RegulatoryCode]) -> int:
    depth, parent = 0, code.parent_id
    while parent is not None and parent in by_pk and depth < 10:
        depth, parent = depth + 1, by_pk[parent].parent_id
    return depth


def _label(code: RegulatoryCode, depth: int) -> str:
    return "\u2003" * depth + name_of(code)


def _complaint_groups(queryset: Any) -> list[tuple[Values, int]]:
    rows = (
        queryset.order_by()
        .values_list("channel", "product_id", "category_id", "resolution__root_cause_id")
        .annotate(n=Count("id"))
    )
    return [((channel, product, category, cause), n) for channel, product, category, cause, n in rows]


class _Names:
    """Display names of the values that may be listed as not mapped (loaded once)."""

    def __init__(self) -> None:
        self.product = {p.pk: p for p in Product.objects.all()}
        self.category = {c.pk: c for c in Category.objects.all()}
        self.root_cause = {r.pk: r for r in RootCause.objects.all()}
        self.channel = {str(v): str(label) for v, label in Channel.choices}

    def source(self, source: str) -> str:
        return {
            PRODUCT: _("Product"),
            CATEGORY: _("Category"),
            ROOT_CAUSE: _("Root cause"),
            CHANNEL: _("Channel"),
        }[source]

    def value(self, source: str, value: Any) -> tuple[str, str]:
        """(code, name) of a value; ("", "(none)") when the case has none."""
        if value in (None, ""):
            return "", _("(none recorded)")
        if source == CHANNEL:
            return str(value), self.channel.get(str(value), str(value))
        tables: dict[str, Mapping[int, Any]] = {
            PRODUCT: self.product,
            CATEGORY: self.category,
            ROOT_CAUSE: self.root_cause,
        }
        found = tables[source].get(value)
        return (found.code, name_of(found)) if found is not None else (str(value), str(value))


def _dimension_table(key: str, title: str, codes: CodeList, counted: Tally, total: int) -> Table:
    sums = subtotals(codes.codes, counted.by_code)
    by_pk = {c.pk: c for c in codes.codes}
    rows: list[list[Cell]] = []
    for code in codes.codes:
        depth = _depth(code, by_pk)
        parent = by_pk[code.parent_id].code if code.parent_id in by_pk else ""
        rows.append([code.code, _label(code, depth), parent, sums[code.pk], percent(sums[code.pk], total)])
    if counted.by_code.get(None):
        rows.append([NOT_MAPPED, _("Not mapped"), "", counted.by_code[None], percent(counted.by_code[None], total)])
    return Table(
        key=key,
        title=title,
        columns=[
            Column(_("Code"), CODE),
            Column(_("Name")),
            Column(_("Parent code"), CODE),
            Column(_("Complaints"), INT),
            Column(_("Share"), PERCENT),
        ],
        rows=rows,
        total=["", _("Total"), "", total, percent(total, total)],
        note=_("A parent code's count includes its sub-codes'."),
    )


def _unmapped_table(key: str, items: list[tuple[str, str, tuple[str, Any], int]], names: _Names) -> Table:
    rows: list[list[Cell]] = []
    for dimension_label, counted_as, (source, value), count in items:
        code, name = names.value(source, value)
        rows.append([dimension_label, names.source(source), code, name, counted_as, count])
    return Table(
        key=key,
        title=_("Values without a mapping"),
        columns=[
            Column(_("Dimension")),
            Column(_("Field")),
            Column(_("Value"), CODE),
            Column(_("Name")),
            Column(_("Counted as")),
            Column(_("Complaints"), INT),
        ],
        rows=rows,
        note=_("Add a regulatory mapping for these values (administration) to count them under their own code."),
        empty=_("Every value is mapped."),
    )


def _counted_as(codes: CodeList) -> str:
    other = codes.other
    return f"{other.code} {name_of(other)}" if other is not None else _("Not mapped")


# --- JR/T 0169-2018 ------------------------------------------------------------------------


def jrt0169(period: ReportPeriod, *, language: str, now: datetime) -> Document:
    """Complaints received in the period by the three JR/T 0169-2018 dimensions."""
    groups = _complaint_groups(complaints_received(period))
    total = sum(n for _values, n in groups)
    names = _Names()
    dimensions = [
        (D.CHANNEL, "jrt-channel", _("By business channel (业务办理渠道)")),
        (D.CATEGORY, "jrt-category", _("By business category (业务类别)")),
        (D.CAUSE, "jrt-cause", _("By complaint cause (投诉原因)")),
    ]
    tables = []
    unmapped: list[tuple[str, str, tuple[str, Any], int]] = []
    for dimension, key, title in dimensions:
        codes = code_list(JRT, dimension)
        counted = tally(codes, groups)
        tables.append(_dimension_table(key, title, codes, counted, total))
        label = str(D(dimension).label)
        unmapped += [
            (label, _counted_as(codes), item, n) for item, n in sorted(counted.unmapped.items(), key=_by_count)
        ]
    tables.append(_unmapped_table("jrt-unmapped", unmapped, names))
    return Document(
        kind="jrt0169",
        title=_("Complaint statistics under JR/T 0169-2018"),
        period_label=period.label,
        period_code=period.code,
        language=language,
        generated_at=now,
        institution=institution(),
        summary=[Figure(_("Complaints received"), show(total, INT))],
        tables=tables,
        notes=[
            _(
                "Complaints received in the period, classified by the three dimensions of JR/T 0169-2018 "
                "(金融消费者投诉统计分类及编码 银行业). Values without a mapping are counted under the "
                "dimension's “other” code and listed at the end."
            )
        ],
    )


def _by_count(item: tuple[tuple[str, Any], int]) -> tuple[int, str]:
    (_source, value), count = item
    return -count, str(value)


# --- DISP 1 Annex 1 ------------------------------------------------------------------------

WITHIN_3_DAYS, WITHIN_8_WEEKS, LATER = "3d", "8w", "later"


def disp_calendar() -> CalendarData:
    code = settings.SAFEGUARD_REPORTS_DISP_CALENDAR
    calendar = Calendar.objects.filter(code=code).first()
    if calendar is None:
        raise ReportError(
            _("The business calendar “%(calendar)s” for the DISP return does not exist.") % {"calendar": code},
            calendar=code,
        )
    return calendar_data(calendar)


def time_to_close(received_at: datetime, closed_at: datetime, calendar: CalendarData) -> str:
    """Which DISP bucket a complaint closed at ``closed_at`` falls in (``CalendarYearMissing`` when
    the calendar lacks the year)."""
    received = local_date(received_at, calendar.zone)
    if closed_at <= end_of_day(add_business_days(calendar, received, SUMMARY_BUSINESS_DAYS), calendar.zone):
        return WITHIN_3_DAYS
    if closed_at <= end_of_day(received + EIGHT_WEEKS, calendar.zone):
        return WITHIN_8_WEEKS
    return LATER


@dataclass
class _Line:
    opened: int = 0
    closed: int = 0
    within_3_days: int = 0
    within_8_weeks: int = 0
    later: int = 0
    upheld: int = 0

    def add(self, other: _Line) -> None:
        for name in ("opened", "closed", "within_3_days", "within_8_weeks", "later", "upheld"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def disp(period: ReportPeriod, *, language: str, now: datetime) -> Document:
    """The DISP 1 Annex 1 style return: complaints opened and closed by product, by cause, time to
    close, upheld and redress paid."""
    calendar = disp_calendar()
    products = code_list(DISP, D.PRODUCT_GROUP)
    causes = code_list(DISP, D.CAUSE)
    names = _Names()

    opened_groups = _complaint_groups(complaints_received(period))
    closed = list(
        complaints_closed(period).values_list(
            "id", "channel", "product_id", "category_id", "resolution__root_cause_id", "received_at", "resolved_at"
        )
    )
    outcomes = dict(complaints_closed(period).filter(resolution__isnull=False).values_list("id", "resolution__outcome"))

    lines: dict[int | None, _Line] = defaultdict(_Line)
    matrix: dict[tuple[int | None, int | None], int] = defaultdict(int)
    for opened_values, n in opened_groups:
        product = products.code_for(opened_values)
        lines[product].opened += n
        matrix[(product, _cause(causes, opened_values))] += n
    closed_product: dict[int, int | None] = {}
    for case_id, channel, product_id, category_id, cause_id, received_at, resolved_at in closed:
        values: Values = (channel, product_id, category_id, cause_id)
        product = products.code_for(values)
        closed_product[case_id] = product
        line = lines[product]
        line.closed += 1
        bucket = time_to_close(received_at, resolved_at or received_at, calendar)
        if bucket == WITHIN_3_DAYS:
            line.within_3_days += 1
        elif bucket == WITHIN_8_WEEKS:
            line.within_8_weeks += 1
        else:
            line.later += 1
        if outcomes.get(case_id) in UPHELD:
            line.upheld += 1

    redress: dict[tuple[int | None, str], Decimal] = defaultdict(Decimal)
    for case_id, currency, amount in (
        Redress.objects.filter(case_id__in=list(closed_product), state=Redress.State.APPROVED)
        .values_list("case_id", "currency")
        .annotate(total=Sum("amount"))
        .values_list("case_id", "currency", "total")
    ):
        redress[(closed_product[case_id], currency)] += amount or Decimal(0)
    currencies = sorted({currency for _product, currency in redress}) or [_default_currency()]

    unmapped: list[tuple[str, str, tuple[str, Any], int]] = []
    for codes, groups in ((products, opened_groups), (causes, opened_groups)):
        counted = tally(codes, groups)
        label = str(D(codes.dimension).label)
        unmapped += [
            (label, _counted_as(codes), item, n) for item, n in sorted(counted.unmapped.items(), key=_by_count)
        ]

    summary_line = _Line()
    for line in lines.values():
        summary_line.add(line)
    total_redress = {c: sum((v for (_p, cur), v in redress.items() if cur == c), Decimal(0)) for c in currencies}
    return Document(
        kind="disp",
        title=_("Complaints return (DISP 1 Annex 1)"),
        period_label=period.label,
        period_code=period.code,
        language=language,
        generated_at=now,
        institution=institution(),
        summary=[
            Figure(_("Complaints opened"), show(summary_line.opened, INT)),
            Figure(_("Complaints closed"), show(summary_line.closed, INT)),
            Figure(_("Closed within 3 business days"), show(summary_line.within_3_days, INT)),
            Figure(_("Upheld"), show(percent(summary_line.upheld, summary_line.closed), PERCENT)),
            *[
                Figure(_("Redress paid (%(currency)s)") % {"currency": c}, show(v, MONEY))
                for c, v in total_redress.items()
            ],
        ],
        tables=[
            _disp_products_table(products, lines, redress, currencies, summary_line, total_redress),
            _disp_cause_table(products, causes, matrix),
            _unmapped_table("disp-unmapped", unmapped, names),
        ],
        notes=[
            _(
                "Opened: complaints received in the period. Closed: complaints whose final or summary "
                "response was given in the period. Within 3 business days: by the end of the third business "
                "day after the day of receipt (calendar %(calendar)s). Within 8 weeks: after that and by the "
                "end of eight weeks after receipt. Upheld includes partially upheld. Redress paid: approved "
                "redress on the complaints closed in the period."
            )
            % {"calendar": settings.SAFEGUARD_REPORTS_DISP_CALENDAR}
        ],
    )


def _default_currency() -> str:
    return "GBP" if settings.SAFEGUARD_REPORTS_DISP_CALENDAR.startswith("gb") else "CNY"


def _cause(causes: CodeList, values: Values) -> int | None:
    found = causes.code_for(values)
    if found is None and causes.other is not None:
        return causes.other.pk
    return found


def _product_rows(products: CodeList) -> list[tuple[RegulatoryCode | None, int]]:
    """The product codes in order with their depth, then "Not mapped"."""
    by_pk = {c.pk: c for c in products.codes}
    rows: list[tuple[RegulatoryCode | None, int]] = [(c, _depth(c, by_pk)) for c in products.codes]
    return [*rows, (None, 0)]


def _descendants(products: CodeList) -> dict[int, set[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for code in products.codes:
        children[code.parent_id].append(code.pk)
    found: dict[int, set[int]] = {}

    def walk(pk: int) -> set[int]:
        if pk not in found:
            found[pk] = {pk}
            for child in children[pk]:
                found[pk] |= walk(child)
        return found[pk]

    for code in products.codes:
        walk(code.pk)
    return found


def _disp_products_table(
    products: CodeList,
    lines: Mapping[int | None, _Line],
    redress: Mapping[tuple[int | None, str], Decimal],
    currencies: list[str],
    summary: _Line,
    total_redress: Mapping[str, Decimal],
) -> Table:
    below = _descendants(products)
    rows: list[list[Cell]] = []
    for code, depth in _product_rows(products):
        members: set[int | None] = set(below[code.pk]) if code is not None else {None}
        if code is None and None not in lines:
            continue
        line = _Line()
        for member in members:
            if member in lines:
                line.add(lines[member])
        money = [
            sum((v for (p, c), v in redress.items() if p in members and c == cur), Decimal(0)) for cur in currencies
        ]
        label = _label(code, depth) if code is not None else _("Not mapped")
        rows.append(
            [
                code.code if code is not None else NOT_MAPPED,
                label,
                line.opened,
                line.closed,
                line.within_3_days,
                line.within_8_weeks,
                line.later,
                percent(line.upheld, line.closed),
                *money,
            ]
        )
    return Table(
        key="disp-products",
        title=_("Complaints by product"),
        columns=[
            Column(_("Code"), CODE),
            Column(_("Product or group")),
            Column(_("Opened"), INT),
            Column(_("Closed"), INT),
            Column(_("Closed within 3 business days"), INT),
            Column(_("Closed after 3 business days, within 8 weeks"), INT),
            Column(_("Closed after 8 weeks"), INT),
            Column(_("Upheld"), PERCENT),
            *[Column(_("Redress paid (%(currency)s)") % {"currency": c}, MONEY) for c in currencies],
        ],
        rows=rows,
        total=[
            "",
            _("Total"),
            summary.opened,
            summary.closed,
            summary.within_3_days,
            summary.within_8_weeks,
            summary.later,
            percent(summary.upheld, summary.closed),
            *[total_redress[c] for c in currencies],
        ],
        note=_("A group's figures include its products'."),
    )


def _disp_cause_table(
    products: CodeList, causes: CodeList, matrix: Mapping[tuple[int | None, int | None], int]
) -> Table:
    below = _descendants(products)
    cause_columns: list[RegulatoryCode | None] = [c for c in causes.codes if c.parent_id is None]
    if any(cause is None for _product, cause in matrix):
        cause_columns.append(None)
    rows: list[list[Cell]] = []
    for code, depth in _product_rows(products):
        members: set[int | None] = set(below[code.pk]) if code is not None else {None}
        if code is None and not any(p is None for p, _c in matrix):
            continue
        counts = [
            sum(n for (p, c), n in matrix.items() if p in members and c == (cause.pk if cause else None))
            for cause in cause_columns
        ]
        label = _label(code, depth) if code is not None else _("Not mapped")
        rows.append([code.code if code is not None else NOT_MAPPED, label, *counts, sum(counts)])
    totals = [sum(n for (_p, c), n in matrix.items() if c == (cause.pk if cause else None)) for cause in cause_columns]
    return Table(
        key="disp-causes",
        title=_("Complaints opened by product and cause"),
        columns=[
            Column(_("Code"), CODE),
            Column(_("Product or group")),
            *[Column(name_of(cause) if cause is not None else _("Not mapped"), INT) for cause in cause_columns],
            Column(_("Total"), INT),
        ],
        rows=rows,
        total=["", _("Total"), *totals, sum(totals)],
    )

"""The public transparency summary: what the institution publishes on its website about the
complaints it received and how it handled them, for a period that has ended.

Aggregated only, and built so that nobody can be identified from it:

* no case, customer, staff member or department is named; products are the only breakdown;
* a count below ``SAFEGUARD_REPORTS_SMALL_CELL`` (5) is shown as "<5"; when exactly one count of a
  column is hidden, the next smallest one is hidden too, so it cannot be worked out from the total;
* a rate (within deadline, upheld, satisfaction) over fewer than that many cases or answers is not
  shown ("n<5").

Rates come from ``quality.kpis`` (the same numbers as the dashboard): ``TIMELY_KPI`` (resolved within
the regulatory deadline), ``UPHELD_KPI`` and ``SATISFACTION_KPI``; counts are complaints received and
closed in the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from safeguard.cases.models import Product
from safeguard.quality import kpis
from safeguard.quality.models import Kpi, Unit
from safeguard.quality.reports.common import complaints_closed, complaints_received, institution, name_of
from safeguard.quality.reports.document import DECIMAL, INT, PERCENT, Cell, Column, Document, Figure, Table, show
from safeguard.quality.reports.periods import ReportPeriod

TIMELY_KPI = "resolved-within-deadline"
UPHELD_KPI = "upheld-rate"
SATISFACTION_KPI = "csat-satisfied"
NO_PRODUCT = "-"


def threshold() -> int:
    return int(settings.SAFEGUARD_REPORTS_SMALL_CELL)


def small_count() -> str:
    return f"<{threshold()}"


def small_base() -> str:
    return f"n<{threshold()}"


def count_cell(n: int) -> Cell:
    """A count as published: "<5" below the threshold (zero included)."""
    return small_count() if n < threshold() else n


def rate_cell(figure: kpis.Figure | None) -> Cell:
    """A rate as published: hidden when its base (denominator) is below the threshold."""
    if figure is None or figure.value is None:
        return None
    if figure.denominator is None or figure.denominator < threshold():
        return small_base()
    return figure.value


def suppress_column(values: list[Cell]) -> list[Cell]:
    """Complementary suppression: if exactly one count in a column with a published total is
    hidden, hide the smallest published one too (else total − the others gives it away)."""
    hidden = [i for i, v in enumerate(values) if isinstance(v, str)]
    shown_ = [(v, i) for i, v in enumerate(values) if isinstance(v, int)]
    if len(hidden) == 1 and shown_:
        _value, index = min(shown_)
        values = list(values)
        values[index] = small_count()
    return values


@dataclass(frozen=True)
class _Kpis:
    timely: Kpi | None
    upheld: Kpi | None
    satisfaction: Kpi | None


def _kpis() -> _Kpis:
    found = {k.code: k for k in Kpi.objects.filter(is_active=True, code__in=[TIMELY_KPI, UPHELD_KPI, SATISFACTION_KPI])}
    return _Kpis(found.get(TIMELY_KPI), found.get(UPHELD_KPI), found.get(SATISFACTION_KPI))


def _figures(kpi: Kpi | None, period: ReportPeriod, group_by: kpis.GroupBy | None) -> list[kpis.Figure]:
    return kpis.compute(kpi, period=period.period, group_by=group_by) if kpi is not None else []


def _total(figures: Sequence[kpis.Figure]) -> kpis.Figure | None:
    return next((f for f in figures if f.group is None), None)


def _kind(kpi: Kpi | None) -> str:
    return PERCENT if kpi is not None and kpi.unit == Unit.PERCENT else DECIMAL


def transparency(period: ReportPeriod, *, language: str, now: datetime) -> Document:
    chosen = _kpis()
    received = dict(complaints_received(period).order_by().values_list("product").annotate(n=Count("id")))
    closed = dict(complaints_closed(period).order_by().values_list("product").annotate(n=Count("id")))
    total_received, total_closed = sum(received.values()), sum(closed.values())
    timely = _figures(chosen.timely, period, None)
    upheld = _figures(chosen.upheld, period, None)
    satisfaction = _figures(chosen.satisfaction, period, None)
    timely_by = {f.group: f for f in _figures(chosen.timely, period, "product") if f.group is not None}
    upheld_by = {f.group: f for f in _figures(chosen.upheld, period, "product") if f.group is not None}

    products = {p.pk: p for p in Product.objects.filter(pk__in=[k for k in {*received, *closed} if k is not None])}
    keyed: list[tuple[str, str, int, int]] = []
    for pk in {*received, *closed}:
        product = products.get(pk) if pk is not None else None
        key = product.code if product is not None else NO_PRODUCT
        label = name_of(product, _("Not recorded"))
        keyed.append((key, label, received.get(pk, 0), closed.get(pk, 0)))
    keyed.sort(key=lambda item: (-item[2], item[1]))
    received_cells = suppress_column([count_cell(r) for _k, _l, r, _c in keyed])
    closed_cells = suppress_column([count_cell(c) for _k, _l, _r, c in keyed])
    rows: list[list[Cell]] = [
        [label, received_cells[i], closed_cells[i], rate_cell(timely_by.get(key)), rate_cell(upheld_by.get(key))]
        for i, (key, label, _r, _c) in enumerate(keyed)
    ]
    satisfaction_cell = rate_cell(_total(satisfaction))
    answers = _total(satisfaction)
    summary = [
        Figure(_("Complaints received"), show(count_cell(total_received), INT)),
        Figure(_("Complaints closed"), show(count_cell(total_closed), INT)),
        Figure(_("Closed within the regulatory deadline"), show(rate_cell(_total(timely)), PERCENT)),
        Figure(_("Upheld (in full or in part)"), show(rate_cell(_total(upheld)), PERCENT)),
        Figure(
            name_of(chosen.satisfaction) if chosen.satisfaction else _("Satisfaction"),
            show(satisfaction_cell, _kind(chosen.satisfaction)),
        ),
    ]
    if answers is not None and answers.denominator is not None:
        summary.append(Figure(_("Survey answers"), show(count_cell(int(answers.denominator)), INT)))
    table = Table(
        key="transparency-products",
        title=_("Complaints by product"),
        columns=[
            Column(_("Product")),
            Column(_("Received"), INT),
            Column(_("Closed"), INT),
            Column(_("Closed within the deadline"), PERCENT),
            Column(_("Upheld"), PERCENT),
        ],
        rows=rows,
        total=[
            _("Total"),
            count_cell(total_received),
            count_cell(total_closed),
            rate_cell(_total(timely)),
            rate_cell(_total(upheld)),
        ],
        empty=_("No complaints in this period."),
    )
    return Document(
        kind="transparency",
        title=_("Complaints: our figures"),
        period_label=period.label,
        period_code=period.code,
        language=language,
        generated_at=now,
        institution=institution(),
        summary=summary,
        tables=[table],
        notes=[
            _(
                "“%(count)s”: fewer than %(n)d complaints. “%(base)s”: a rate over fewer than %(n)d complaints or "
                "answers, not shown. Where one small number could be worked out from the total, another number is "
                "hidden too. No figure identifies a customer."
            )
            % {"count": small_count(), "base": small_base(), "n": threshold()},
            _(
                "Received: complaints received in the period. Closed: complaints we gave our final response to in "
                "the period. Upheld: complaints we agreed with, in full or in part."
            ),
        ],
    )

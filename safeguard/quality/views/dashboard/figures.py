"""The engine's figures as the dashboard shows them: values in their units, links to the cases
behind each number, commitments with their traffic lights, the tiles, and the series of the
breakdown and the trends (a chart's data and its table)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.cases.models import Channel, Product
from safeguard.quality import kpis
from safeguard.quality.forms import BREAKDOWNS, in_chinese, kpi_name, month_period
from safeguard.quality.models import Direction, Kpi, Target, Unit

# A missed commitment is amber, not red, when the value is this close to the threshold: within
# this percentage of the threshold (85% missed by up to 4.25 points), or of the baseline's
# value for a change against a baseline.
AMBER_TOLERANCE_PERCENT = Decimal(5)

# The traffic lights, and their words (the light is never colour alone).
MET, NEAR, MISSED, NO_DATA = "met", "near", "missed", "no_data"


def light_words(light: str) -> str:
    return {
        MET: _("Met"),
        NEAR: _("Missed, but close"),
        MISSED: _("Missed"),
        NO_DATA: _("No data"),
    }[light]


def grouping_label(group_by: str) -> str:
    labels = {**{value: str(label) for value, label in BREAKDOWNS}, "month": _("Month"), "week": _("Week")}
    return labels.get(group_by, group_by)


# --- numbers as the page shows them ----------------------------------------------------------


def _plain(value: Decimal, places: int) -> str:
    """``value`` rounded half up to ``places`` decimals, thousands grouped with commas (the same in
    English and Chinese financial writing)."""
    exponent = Decimal(1).scaleb(-places)
    return f"{value.quantize(exponent, rounding=ROUND_HALF_UP):,.{places}f}"


def format_value(kpi: Kpi, value: Decimal | None) -> str:
    """``value`` in the KPI's unit, for people: 91.2%, 36.5 h, CNY 12,000.00, 1,204."""
    if value is None:
        return _("No data")
    unit = kpi.unit
    if unit == Unit.PERCENT:
        return _("%(value)s%%") % {"value": _plain(value, 1)}
    if unit == Unit.HOURS:
        return _("%(value)s h") % {"value": _plain(value, 1)}
    if unit == Unit.DAYS:
        return _("%(value)s days") % {"value": _plain(value, 1)}
    if unit == Unit.MONEY:
        currency = str((kpi.params or {}).get("currency", "CNY"))
        return f"{currency} {_plain(value, 2)}"
    if unit in (Unit.RATE, Unit.SCORE):
        # The KPI's name says what it is per (10,000 customers) or out of (a 1–5 score, NPS).
        return _plain(value, 2 if unit == Unit.RATE else 1)
    return format_count(value)


def format_count(value: Decimal | None) -> str:
    """A numerator or denominator: whole numbers grouped, others with two decimals."""
    if value is None:
        return ""
    return _plain(value, 0 if value == value.to_integral_value() else 2)


def raw(value: Decimal | None) -> str | None:
    """The exact number as the engine gave it (data attributes, data islands, exports)."""
    return None if value is None else str(value)


def page_url(name: str, params: dict[str, str]) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def drill_url(kpi: Kpi, period: kpis.Period, *, part: str, group_by: str = "", group: str | None = None) -> str:
    """The drill-down page listing the cases behind one number."""
    params = {"kpi": kpi.code, "from": period.start.isoformat(), "to": period.end.isoformat(), "part": part}
    if group_by and group is not None:
        params.update(group_by=group_by, group=group)
    return page_url("quality:cases", params)


@dataclass(frozen=True)
class Number:
    """One figure as a table row or a tile shows it, each part linked to the cases behind it."""

    figure: kpis.Figure
    value: str
    numerator: str
    denominator: str
    value_url: str
    numerator_url: str
    denominator_url: str


def number(kpi: Kpi, figure: kpis.Figure, period: kpis.Period, group_by: str = "") -> Number:
    def link(part: str) -> str:
        return drill_url(kpi, period, part=part, group_by=group_by, group=figure.group)

    # The value stands for the cases it was computed over: the denominator's, or for a plain
    # count (no denominator) the numerator's.
    whole = "denominator" if figure.denominator is not None else "numerator"
    return Number(
        figure=figure,
        value=format_value(kpi, figure.value),
        numerator=format_count(figure.numerator),
        denominator=format_count(figure.denominator),
        value_url=link(whole),
        numerator_url=link("numerator"),
        denominator_url=link("denominator"),
    )


def _total(figures: Sequence[kpis.Figure] | None) -> kpis.Figure | None:
    return next((f for f in figures or () if f.group is None), None)


# --- commitments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Commitment:
    target: Target
    name: str
    threshold: str
    light: str
    words: str


def _threshold_text(target: Target, kpi: Kpi) -> str:
    if target.comparison == Target.Comparison.RELATIVE:
        change = _plain(target.threshold, 1)
        baseline = f"{target.baseline_from:%Y-%m-%d} – {target.baseline_to:%Y-%m-%d}"
        return _("%(change)s%% against %(baseline)s") % {"change": change, "baseline": baseline}
    sign = "≥" if kpi.direction == Direction.HIGHER else "≤"
    return f"{sign} {format_value(kpi, target.threshold)}"


def light_of(target: Target, kpi: Kpi, evaluation: kpis.Evaluation) -> str:
    """Green when met, grey without data; a miss is amber when within ``AMBER_TOLERANCE_PERCENT``
    of what was to be reached (the threshold, or for a relative target the change), red otherwise."""
    if evaluation.met is None:
        return NO_DATA
    if evaluation.met:
        return MET
    relative = target.comparison == Target.Comparison.RELATIVE
    reached = evaluation.change if relative else evaluation.value
    if reached is None:
        return MISSED
    slack = abs(target.threshold) * AMBER_TOLERANCE_PERCENT / 100
    return NEAR if slack and abs(reached - target.threshold) <= slack else MISSED


def evaluation_of(target: Target, period: kpis.Period, total: kpis.Figure | None) -> kpis.Evaluation:
    """``kpis.evaluate(target, period)``, reusing ``total`` (the KPI's institution-wide total over
    ``period``, already computed for the page) where that is all the evaluation needs. Through
    the figure cache, like every number on the dashboard."""
    if total is None or target.comparison == Target.Comparison.RELATIVE:
        return kpis.evaluate(target, period, cached=True)  # a relative target needs its baseline's figure too
    met = kpis.target_met(target, total.value)
    return kpis.Evaluation(target.pk, period, total.value, total.numerator, total.denominator, met)


def commitments(
    period: kpis.Period, catalogue: Iterable[Kpi], totals: dict[str, list[kpis.Figure]] | None = None
) -> dict[str, list[Commitment]]:
    """Each active KPI's active targets evaluated over ``period``, by KPI code. ``totals``: the
    institution-wide figures of ``period`` when the page has them (a viewer who sees every case)."""
    by_pk = {k.pk: k for k in catalogue}
    result: dict[str, list[Commitment]] = {}
    for target in Target.objects.filter(is_active=True, kpi_id__in=list(by_pk)).select_related("kpi"):
        kpi = by_pk[target.kpi_id]
        total = _total(totals.get(kpi.code)) if totals is not None else None
        light = light_of(target, kpi, evaluation_of(target, period, total))
        name = target.name_zh if in_chinese() and target.name_zh else target.name
        result.setdefault(kpi.code, []).append(
            Commitment(target, name, _threshold_text(target, kpi), light, light_words(light))
        )
    return result


# --- tiles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    name: str
    unit: str
    current: Number
    previous: str
    trend: str  # better / worse / same / "" in words
    commitments: list[Commitment] = field(default_factory=list)

    @property
    def light(self) -> str:
        """The tile's colour: its worst commitment (no commitment: none)."""
        order = [MISSED, NEAR, MET, NO_DATA]
        lights = [c.light for c in self.commitments]
        return next((light for light in order if light in lights), "")


def _trend_words(kpi: Kpi, now: Decimal | None, before: Decimal | None) -> str:
    if now is None or before is None:
        return ""
    if now == before:
        return _("Same as the previous period")
    better = (now > before) == (kpi.direction == Direction.HIGHER)
    return _("Better than the previous period") if better else _("Worse than the previous period")


def tiles(
    catalogue: Sequence[Kpi],
    current: dict[str, list[kpis.Figure]],
    previous: dict[str, list[kpis.Figure]],
    period: kpis.Period,
    targets: dict[str, list[Commitment]],
) -> list[Tile]:
    result = []
    for kpi in catalogue:
        now = _total(current.get(kpi.code)) or kpis.Figure(kpi.code, None, "", None, None, None)
        before = _total(previous.get(kpi.code))
        before_value = before.value if before else None
        result.append(
            Tile(
                kpi=kpi,
                name=kpi_name(kpi),
                unit=kpi.get_unit_display(),
                current=number(kpi, now, period),
                previous=format_value(kpi, before_value),
                trend=_trend_words(kpi, now.value, before_value),
                commitments=targets.get(kpi.code, []),
            )
        )
    return result


def island_figures(figures: dict[str, list[kpis.Figure]]) -> dict[str, dict[str, str | None]]:
    out = {}
    for code, rows in figures.items():
        total = _total(rows)
        if total is not None:
            out[code] = {
                "value": raw(total.value),
                "numerator": raw(total.numerator),
                "denominator": raw(total.denominator),
            }
    return out


def period_json(period: kpis.Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


# --- series (breakdowns and trends) ----------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One KPI over the groups of one grouping: the table's rows and the chart's data."""

    kpi: Kpi
    group_by: str
    period: kpis.Period
    rows: list[tuple[str, str, Number | None]]  # (group key, label, number or None: no data)

    @property
    def name(self) -> str:
        return kpi_name(self.kpi)

    @property
    def grouping(self) -> str:
        return grouping_label(self.group_by)

    def chart(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.kpi.unit,
            "suffix": "%" if self.kpi.unit == Unit.PERCENT else "",
            "group_by": self.group_by,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "labels": [label for _key, label, _n in self.rows],
            "groups": [key for key, _label, _n in self.rows],
            "values": [float(n.figure.value) if n and n.figure.value is not None else None for *_x, n in self.rows],
            "raw": [raw(n.figure.value) if n else None for *_x, n in self.rows],
            "urls": [n.value_url if n else "" for *_x, n in self.rows],
        }


def series(
    kpi: Kpi,
    figures: Sequence[kpis.Figure],
    period: kpis.Period,
    group_by: str,
    keys: Sequence[tuple[str, str]] | None = None,
) -> Series:
    """The groups of ``figures`` as rows; with ``keys`` (every month or week of a trend), those
    rows in that order, ``None`` where the engine had no data."""
    grouped = {f.group: f for f in figures if f.group is not None}
    if keys is None:
        keys = [(f.group, f.label) for f in figures if f.group is not None]
    rows = []
    for key, label in keys:
        found = grouped.get(key)
        rows.append((key, found.label if found else label, number(kpi, found, period, group_by) if found else None))
    return Series(kpi, group_by, period, rows)


def month_keys(period: kpis.Period) -> list[tuple[str, str]]:
    keys = []
    day = period.start.replace(day=1)
    while day <= period.end:
        keys.append((f"{day:%Y-%m}", f"{day:%Y-%m}"))
        day = month_period(day.year, day.month).end + timedelta(days=1)
    return keys


def week_keys(period: kpis.Period) -> list[tuple[str, str]]:
    keys = []
    day = period.start - timedelta(days=period.start.weekday())
    while day <= period.end:
        year, week, _weekday = day.isocalendar()
        keys.append((f"{year}-W{week:02d}", f"{year}-W{week:02d}"))
        day += timedelta(days=7)
    return keys


def group_name(group_by: str, key: str | None) -> str:
    """The display name of a group's key (as the engine labels it): a product, channel,
    department or handler name in the active language; months and weeks are their own names."""
    if key is None:
        return ""
    if key == "-":
        return {"branch": _("No branch"), "handler": _("Unassigned")}.get(group_by, _("Not set"))
    chinese = in_chinese()
    if group_by == "channel":
        return str(dict(Channel.choices).get(key, key))
    if group_by == "product":
        product = Product.objects.filter(code=key).first()
        return (product.name_zh if chinese and product.name_zh else product.name) if product else key
    if group_by in ("department", "branch") and key.isdigit() and len(key) <= 18:
        department = Department.objects.filter(pk=int(key)).first()
        return department.display_name("zh" if chinese else "en") if department else key
    if group_by == "handler" and key.isdigit() and len(key) <= 18:
        handler = User.objects.filter(pk=int(key)).first()
        return (handler.get_full_name() or handler.get_username()) if handler else key
    return key

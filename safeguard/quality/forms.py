"""Filter forms of the service-quality dashboard (``views/dashboard.py``). Their state lives in the
URL: the forms read ``GET``, so a filtered dashboard can be bookmarked and shared.

The period is a month (``2026-10``), a quarter (``2026-Q3``) or a custom range (``from``/``to``,
the names the KPI API uses). Every value is checked here, so a hand-edited URL gets a form error
(the page answers 400), never a 500.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safeguard.quality.kpis import GROUPINGS, Period
from safeguard.quality.models import Kpi

# Years a period may fall in; also keeps the date arithmetic clear of datetime's limits.
YEARS = range(2000, 2200)
# Drill-down pages are fetched by offset: deep pages are for narrower figures (or the export).
MAX_PAGE = 1000

MONTH, QUARTER, CUSTOM = "month", "quarter", "custom"
PERIOD_KINDS = [(MONTH, _("Month")), (QUARTER, _("Quarter")), (CUSTOM, _("From – to"))]
# The breakdowns the dashboard draws (trends by month and week have their own section).
BREAKDOWNS = [
    ("product", _("Product")),
    ("channel", _("Channel")),
    ("department", _("Department")),
    ("branch", _("Branch")),
    ("handler", _("Handler")),
]
PARTS = [("numerator", _("Counted in the numerator")), ("denominator", _("Counted in the denominator"))]

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])", re.IGNORECASE)


def in_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def kpi_name(kpi: Kpi) -> str:
    """The KPI's name in the active language (the catalogue holds both)."""
    return kpi.name_zh if in_chinese() and kpi.name_zh else kpi.name


def month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(date(year, first, 1), month_period(year, first + 2).end)


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_KINDS, required=False)
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-10"}),
        help_text=_("For example 2026-10."),
    )
    quarter = forms.CharField(
        label=_("Quarter"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "2026-Q3", "maxlength": "7"}),
        help_text=_("For example 2026-Q3."),
    )
    group_by = forms.ChoiceField(label=_("Breakdown by"), choices=BREAKDOWNS, required=False)
    kpi = forms.ChoiceField(label=_("KPI in the charts"), required=False)

    default_error_messages = {
        "month": _("Enter a month as YYYY-MM, for example 2026-10."),
        "quarter": _("Enter a quarter as YYYY-Qn, for example 2026-Q3."),
        "year": _("Enter a date between 2000 and 2199."),
        "order": _("The start must not be after the end."),
        "span": _("Choose at most %(days)d days."),
        "required": _("Enter both dates of the range."),
    }

    def __init__(self, data: QueryDict, *, kpis: Sequence[Kpi]) -> None:
        values = data.copy()
        # A URL with only from/to (the API's parameters) means a custom range.
        if not values.get("period"):
            values["period"] = CUSTOM if values.get("from") or values.get("to") else MONTH
        # The current month or quarter, shown in the form when none is given.
        today = timezone.localdate()
        if values["period"] == MONTH and not values.get("month"):
            values["month"] = f"{today:%Y-%m}"
        if values["period"] == QUARTER and not values.get("quarter"):
            values["quarter"] = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        super().__init__(values, label_suffix="")
        date_widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(
            label=_("From"), required=False, input_formats=["%Y-%m-%d"], widget=date_widget
        )
        self.fields["to"] = forms.DateField(
            label=_("To"), required=False, input_formats=["%Y-%m-%d"], widget=date_widget
        )
        self.order_fields(["period", "month", "quarter", "from", "to", "group_by", "kpi"])
        self.kpis = list(kpis)
        kpi_field = self.fields["kpi"]
        assert isinstance(kpi_field, forms.ChoiceField)
        kpi_field.choices = [(k.code, kpi_name(k)) for k in self.kpis]

    def _error(self, key: str, **params: Any) -> ValidationError:
        return ValidationError(self.default_error_messages[key], code=key, params=params or None)

    def clean_month(self) -> Period | None:
        text: str = self.cleaned_data["month"].strip()
        if not text:
            return None
        found = _MONTH.fullmatch(text)
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise self._error("month")
        if int(found.group(1)) not in YEARS:
            raise self._error("year")
        return month_period(int(found.group(1)), int(found.group(2)))

    def clean_quarter(self) -> Period | None:
        text: str = self.cleaned_data["quarter"].strip()
        if not text:
            return None
        found = _QUARTER.fullmatch(text)
        if not found:
            raise self._error("quarter")
        if int(found.group(1)) not in YEARS:
            raise self._error("year")
        return quarter_period(int(found.group(1)), int(found.group(2)))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("from", "to"):
            day = data.get(name)
            if day is not None and day.year not in YEARS:
                self.add_error(name, self._error("year"))
        if self.errors:
            return data
        kind = data.get("period") or MONTH
        today = timezone.localdate()
        if kind == MONTH:
            data["range"] = data.get("month") or month_period(today.year, today.month)
        elif kind == QUARTER:
            data["range"] = data.get("quarter") or quarter_period(today.year, (today.month - 1) // 3 + 1)
        else:
            start, end = data.get("from"), data.get("to")
            if start is None or end is None:
                self.add_error("from" if start is None else "to", self._error("required"))
            elif start > end:
                self.add_error("to", self._error("order"))
            elif (end - start).days + 1 > settings.SAFEGUARD_QUALITY_MAX_DAYS:
                # The longest range the KPI API answers too, so both take the same filters.
                self.add_error("to", self._error("span", days=settings.SAFEGUARD_QUALITY_MAX_DAYS))
            else:
                data["range"] = Period(start, end)
        return data

    # --- the cleaned filter ----------------------------------------------------------------

    @property
    def selected_period(self) -> Period:
        period: Period = self.cleaned_data["range"]
        return period

    @property
    def selected_group_by(self) -> str:
        return self.cleaned_data.get("group_by") or BREAKDOWNS[0][0]

    @property
    def selected_kpi(self) -> Kpi | None:
        """The KPI the charts and breakdown show: the one chosen, else the first of the catalogue."""
        code = self.cleaned_data.get("kpi")
        return next((k for k in self.kpis if k.code == code), self.kpis[0] if self.kpis else None)

    def query(self, **overrides: str | None) -> dict[str, str]:
        """The filter as URL parameters (an explicit range), with ``overrides`` (``None`` drops one)."""
        period = self.selected_period
        params: dict[str, str] = {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "group_by": self.selected_group_by,
        }
        kpi = self.selected_kpi
        if kpi is not None:
            params["kpi"] = kpi.code
        for key, value in overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return params


class DrillDownForm(DashboardFilterForm):
    """The cases behind one figure: a KPI, a part, a period and, for a group's figure, the grouping
    and the group's key."""

    group_by = forms.ChoiceField(
        label=_("Grouping"),
        choices=[("", _("All cases")), *((g, g) for g in GROUPINGS)],
        required=False,
    )
    group = forms.CharField(label=_("Group"), required=False, max_length=120)
    part = forms.ChoiceField(label=_("Cases"), choices=PARTS, required=False)
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False, widget=forms.HiddenInput)

    default_error_messages = {
        **DashboardFilterForm.default_error_messages,
        "kpi": _("Choose a KPI from the catalogue."),
        "group": _("Give the group together with its grouping."),
    }

    def __init__(self, data: QueryDict, *, kpis: Sequence[Kpi]) -> None:
        super().__init__(data, kpis=kpis)
        self.fields["kpi"].required = True
        self.fields["kpi"].error_messages["required"] = self.default_error_messages["kpi"]
        self.fields["kpi"].error_messages["invalid_choice"] = self.default_error_messages["kpi"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("group") and not data.get("group_by"):
            self.add_error("group", self._error("group"))
        return data

    @property
    def selected_group_by(self) -> str:
        return self.cleaned_data.get("group_by") or ""

    @property
    def selected_group(self) -> str | None:
        return self.cleaned_data.get("group") or None

    @property
    def selected_part(self) -> str:
        return self.cleaned_data.get("part") or "denominator"

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    def query(self, **overrides: str | None) -> dict[str, str]:
        params = super().query()
        params["part"] = self.selected_part
        if not self.selected_group_by:
            params.pop("group_by")
        if self.selected_group is not None:
            params["group"] = self.selected_group
        for key, value in overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return params

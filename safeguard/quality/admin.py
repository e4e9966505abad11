"""Admin for the quality app. Administrators edit the KPI catalogue (names, definitions, parameters,
activation) and the targets (the institution's commitments); every change is audited
(``AuditedAdmin``). Nothing there is deleted: targets keep their measurements, KPIs their targets;
deactivate instead. Measurements, alerts, reports, warning runs and the regulators' code lists are
records written by their services (or loaded from fixtures): the admin only shows them. The
mappings of Safeguard's taxonomy to the regulators' codes are edited here, audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safeguard.audit.admin_base import AuditedAdmin, ReadOnlyAdmin
from safeguard.quality import kpis
from safeguard.quality.calculators import CALCULATORS, Query
from safeguard.quality.models import (
    Alert,
    Kpi,
    Measurement,
    RegulatoryCode,
    RegulatoryMapping,
    Report,
    Target,
    Unit,
    WarningRun,
)


def _calculators() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(CALCULATORS)]


class KpiForm(forms.ModelForm):
    calculator = forms.ChoiceField(label=_("calculator"), choices=_calculators)

    class Meta:
        model = Kpi
        fields = (
            "code",
            "name",
            "name_zh",
            "definition",
            "definition_zh",
            "unit",
            "direction",
            "calculator",
            "params",
            "order",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        params = cleaned.get("params")
        if params is None:
            cleaned["params"] = params = {}
        if not isinstance(params, dict):
            self.add_error("params", gettext('The parameters must be a JSON object, e.g. {"types": ["complaint"]}.'))
            return cleaned
        calculator = cleaned.get("calculator")
        if calculator in CALCULATORS:
            problem = _trial(calculator, params)
            if problem:
                self.add_error(
                    "params",
                    gettext("The calculator cannot work with these parameters: %(error)s") % {"error": problem},
                )
        return cleaned


def _trial(calculator: str, params: dict[str, Any]) -> str:
    """Run the calculator over one day with ``params``; the error it gives, or "" when it works.
    In a savepoint, so a failed query leaves the admin's transaction usable."""
    now = timezone.now()
    query = Query(
        start=now - timedelta(days=1), end=now, group_by=None, params=params, zone=kpis.zone(), now=now, scope=None
    )
    try:
        with transaction.atomic():
            CALCULATORS[calculator].rows(query)
    except Exception as exc:  # whatever the parameters broke, refuse them here, not on the dashboard
        return str(exc) or exc.__class__.__name__
    return ""


@admin.register(Kpi)
class KpiAdmin(AuditedAdmin):
    form = KpiForm
    list_display = ("code", "name", "name_zh", "unit", "direction", "calculator", "order", "is_active")
    list_filter = ("is_active", "unit", "direction", "calculator")
    search_fields = ("code", "name", "name_zh")
    list_editable = ("order", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code is how targets, exports and API clients name a KPI: fixed once made.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = (
            "kpi",
            "name",
            "name_zh",
            "comparison",
            "threshold",
            "baseline_from",
            "baseline_to",
            "frequency",
            "owner",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("baseline_from"), cleaned.get("baseline_to")
        relative = cleaned.get("comparison") == Target.Comparison.RELATIVE
        if relative and (start is None or end is None):
            self.add_error("baseline_from", gettext("A change against a baseline needs the baseline period."))
        if start is not None and end is not None and end < start:
            self.add_error("baseline_to", gettext("The baseline cannot end before it starts."))
        kpi, threshold = cleaned.get("kpi"), cleaned.get("threshold")
        percent = kpi is not None and kpi.unit == Unit.PERCENT
        if not relative and percent and threshold is not None and not 0 <= threshold <= 100:
            self.add_error("threshold", gettext("A percentage is between 0 and 100."))
        return cleaned


@admin.register(Target)
class TargetAdmin(AuditedAdmin):
    form = TargetForm
    list_display = ("name", "kpi", "comparison", "threshold", "frequency", "owner", "is_active")
    list_filter = ("is_active", "frequency", "comparison", "owner")
    search_fields = ("name", "name_zh", "kpi__code", "kpi__name")
    list_select_related = ("kpi", "owner")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    """What each target scored over each closed period, as the periodic evaluation recorded it."""

    list_display = ("target", "period_start", "period_end", "value", "numerator", "denominator", "met", "computed_at")
    list_filter = ("met", "target__frequency", "target")
    date_hierarchy = "period_start"
    list_select_related = ("target",)
    ordering = ("-period_start", "target")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Early warnings; acknowledged and closed on their own pages, where it is audited."""

    list_display = ("series_label", "kind", "dimension", "detected_on", "ratio", "status", "suggested_owner")
    list_filter = ("status", "kind", "dimension")
    search_fields = ("series_label", "series_key")
    date_hierarchy = "detected_on"
    list_select_related = ("suggested_owner",)
    exclude = ("cases",)


@admin.register(WarningRun)
class WarningRunAdmin(ReadOnlyAdmin):
    list_display = ("day", "started_at", "finished_at", "alerts")
    ordering = ("-day",)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """The reports produced; their files are served by the reports page, which checks permission."""

    list_display = ("kind", "period", "format", "language", "generated_by", "generated_at")
    list_filter = ("kind", "format", "language")
    list_select_related = ("generated_by",)
    exclude = ("file",)


@admin.register(RegulatoryCode)
class RegulatoryCodeAdmin(ReadOnlyAdmin):
    """The regulators' code lists, loaded from fixtures (``loaddata jrt0169``, ``loaddata disp``)."""

    list_display = ("scheme", "dimension", "code", "name", "name_zh", "parent")
    list_filter = ("scheme", "dimension")
    search_fields = ("code", "name", "name_zh")
    list_select_related = ("parent",)


class RegulatoryMappingForm(forms.ModelForm):
    class Meta:
        model = RegulatoryMapping
        fields = ("code", "product", "category", "root_cause", "channel")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = [name for name in ("product", "category", "root_cause", "channel") if cleaned.get(name)]
        if len(given) != 1:
            raise forms.ValidationError(
                gettext("Map exactly one of: a product, a category, a root cause or a channel.")
            )
        return cleaned


@admin.register(RegulatoryMapping)
class RegulatoryMappingAdmin(AuditedAdmin):
    """Which regulatory code a product, category, root cause or channel counts under."""

    form = RegulatoryMappingForm
    list_display = ("code", "product", "category", "root_cause", "channel")
    list_filter = ("code__scheme", "code__dimension")
    search_fields = ("code__code", "code__name", "channel")
    list_select_related = ("code", "product", "category", "root_cause")

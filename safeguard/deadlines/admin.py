"""Admin for calendars and deadline policies. Every change made here leaves an audit entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from safeguard.audit import services as audit
from safeguard.deadlines.models import (
    Calendar,
    CalendarDay,
    CalendarYear,
    DeadlinePolicy,
    PolicyExtension,
    PolicyMilestone,
)


def _plain(value: Any) -> Any:
    """A JSON-friendly display of a field value for the audit entry (these models hold no PII)."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def _stored(obj: models.Model) -> models.Model | None:
    """The row as stored before this save (None when it is new)."""
    if obj.pk is None:
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).first()


def _changes(form: Any, before: models.Model | None) -> dict[str, Any]:
    """New values of the changed fields when added; ``{"from", "to"}`` pairs when changed."""
    if before is None:
        return {name: _plain(form.cleaned_data.get(name)) for name in form.changed_data}
    pairs = {
        name: {"from": _plain(getattr(before, name, None)), "to": _plain(form.cleaned_data.get(name))}
        for name in form.changed_data
    }
    # Forms flag some unchanged round trips (an empty JSON list) as changed: keep the real changes.
    return {name: pair for name, pair in pairs.items() if pair["from"] != pair["to"]}


def _log(request: HttpRequest, verb: str, obj: models.Model, changes: dict[str, Any] | None = None) -> None:
    audit.log(
        request.user,
        f"{obj._meta.model_name}.{verb}",
        obj,
        changes=changes or {},
        ip=request.META.get("REMOTE_ADDR") or None,
    )


class AuditedAdmin(admin.ModelAdmin):
    """Writes ``<model>.create`` / ``.change`` / ``.delete`` for the object and for each inline row.

    Admin views run in one transaction (Django wraps them in ``atomic``), so each entry commits
    with its change.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = _stored(obj) if change else None
        super().save_model(request, obj, form, change)
        changes = _changes(form, before)
        if not change or changes:  # saving a policy to change only its inlines logs only the inlines
            _log(request, "change" if change else "create", obj, changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _log(request, "delete", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            _log(request, "delete", obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        deleted = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        changed = [f for f in formset.forms if f not in formset.deleted_forms and f.has_changed()]
        before = {id(f): _stored(f.instance) for f in changed}
        for obj in deleted:
            _log(request, "delete", obj)
        super().save_formset(request, form, formset, change)
        for inline_form in changed:
            was = before[id(inline_form)]
            changes = _changes(inline_form, was)
            if was is None or changes:
                _log(request, "change" if was else "create", inline_form.instance, changes)


class CalendarYearInline(admin.TabularInline):
    model = CalendarYear
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(AuditedAdmin):
    list_display = ["code", "name", "zone", "covered_years"]
    search_fields = ["code", "name"]
    inlines = [CalendarYearInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Calendar]:
        return super().get_queryset(request).prefetch_related("years")

    @admin.display(description=_("covered years"))
    def covered_years(self, obj: Calendar) -> str:
        years = sorted(y.year for y in obj.years.all())
        return f"{years[0]}–{years[-1]} ({len(years)})" if years else "—"


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    """Holidays on weekdays and adjusted working weekend days, one row each; filter by calendar and year."""

    list_display = ["date", "weekday", "calendar", "is_working_day", "name"]
    list_filter = ["calendar", "is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]
    list_select_related = ["calendar"]

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "D")


class PolicyMilestoneInline(admin.TabularInline):
    model = PolicyMilestone
    extra = 0


class PolicyExtensionInline(admin.TabularInline):
    model = PolicyExtension
    extra = 0


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AuditedAdmin):
    list_display = ["code", "name", "calendar", "allows_pause", "is_active"]
    list_filter = ["is_active", "calendar"]
    search_fields = ["code", "name", "name_zh"]
    list_select_related = ["calendar"]
    inlines = [PolicyMilestoneInline, PolicyExtensionInline]

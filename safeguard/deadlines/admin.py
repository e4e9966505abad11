"""Admin for calendars and deadline policies. Every change made here leaves an audit entry
(``AuditedAdmin``), and changes the deadline rules version (database triggers, see models)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from safeguard.audit.admin_base import AuditedAdmin
from safeguard.deadlines.models import (
    Calendar,
    CalendarDay,
    CalendarYear,
    DeadlinePolicy,
    PolicyExtension,
    PolicyMilestone,
)


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

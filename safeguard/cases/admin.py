"""Admin for the taxonomy (products, categories, root causes) and a read-only view of cases.

Taxonomy edits leave an audit entry with the changed fields (the admin wraps the change form in
one transaction, so entry and change commit together). Nothing is deleted: cases protect the
entries they use; deactivate an entry instead. Cases change only through ``services``: the case
admin is for looking, never editing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from safeguard.audit import services as audit
from safeguard.cases.models import Case, CaseEvent, CaseMilestone, Category, Product, RootCause


def _plain(value: Any) -> Any:
    """A JSON-friendly display of a field value (the taxonomy holds no personal data)."""
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class AuditedTaxonomyAdmin(admin.ModelAdmin):
    search_fields = ("code", "name", "name_zh")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if before is None:
            changes = {name: _plain(form.cleaned_data.get(name)) for name in form.changed_data}
        else:
            changes = {
                name: {"from": _plain(getattr(before, name, None)), "to": _plain(form.cleaned_data.get(name))}
                for name in form.changed_data
            }
        audit.log(
            request.user,
            f"{obj._meta.model_name}.{'change' if change else 'create'}",
            obj,
            changes=changes,
            ip=request.META.get("REMOTE_ADDR") or None,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(AuditedTaxonomyAdmin):
    list_display = ("code", "name", "name_zh", "is_active")
    list_filter = ("is_active",)


@admin.register(Category)
class CategoryAdmin(AuditedTaxonomyAdmin):
    list_display = ("code", "name", "name_zh", "product", "is_active")
    list_filter = ("is_active", "product")


@admin.register(RootCause)
class RootCauseAdmin(AuditedTaxonomyAdmin):
    list_display = ("code", "name", "name_zh", "is_active")
    list_filter = ("is_active",)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MilestoneInline(_ReadOnlyInline):
    model = CaseMilestone
    fields = ("milestone", "due_at", "met_at", "due_soon_at", "breached_at")
    readonly_fields = fields


class EventInline(_ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "kind", "actor_label", "note", "data")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: the admin is where an operator looks a case up, not where it is worked."""

    list_display = ("reference", "type", "status", "department", "assignee", "next_due_at", "is_breached")
    list_filter = ("status", "type", "is_breached", "channel")
    search_fields = ("reference", "external_reference")
    ordering = ("-received_at",)
    list_select_related = ("department", "assignee")
    # The customer is shown masked by its own __str__; no PII is decrypted here.
    exclude = ("description",)
    inlines = (MilestoneInline, EventInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Case._meta.fields if f.name != "description"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

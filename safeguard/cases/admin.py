"""Admin for the taxonomy (products, categories, root causes) and a read-only view of cases.

Taxonomy edits leave an audit entry with the changed fields (the admin wraps the change form in
one transaction, so entry and change commit together). Nothing is deleted: cases protect the
entries they use; deactivate an entry instead. Cases change only through ``services``: the case
admin is for looking, never editing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from safeguard.audit.admin_base import AuditedAdmin, ReadOnlyAdmin
from safeguard.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseMilestone,
    Category,
    Product,
    ResponseTemplate,
    RootCause,
)


class AuditedTaxonomyAdmin(AuditedAdmin):
    search_fields = ("code", "name", "name_zh")

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
class CaseAdmin(ReadOnlyAdmin):
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


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(AuditedAdmin):
    """Administrators edit the shipped replies and add their own; edits are audited. Retire a
    template by unticking "active" (nothing is deleted)."""

    list_display = ("code", "language", "title", "case_type", "product", "is_active")
    list_filter = ("language", "is_active", "case_type")
    search_fields = ("code", "title", "subject", "body")
    list_select_related = ("product",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Read-only: the metadata of case files. The bytes are served only by the case page's
    permission-checked, audited download, never from here."""

    list_display = ("case", "filename", "content_type", "size", "source", "uploaded_by", "created_at")
    list_filter = ("source", "content_type")
    search_fields = ("case__reference", "sha256")
    list_select_related = ("case", "uploaded_by")
    ordering = ("-created_at",)
    fields = ("case", "message", "filename", "content_type", "size", "sha256", "source", "uploaded_by", "created_at")
    readonly_fields = fields

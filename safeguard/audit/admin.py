"""The audit log in the admin: read-only for everyone, superusers included."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from safeguard.audit.admin_base import ReadOnlyAdmin
from safeguard.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor_label", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    # Exact match: objects are looked up, not browsed. A case is logged under its database id with
    # its reference as object_repr, so both are searched (audit_object_idx, audit_object_repr_idx).
    search_fields = ("=object_id", "=object_repr")
    search_help_text = _("Exact object id, e.g. a case reference or a customer's database id.")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    actions = None
    fields = (
        "id",
        "at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes_pretty",
        "ip",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    @admin.display(description=_("changes"))
    def changes_pretty(self, entry: AuditEntry) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(entry.changes, indent=2, ensure_ascii=False, sort_keys=True))

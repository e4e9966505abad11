"""Admin for intake.

Webhook sources: administrators change a source's name, kind, clock tolerance and whether it is
active (audited). The signing secret never appears here: sources are created, and secrets
rotated, with ``manage.py create_webhook_source`` / ``rotate_webhook_secret``, which print the
secret once. Sources are deactivated, never deleted (inbound items name them).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from safeguard.audit.admin_base import AuditedAdmin
from safeguard.intake.models import WebhookSource


@admin.register(WebhookSource)
class WebhookSourceAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "tolerance_seconds", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    fields = ("code", "name", "kind", "tolerance_seconds", "is_active", "created_at")
    readonly_fields = ("code", "created_at")
    secret_field_markers = ("secret",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the secret is made and shown once by the create_webhook_source command

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Admin for surveys: read-only. Invitations and answers change only through ``services``.

The link's token is never stored, and the nonce it is made from is never shown here, so
nobody can open a customer's survey from the admin.
"""

from __future__ import annotations

from django.contrib import admin

from safeguard.audit.admin_base import ReadOnlyAdmin
from safeguard.surveys.models import RelationshipRun, SurveyInvitation, SurveyResponse


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "purpose",
        "case",
        "customer",
        "status",
        "skip_reason",
        "created_at",
        "sent_at",
        "answered_at",
    )
    list_filter = ("purpose", "status", "skip_reason", "language")
    search_fields = ("case__reference", "customer__customer_no")
    list_select_related = ("case", "customer")
    ordering = ("-created_at",)
    # Every field but the nonce (the customer shows as number and masked name).
    fields = (
        "purpose",
        "case",
        "customer",
        "kinds",
        "language",
        "channel",
        "status",
        "skip_reason",
        "created_at",
        "sent_at",
        "expires_at",
        "answered_at",
    )
    readonly_fields = fields


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ("id", "purpose", "case", "answered_at", "csat", "nps", "effort", "product", "department", "channel")
    list_filter = ("purpose", "csat", "nps", "effort", "channel")
    search_fields = ("case__reference", "customer__customer_no")
    list_select_related = ("case", "product", "department")
    ordering = ("-answered_at",)
    date_hierarchy = "answered_at"
    fields = (
        "invitation",
        "purpose",
        "case",
        "customer",
        "answered_at",
        "csat",
        "nps",
        "effort",
        "comment",
        "product",
        "department",
        "handler",
        "channel",
    )
    readonly_fields = fields


@admin.register(RelationshipRun)
class RelationshipRunAdmin(ReadOnlyAdmin):
    list_display = ("period_start", "every_days", "started_at", "invited")
    ordering = ("-period_start",)
    fields = ("period_start", "every_days", "started_at", "invited")
    readonly_fields = fields

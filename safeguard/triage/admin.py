"""Admin for triage: routing rules are edited here (audited, their conditions validated into form
errors); model versions, predictions and corrections are read-only records (they change only
through ``services``: training, promotion, triage, the case page)."""

from __future__ import annotations

from django.contrib import admin

from safeguard.audit.admin_base import AuditedAdmin, ReadOnlyAdmin
from safeguard.triage.forms import RoutingRuleForm
from safeguard.triage.models import Correction, ModelVersion, Prediction, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    form = RoutingRuleForm
    list_display = ("order", "name", "is_active", "department", "group")
    list_display_links = ("name",)
    list_filter = ("is_active",)
    search_fields = ("name",)
    list_select_related = ("department", "group")
    ordering = ("order", "pk")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "status", "source", "n_examples", "created_at", "promoted_at")
    list_filter = ("status", "source")
    ordering = ("-created_at",)
    fields = (
        "name",
        "status",
        "source",
        "engine",
        "file",
        "sha256",
        "targets",
        "metrics",
        "n_examples",
        "train_seconds",
        "created_at",
        "created_by",
        "promoted_at",
        "promoted_by",
    )
    readonly_fields = fields


@admin.register(Prediction)
class PredictionAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "model_version", "shadow", "created_at")
    list_filter = ("shadow",)
    search_fields = ("case__reference",)
    list_select_related = ("case", "model_version")
    ordering = ("-created_at",)
    fields = ("case", "model_version", "shadow", "results", "signals", "route", "applied", "suggestions", "created_at")
    readonly_fields = fields


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "target", "predicted", "corrected", "by", "at")
    list_filter = ("target",)
    search_fields = ("case__reference",)
    list_select_related = ("case", "by")
    ordering = ("-at",)
    fields = ("case", "prediction", "target", "predicted", "corrected", "by", "at")
    readonly_fields = fields

"""Base classes for the admin of every app: audited edits, and read-only records.

``AuditedAdmin`` writes ``<model>.create`` / ``.change`` / ``.delete`` for the object and for
each inline row. The admin wraps its change views in one transaction, so every entry commits
with its change. Values are logged as shown to people (``str`` of related objects, ISO dates);
apps name the fields to mask (personal data) and the fields never to log (secrets).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from safeguard.audit import services as audit


def plain(value: Any) -> Any:
    """A JSON-friendly display of a form or field value for an audit entry."""
    if isinstance(value, QuerySet | set | frozenset):  # many-to-many choices: the order means nothing
        return sorted(str(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | dict):
        return value
    return str(value)


def _stored(obj: models.Model) -> models.Model | None:
    """The row as stored before this save (None when it is new)."""
    if obj.pk is None:
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).first()


class AuditedAdmin(admin.ModelAdmin):
    """Audits every save and delete made through this admin, inline rows included.

    A new object logs its fields' values; a changed one logs ``{"from", "to"}`` pairs of the
    fields that really changed (forms flag some unchanged round trips, such as an empty JSON
    list, as changed). Subclasses may set:

    * ``masked_fields``: field name -> masking function, for personal data;
    * ``secret_field_markers``: a field whose name contains one of these is never logged;
    * ``log_previous_values = False`` to log only the new values of a change.
    """

    masked_fields: Mapping[str, Callable[[str], str]] = {}
    secret_field_markers: tuple[str, ...] = ()
    log_previous_values = True

    def audit_changes(self, form: Any, before: models.Model | None) -> dict[str, Any]:
        names = [n for n in form.changed_data if not any(marker in n for marker in self.secret_field_markers)]
        after = {name: self._shown(name, form.cleaned_data.get(name)) for name in names}
        if before is None or not self.log_previous_values:
            return after
        pairs = {name: {"from": self._shown(name, getattr(before, name, None)), "to": after[name]} for name in names}
        return {name: pair for name, pair in pairs.items() if pair["from"] != pair["to"]}

    def _shown(self, name: str, value: Any) -> Any:
        shown = plain(value)
        mask = self.masked_fields.get(name)
        return mask(shown) if mask is not None and isinstance(shown, str) and shown else shown

    def log(self, request: HttpRequest, verb: str, obj: models.Model, changes: dict[str, Any] | None = None) -> None:
        audit.log(
            request.user,
            f"{obj._meta.model_name}.{verb}",
            obj,
            changes=changes or {},
            ip=request.META.get("REMOTE_ADDR") or None,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = _stored(obj) if change else None
        super().save_model(request, obj, form, change)
        changes = self.audit_changes(form, before)
        if not change or changes:  # saving a parent only to change its inlines logs only the inlines
            self.log(request, "change" if change else "create", obj, changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.log(request, "delete", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.log(request, "delete", obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        deleted = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        changed = [f for f in formset.forms if f not in formset.deleted_forms and f.has_changed()]
        before = {id(f): _stored(f.instance) for f in changed}
        for obj in deleted:
            self.log(request, "delete", obj)
        super().save_formset(request, form, formset, change)
        for inline_form in changed:
            was = before[id(inline_form)]
            changes = self.audit_changes(inline_form, was)
            if was is None or changes:
                self.log(request, "change" if was else "create", inline_form.instance, changes)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through their services (or never): look, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

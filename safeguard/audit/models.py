from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Audit entries are never changed or removed."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries are appended one at a time through audit.services.log")


class AuditEntry(models.Model):
    """One link of the chain: ``hash = sha256(prev_hash + canonical(fields))``.

    ``changes`` holds before/after values with PII already masked or omitted; the
    log must be safe to hand to an auditor as it is.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Who acted, as text: a username, "system", "customer:<ref>", "api:<token prefix>".
    actor_label = models.CharField(_("actor label"), max_length=150)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=80, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Unique: two entries naming the same predecessor would fork the chain, so the
    # database refuses the second one even if the append lock were bypassed.
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["id"]
        indexes = [
            # "everything that happened to case CMP-2026-000123" (case page, auditors)
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx"),
            # the admin's search by what the object is called, e.g. a case's reference
            models.Index(fields=["object_repr"], name="audit_object_repr_idx"),
            # "what did this user do" (conduct investigations)
            models.Index(fields=["actor", "id"], name="audit_actor_idx"),
        ]
        permissions = [("verify_auditentry", _("Can verify the audit chain"))]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

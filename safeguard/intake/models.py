from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safeguard.cases.models import Case


class TrackingCode(models.Model):
    """A one-time code sent to the customer's contact so they can follow their case on the portal.

    Only a keyed hash of the code is stored. A code works once, until ``expires_at``, for a
    limited number of attempts; a wrong one tells nothing about the case.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    code_hash = models.CharField(max_length=64)
    channel = models.CharField(_("sent by"), max_length=5, choices=Channel.choices)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("tracking code")
        verbose_name_plural = _("tracking codes")
        indexes = [models.Index(fields=["case", "expires_at"], name="tracking_code_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} {self.expires_at:%Y-%m-%d %H:%M}"

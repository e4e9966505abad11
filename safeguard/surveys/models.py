"""Satisfaction surveys: who was asked what (invitations), and what they answered (responses).

An invitation is one link sent to one customer: after a case's decision (``purpose=case``) or
as part of a periodic relationship sample (``purpose=relationship``). The link carries a signed
token naming the invitation (``surveys.tokens``); the invitation row enforces single use and
expiry. One invitation has at most one response (the OneToOne below is the database's guarantee).

A response holds a score per kind asked (CSAT 1–5, NPS 0–10, customer effort 1–7), each
optional, and an optional comment. The grouping columns (product, department, handler,
channel) are copied from the case when the response arrives so that the quality dashboard
aggregates 200,000+ responses without joining back to cases.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from safeguard.accounts.models import Department
from safeguard.cases.models import Case, Channel, Product
from safeguard.customers.models import Customer


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("Customer satisfaction (1–5)")
    NPS = "nps", _("Net promoter score (0–10)")
    EFFORT = "effort", _("Customer effort (1–7)")


# The scale of each kind: (lowest, highest).
SCALES: dict[str, tuple[int, int]] = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10), SurveyKind.EFFORT: (1, 7)}


class Purpose(models.TextChoices):
    CASE = "case", _("After a case")
    RELATIONSHIP = "relationship", _("Relationship (periodic sample)")


class SurveyInvitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Not sent yet")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        SKIPPED = "skipped", _("Not sent (no consent or no address)")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="survey_invitations", verbose_name=_("customer")
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("case"),
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    # The kinds asked, in order, e.g. ["csat", "effort"].
    kinds = models.JSONField(_("questions"), default=list)
    # Random, in the signed token too: a token for a deleted and re-created row never matches.
    nonce = models.CharField(max_length=32, editable=False)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    channel = models.CharField(_("sent by"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(_("why not sent"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # One post-case survey per case, whatever the retries.
            models.UniqueConstraint(fields=["case"], condition=models.Q(purpose="case"), name="survey_once_per_case"),
        ]
        indexes = [
            # The frequency cap: this customer's invitations since a date (services.recently_surveyed).
            models.Index(fields=["customer", "created_at"], name="survey_customer_recent_idx"),
            # The response rate over a period: invitations sent between two dates (selectors.response_rate).
            models.Index(fields=["sent_at"], name="survey_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"


class SurveyResponse(models.Model):
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.PROTECT, related_name="response", verbose_name=_("invitation")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("customer")
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("case"),
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    answered_at = models.DateTimeField(_("answered"), db_index=True)
    csat = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0–10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    effort = models.PositiveSmallIntegerField(
        _("effort (1–7)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    comment = models.TextField(_("comment"), blank=True)
    # Copied from the case when the answer arrives (empty for relationship surveys).
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat__gte=1, csat__lte=5) | models.Q(csat__isnull=True), name="survey_csat_range"
            ),
            models.CheckConstraint(
                condition=models.Q(nps__gte=0, nps__lte=10) | models.Q(nps__isnull=True), name="survey_nps_range"
            ),
            models.CheckConstraint(
                condition=models.Q(effort__gte=1, effort__lte=7) | models.Q(effort__isnull=True),
                name="survey_effort_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation}"


class RelationshipRun(models.Model):
    """One periodic relationship sample: the row is claimed (INSERT under the unique period)
    in the same transaction that creates the invitations, so two workers never sample the same
    period twice (``services.run_relationship_period``)."""

    period_start = models.DateField(_("period starts"), unique=True)
    every_days = models.PositiveIntegerField(_("period (days)"))
    started_at = models.DateTimeField(_("started"))
    invited = models.PositiveIntegerField(_("customers invited"), default=0)

    class Meta:
        verbose_name = _("relationship survey run")
        verbose_name_plural = _("relationship survey runs")

    def __str__(self) -> str:
        return f"{self.period_start} ({self.invited})"

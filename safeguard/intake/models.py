from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safeguard.cases.models import Case, Channel, Message


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


class InboundItem(models.Model):
    """Everything that arrives, stored raw before anything parses it (nothing a customer sent is
    lost). The payload (an .eml, a webhook body, an API request) is encrypted at rest: it holds
    personal data. ``headers`` keeps only protocol metadata that names nobody (content type,
    Message-ID, Auto-Submitted, the webhook's timestamp). Processing turns an item into a case
    or a message on a case; a failure leaves it ``failed`` with the error, for staff to retry."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not processed yet")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored (auto-reply, bounce or loop)")
        REJECTED = "rejected", _("Rejected (invalid; the sender was told)")
        FAILED = "failed", _("Failed (waiting for a retry)")

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    # Where exactly it came from: "smtp", "imap:INBOX", "api", "webhook:<source code>".
    source = models.CharField(_("source"), max_length=60)
    # The source's id for it (Message-ID, IMAP UID, webhook delivery id): a second delivery of the
    # same item is recognised and not processed twice.
    external_id = models.CharField(_("external ID"), max_length=255, blank=True)
    payload_enc = models.TextField()
    payload_size = models.PositiveBigIntegerField(_("size"))
    payload_sha256 = models.CharField(_("SHA-256"), max_length=64)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("message")
    )

    class Meta:
        verbose_name = _("inbound item")
        verbose_name_plural = _("inbound items")
        permissions = [("retry_inbounditem", _("Can retry a failed inbound item"))]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="inbound_item_source_external_id_unique",
            )
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_item_status_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.received_at:%Y-%m-%d %H:%M} {self.status}"


class WebhookSource(models.Model):
    """A system allowed to post cases to ``/api/v1/webhooks/<code>``: a social-media monitor or a
    regulator's referral feed. Requests are signed with HMAC-SHA256 under its own secret."""

    class Kind(models.TextChoices):
        SOCIAL = "social", _("Social media")
        REGULATOR = "regulator", _("Regulator referral")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Encrypted at rest like PII (customers.crypto, field "webhook_secret").
    secret_enc = models.TextField()
    # A request whose timestamp is further than this from our clock is refused (replays).
    tolerance_seconds = models.PositiveIntegerField(_("clock tolerance (seconds)"), default=300)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook source")
        verbose_name_plural = _("webhook sources")

    def __str__(self) -> str:
        return self.name


class Letter(models.Model):
    """A letter the institution owes or sent the customer. The row is claimed before sending, so a
    retry never sends one twice: one acknowledgement, summary resolution, final response and
    survey invitation per case; one extension notice per extension (``key``)."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        EXTENSION = "extension", _("Holding / extension notice")
        SUMMARY_RESOLUTION = "summary_resolution", _("Summary resolution")
        FINAL_RESPONSE = "final_response", _("Final response")
        SURVEY_INVITATION = "survey_invitation", _("Satisfaction survey invitation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (no consent or no address)")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The timeline message holding the rendered text, once sent.
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("message")
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [models.UniqueConstraint(fields=["case", "kind", "key"], name="letter_once_per_case")]
        indexes = [models.Index(fields=["status", "created_at"], name="letter_status_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Each PII field is stored three ways:
#   <field>_enc     AES-256-GCM ciphertext "v1.<key id>.<base64>" (see crypto.py)
#   <field>_masked  the masked display form, written together with the ciphertext
#   <field>_index   HMAC-SHA256 blind index, only for fields we look customers up by
PII_FIELDS = ("name", "national_id", "phone", "email", "address", "account_numbers")
INDEXED_PII_FIELDS = ("national_id", "phone", "email")


class Segment(models.TextChoices):
    RETAIL = "retail", _("Retail")
    PRIVATE = "private", _("Private banking")
    SMALL_BUSINESS = "small_business", _("Small business")
    CORPORATE = "corporate", _("Corporate")


class KycLevel(models.TextChoices):
    NONE = "none", _("None")
    BASIC = "basic", _("Basic")
    ENHANCED = "enhanced", _("Enhanced")


class RiskRating(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Vulnerability(models.TextChoices):
    ELDERLY = "elderly", _("Elderly")
    DISABILITY = "disability", _("Disability")
    FINANCIAL_HARDSHIP = "financial_hardship", _("Financial hardship")
    BEREAVEMENT = "bereavement", _("Bereavement")
    LANGUAGE_NEED = "language_need", _("Language need")
    OTHER = "other", _("Other")


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    POST = "post", _("Post")
    PORTAL = "portal", _("Portal")


class Customer(models.Model):
    customer_no = models.CharField(_("customer number"), max_length=40, unique=True)

    name_enc = models.TextField(blank=True)
    name_masked = models.CharField(_("name"), max_length=200, blank=True)
    national_id_enc = models.TextField(blank=True)
    national_id_masked = models.CharField(_("national ID"), max_length=64, blank=True)
    national_id_index = models.CharField(max_length=64, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_masked = models.CharField(_("phone"), max_length=40, blank=True)
    phone_index = models.CharField(max_length=64, blank=True)
    email_enc = models.TextField(blank=True)
    email_masked = models.CharField(_("e-mail"), max_length=254, blank=True)
    email_index = models.CharField(max_length=64, blank=True)
    address_enc = models.TextField(blank=True)
    address_masked = models.CharField(_("address"), max_length=200, blank=True)
    account_numbers_enc = models.TextField(blank=True)
    account_numbers_masked = models.JSONField(_("account numbers"), default=list, blank=True)

    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, default=Segment.RETAIL)
    kyc_level = models.CharField(_("KYC level"), max_length=10, choices=KycLevel.choices, default=KycLevel.BASIC)
    risk_rating = models.CharField(_("risk rating"), max_length=10, choices=RiskRating.choices, default=RiskRating.LOW)
    # A list of ``Vulnerability`` values; empty when none is known.
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    has_contact_consent = models.BooleanField(_("consents to contact"), default=True)
    consent_updated_at = models.DateTimeField(_("consent updated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("reveal_pii", _("Can reveal a customer's personal data"))]
        indexes = [
            # find_customer(phone=...): intake matching a caller to a profile
            models.Index(fields=["phone_index"], name="customer_phone_idx"),
            # find_customer(national_id=...): de-duplication at intake and KYC look-ups
            models.Index(fields=["national_id_index"], name="customer_national_id_idx"),
            # find_customer(email=...): threading inbound e-mail to a customer
            models.Index(fields=["email_index"], name="customer_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_no} {self.name_masked}"

    @property
    def is_vulnerable(self) -> bool:
        return bool(self.vulnerabilities)

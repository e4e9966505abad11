from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A department or a branch; both form one tree (head office > region > branch)."""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        DEPARTMENT = "department", _("Department")
        BRANCH = "branch", _("Branch")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("Chinese name"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department or branch")
        verbose_name_plural = _("departments and branches")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="department_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str = "en") -> str:
        return self.name_zh if language.startswith("zh") and self.name_zh else self.name


class User(AbstractUser):
    """A staff member. Customers are not users; they live in ``customers``."""

    departments = models.ManyToManyField(Department, blank=True, related_name="members", verbose_name=_("departments"))
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")
        permissions = [
            ("view_all_departments", _("Can see cases of every department")),
        ]


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The first characters of the token, shown in lists so a user can tell tokens apart.
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

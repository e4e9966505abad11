"""Staff administration: users, departments and branches, API tokens. Every change is audited.

Admin views run in one transaction (Django wraps the change form in ``atomic``), so the
audit entry commits with the change. Nothing here deletes: users, departments and tokens
are kept for the record; deactivate or revoke instead.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.accounts import services, tokens
from safeguard.accounts.errors import MfaNotEnrolled
from safeguard.accounts.models import ApiToken, Department, User
from safeguard.audit import services as audit
from safeguard.audit.admin_base import AuditedAdmin
from safeguard.core import masking


def _client_ip(request: HttpRequest) -> str | None:
    ip = request.META.get("REMOTE_ADDR")
    return ip or None


class StaffAdmin(AuditedAdmin):
    """Logs the changed fields' new values; staff contact details masked, passwords never."""

    masked_fields = {"email": masking.mask_email, "phone": masking.mask_phone}
    secret_field_markers = ("password",)
    log_previous_values = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(StaffAdmin, BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Safeguard"), {"fields": ("departments", "preferred_language")}),
    )
    add_fieldsets = (
        *(BaseUserAdmin.add_fieldsets or ()),
        (_("Safeguard"), {"fields": ("email", "groups", "departments", "preferred_language")}),
    )
    filter_horizontal = ("groups", "user_permissions", "departments")
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups", "departments")
    actions = ["reset_second_factor"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Administrators assign roles (groups); only a superuser may hand out superuser
        # status or loose permissions outside the role table (roles.py).
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ("is_superuser", "user_permissions")
        return readonly

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                audit.log(request.user, "user.password_change", user, ip=_client_ip(request))
        return response

    @admin.action(description=_("Reset two-factor authentication"), permissions=["change"])
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        assert isinstance(request.user, User)
        done = 0
        for user in queryset:
            try:
                services.reset_mfa(user=user, by=request.user)
            except MfaNotEnrolled:
                continue
            done += 1
        self.message_user(
            request,
            gettext("Two-factor authentication reset for %(count)d user(s).") % {"count": done},
            messages.SUCCESS,
        )


@admin.register(Department)
class DepartmentAdmin(StaffAdmin):
    list_display = ("code", "name", "name_zh", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "name_zh")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owner (account page) or ``manage.py create_api_token``; the secret
    is never stored, so there is nothing to show here but its prefix."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username")
    list_select_related = ("user",)
    fields = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        assert isinstance(request.user, User)
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke_token(token=token, by=request.user)
            count += 1
        self.message_user(request, gettext("%(count)d token(s) revoked.") % {"count": count}, messages.SUCCESS)


# django-otp's own admin pages show TOTP keys and change devices without an audit entry.
# Second factors are enrolled by their owner and reset with the user action above.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

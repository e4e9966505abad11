"""Authentication backends."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends
from django.contrib.auth.models import AnonymousUser, Permission

from safeguard.accounts.models import User


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, reading a user's permissions in one query instead of two.

    Every API request and page checks permissions once per user object; the user's own
    permissions and those of their roles (groups) come back together, as a UNION.
    """

    def get_all_permissions(self, user_obj: User | AnonymousUser, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        cached: set[str] | None = getattr(user_obj, "_perm_cache", None)
        if cached is None:
            columns = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(*columns).order_by()
            else:
                own = Permission.objects.filter(user=user_obj).values_list(*columns).order_by()
                roles = Permission.objects.filter(group__user=user_obj).values_list(*columns).order_by()
                rows = own.union(roles).order_by()
            cached = {f"{app_label}.{codename}" for app_label, codename in rows}
            user_obj._perm_cache = cached  # type: ignore[attr-defined]  # where ModelBackend keeps it
        return cached

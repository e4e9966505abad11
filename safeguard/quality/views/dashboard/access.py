"""Who may open the dashboard, and the department scope of the cases it shows."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from safeguard.accounts.models import User
from safeguard.cases.access import permission_denied
from safeguard.cases.models import Case
from safeguard.cases.selectors import visible_cases
from safeguard.quality.exports import EXPORT_PERM
from safeguard.quality.models import Kpi

VIEW_PERM = "quality.view_dashboard"
VIEW_RESPONSES_PERM = "surveys.view_surveyresponse"

__all__ = ["EXPORT_PERM", "VIEW_PERM", "VIEW_RESPONSES_PERM", "active_kpis", "in_scope", "sees_everything", "viewer"]


def viewer(request: HttpRequest, *perms: str) -> User:
    """The signed-in user if they hold the dashboard permission (and ``perms``); else 403."""
    user = request.user
    for perm in (VIEW_PERM, *perms):
        if not isinstance(user, User) or not user.is_active or not user.has_perm(perm):
            raise permission_denied(perm)
    assert isinstance(user, User)
    return user


def sees_everything(user: User) -> bool:
    """Whether ``visible_cases(user)`` is every case (the engine's figures are then the
    institution's, and the scope needs no filter)."""
    visible = visible_cases(user).query
    return not visible.is_empty() and not visible.where


def in_scope(cases: QuerySet[Case], user: User) -> QuerySet[Case]:
    """``cases`` narrowed to those ``user`` may see (no filter when that is every case)."""
    return cases if sees_everything(user) else cases.filter(pk__in=visible_cases(user).values("pk"))


def active_kpis() -> list[Kpi]:
    return list(Kpi.objects.filter(is_active=True))

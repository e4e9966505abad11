"""Who may see and act on a case. ``selectors`` builds on this; nothing else decides access.

A user sees a case when they hold ``cases.view_case`` and either
* hold ``accounts.view_all_departments`` (supervisors, compliance, auditors), or
* are a member of the case's department or of any department above it in the tree
  (head office > region > branch), or
* are the case's assignee.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.core.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from safeguard.cases.models import Case

VIEW_PERM = "cases.view_case"
VIEW_ALL_PERM = "accounts.view_all_departments"

Actor = User | AnonymousUser | None


def _scope_sql() -> str:
    """The ids of a user's departments and every department below them, as one recursive query."""
    membership = User.departments.through._meta.db_table
    department = Department._meta.db_table
    qn = connection.ops.quote_name
    return (
        f"WITH RECURSIVE scope(id) AS ("  # noqa: S608 - table names come from model metadata
        f"SELECT {qn('department_id')} FROM {qn(membership)} WHERE {qn('user_id')} = %s "
        f"UNION SELECT d.{qn('id')} FROM {qn(department)} d JOIN scope s ON d.{qn('parent_id')} = s.id"
        f") SELECT id FROM scope"
    )


def department_scope(user: User) -> RawSQL:
    """A subquery of the department ids whose cases ``user`` sees through membership."""
    return RawSQL(_scope_sql(), [user.pk])  # noqa: S611 - fixed SQL; the user id is a parameter


def department_ids_in_scope(user: User) -> set[int]:
    with connection.cursor() as cur:
        cur.execute(_scope_sql(), [user.pk])
        return {row[0] for row in cur.fetchall()}


def is_staff_user(user: Actor) -> bool:
    return isinstance(user, User) and user.is_active


def sees_every_department(user: User) -> bool:
    return user.has_perm(VIEW_ALL_PERM)


def can_see(user: Actor, case: Case) -> bool:
    if not isinstance(user, User) or not user.is_active or not user.has_perm(VIEW_PERM):
        return False
    if sees_every_department(user) or (case.assignee_id is not None and case.assignee_id == user.pk):
        return True
    return case.department_id is not None and case.department_id in department_ids_in_scope(user)


def ensure_can(user: Actor, perm: str, case: Case | None = None) -> User:
    """Refuse unless ``user`` holds ``perm`` (and, given a case, may see it).

    A case the user may not see is ``NotFound``, the same answer ``case_for`` gives, so a
    reference cannot be probed through a write. Returns the user, narrowed to ``User``.
    """
    if case is not None and not can_see(user, case):
        raise NotFound(_("No case with this reference."))
    if not isinstance(user, User) or not user.is_active or not user.has_perm(perm):
        raise permission_denied(perm)
    return user


def permission_denied(perm: str) -> PermissionDenied:
    return PermissionDenied(
        _("You do not have permission to do this (%(permission)s).") % {"permission": perm}, permission=perm
    )

"""Assigning a case to a department and a handler."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from safeguard.accounts.models import Department, User
from safeguard.cases import events
from safeguard.cases.access import department_ids_in_scope, ensure_can, permission_denied, sees_every_department
from safeguard.cases.errors import CaseNotOpen, InvalidAssignee
from safeguard.cases.models import Case, Status
from safeguard.cases.services import _base
from safeguard.cases.signals import case_department_changed
from safeguard.cases.states import WORK_PERM

ASSIGN_PERM = "cases.assign_case"

# Cases that can still change hands: open ones, and resolved ones awaiting closure or follow-up.
_ASSIGNABLE = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.AWAITING_CUSTOMER, Status.RESOLVED)


def check_assignee(assignee: User, department: Department | None, *, by: User | None) -> None:
    """An assignee must be an active staff user who can work cases and sees ``department``'s cases
    (a member of it or of a department above it, or someone who sees every department).

    When a person assigns a case to someone other than themselves they need ``cases.assign_case``.
    """
    if by is not None and assignee.pk != by.pk and not by.has_perm(ASSIGN_PERM):
        raise permission_denied(ASSIGN_PERM)
    if not assignee.is_active or not assignee.has_perm(WORK_PERM):
        raise InvalidAssignee(
            _("%(user)s cannot be assigned cases.") % {"user": assignee.get_username()}, assignee=assignee.pk
        )
    if sees_every_department(assignee):
        return
    if department is None:
        raise InvalidAssignee(
            _("Choose a department first: %(user)s does not see cases of every department.")
            % {"user": assignee.get_username()},
            assignee=assignee.pk,
        )
    if department.pk not in department_ids_in_scope(assignee):
        raise InvalidAssignee(
            _("%(user)s does not work in %(department)s.")
            % {"user": assignee.get_username(), "department": department},
            assignee=assignee.pk,
        )


def _may_take(by: User, case: Case, assignee: User | None, department: Department | None) -> bool:
    """An agent may take an unassigned case of their own department for themselves."""
    if assignee is None or assignee.pk != by.pk or case.assignee_id is not None:
        return False
    if department is not None and department.pk != case.department_id:
        return False
    if case.department_id is None or not by.has_perm(WORK_PERM):
        return False
    return case.department_id in department_ids_in_scope(by)


@transaction.atomic
def assign(
    *,
    case: Case,
    by: User,
    version: int,
    assignee: User | None = None,
    department: Department | None = None,
) -> Case:
    """Give the case to ``department`` (unchanged when None) and ``assignee`` (None: unassigned).

    Needs ``cases.assign_case``, except that an agent may take an unassigned case of their own
    department for themselves.
    """
    ensure_can(by, "cases.view_case", case)
    if not by.has_perm(ASSIGN_PERM) and not _may_take(by, case, assignee, department):
        raise permission_denied(ASSIGN_PERM)
    locked = _base.lock(case, version)
    if locked.status not in _ASSIGNABLE:
        raise CaseNotOpen(_("A %(status)s case cannot be reassigned.") % {"status": locked.get_status_display()})
    target_department = department if department is not None else locked.department
    if assignee is not None:
        check_assignee(assignee, target_department, by=by)
    before = {"department": locked.department.code if locked.department else None, "assignee": _name(locked.assignee)}
    after = {"department": target_department.code if target_department else None, "assignee": _name(assignee)}
    if before == after:
        return locked
    locked.department = target_department
    locked.assignee = assignee
    _base.save(locked, "department", "assignee")
    events.record(locked, events.Kind.ASSIGNED, by=by, data={"from": before, "to": after})
    if before["department"] != after["department"]:
        moved = {"case_id": locked.pk, "department": after["department"], "previous": before["department"]}
        by_id = by.pk
        transaction.on_commit(lambda: case_department_changed.send(sender=Case, by_id=by_id, **moved))
    _base.audit_log(
        by,
        "case.assign",
        locked,
        {
            "department": [before["department"], after["department"]],
            "assignee": [before["assignee"], after["assignee"]],
        },
    )
    return locked


def _name(user: User | None) -> str | None:
    return user.get_username() if user is not None else None

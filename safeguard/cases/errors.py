"""Domain errors of the cases app. Codes are stable: the API and the pages key on them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from safeguard.core.errors import Conflict, InvalidInput, PermissionDenied


class IllegalTransition(Conflict):
    """The lifecycle (states.py) has no move from the case's status to the one asked for."""

    code = "illegal_transition"

    def __init__(self, source: str, target: str, detail: str | None = None) -> None:
        names = {"source": _status_label(source), "target": _status_label(target)}
        super().__init__(
            detail or _("A case cannot move from “%(source)s” to “%(target)s”.") % names,
            **{"from": source, "to": target},
        )
        self.source = source
        self.target = target


def _status_label(value: str) -> str:
    from safeguard.cases.models import Status

    try:
        return str(Status(value).label)
    except ValueError:
        return value


class StaleCase(Conflict):
    """Optimistic locking: the version the user saw is not the current one."""

    code = "stale_case"

    def __init__(self, *, expected: int | None = None, current: int | None = None) -> None:
        super().__init__(
            _("This case changed since you opened it. Reload it and try again."),
            expected_version=expected,
            current_version=current,
        )


class ReopenWindowClosed(Conflict):
    code = "reopen_window_closed"


class ResolutionRequired(InvalidInput):
    """Moving to "resolved" needs a decision: use ``resolve`` with its fields."""

    code = "resolution_required"


class CaseNotOpen(Conflict):
    code = "case_not_open"


class ClockAlreadyPaused(Conflict):
    code = "clock_already_paused"


class ClockNotPaused(Conflict):
    code = "clock_not_paused"


class AlreadyExtended(Conflict):
    code = "already_extended"


class ExtensionNeedsApproval(InvalidInput):
    """The policy says this extension needs a senior approver other than the requester."""

    code = "extension_needs_approval"


class ExtensionNeedsNotice(InvalidInput):
    """The policy says the customer must be told of this extension before it is recorded."""

    code = "extension_needs_notice"


class NoDeadlineToExtend(InvalidInput):
    code = "no_deadline_to_extend"


class InvalidAssignee(InvalidInput):
    code = "invalid_assignee"


class UnknownCustomer(InvalidInput):
    """A case names a customer number nobody has, with no details to record them by."""

    code = "unknown_customer"


class UnknownDepartment(InvalidInput):
    code = "unknown_department"


class InvalidReceivedAt(InvalidInput):
    code = "invalid_received_at"


class InvalidRedress(InvalidInput):
    code = "invalid_redress"


class RedressNeedsApproval(Conflict):
    """A case with redress still awaiting approval cannot be closed."""

    code = "redress_needs_approval"


class RedressNotPending(Conflict):
    code = "redress_not_pending"


class SelfApproval(PermissionDenied):
    """Four eyes: whoever recorded or requested something may not approve it."""

    code = "self_approval"

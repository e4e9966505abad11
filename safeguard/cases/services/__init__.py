"""Every write on cases. One transaction per call; each writes its timeline event(s) and its audit
entry together with the change, and refuses with a domain error (``cases.errors``) before writing
anything. Arguments are keyword-only; ``by`` is the acting staff user.

Optimistic locking: services acting on what a user saw (``transition``, ``resolve``, ``assign``,
``withdraw``, ``refer``, ``reopen``, ``close``) take the ``version`` the user saw and refuse with
``StaleCase`` when it moved; every write locks the row and bumps ``Case.version`` with a
conditional ``UPDATE ... WHERE version = N``. Services return the fresh case; the instance passed
in is left as it was.

Decisions:

* Milestones. A case gets the milestones of its regulatory policy merged with those of the
  ``internal-standard`` policy (the institution's published service standard, e.g. a first
  response within 24 hours): for acknowledgement and first response the earlier of the two
  applies; the final response is always the regulatory policy's (the deadline a regulator
  enforces, and the one extensions and pauses move). A case whose policy *is* internal-standard
  gets just that. ``rules.merge_milestones`` is the rule.
* Automatic acknowledgement. When the merged acknowledgement is due at receipt (0 h), receipt is
  the acknowledgement (the portal shows the reference at once; the phone handler reads it out):
  the case starts ``acknowledged`` with ``acknowledged_at`` = the milestone's ``met_at`` =
  ``received_at``, also for back-dated phone logs.
* Calendar years. A deadline that needs a year with no calendar data refuses the creation (or the
  pause, extension, reopening) with ``calendar_year_missing``; nothing is written, and the caller
  shows the administrator's fix. Deadlines are never computed on weekends alone.
* First response. The first outbound message written by a person meets it; automatic letters
  (``by`` None) do not. The final response (``resolve``) meets it too if nothing was sent before.
* Reopening. Allowed for ``SAFEGUARD_REOPEN_WINDOW_DAYS`` after the final response; it gives a
  fresh final-response deadline counted from the reopening, and the earlier extension lapses.
* Withdrawal and referral end the case: ``closed_at`` is set that day and the clock stops.
* Duplicates (``merge.py``): intake only flags a possible duplicate (a link and an event); a
  person merges. Merging ends the duplicate like a withdrawal and keeps both timelines whole.
* Breaches are history: ``Case.is_breached`` stays set after a breach even if the deadline is
  later extended or met.
"""

from safeguard.cases.services.assignment import assign
from safeguard.cases.services.attachments import (
    add_attachment,
    add_attachments,
    check_upload,
    check_uploads,
    discard_files,
    open_attachment,
)
from safeguard.cases.services.bulk import NewCase, NewCustomer, Opened, open_cases_bulk
from safeguard.cases.services.clock import extend_deadline, pause_clock, resume_clock
from safeguard.cases.services.lifecycle import acknowledge, close, refer, reopen, resolve, transition, withdraw
from safeguard.cases.services.merge import link_possible_duplicate, merge
from safeguard.cases.services.messages import add_message, add_note
from safeguard.cases.services.opening import next_reference, open_case
from safeguard.cases.services.redress import approve_redress, record_redress, reject_redress
from safeguard.cases.services.scan import scan_deadlines

__all__ = [
    "NewCase",
    "NewCustomer",
    "Opened",
    "acknowledge",
    "add_attachment",
    "add_attachments",
    "add_message",
    "add_note",
    "approve_redress",
    "assign",
    "check_upload",
    "check_uploads",
    "close",
    "discard_files",
    "extend_deadline",
    "link_possible_duplicate",
    "merge",
    "next_reference",
    "open_attachment",
    "open_case",
    "open_cases_bulk",
    "pause_clock",
    "record_redress",
    "refer",
    "reject_redress",
    "reopen",
    "resolve",
    "resume_clock",
    "scan_deadlines",
    "transition",
    "withdraw",
]

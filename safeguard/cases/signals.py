"""What the cases app announces to the apps above it (which it must not import).

``case_opened``: sent once per new case after the transaction that created it commits, with
``case_id`` (int) and ``source`` ("open_case" or "bulk"). Receivers must not raise: a failure
there is theirs (log it), never the intake's.

``case_department_changed``: sent after a reassignment to another department commits, with
``case_id``, ``department`` and ``previous`` (department codes, or None) and ``by_id`` (the
user who moved it). Triage records it as a correction of its prediction.
"""

from django.dispatch import Signal

case_opened = Signal()
case_department_changed = Signal()

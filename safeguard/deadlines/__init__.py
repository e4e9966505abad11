"""Deadlines: business calendars (data), regulatory deadline policies (data), and the
pure functions that turn policy + calendar + received_at into milestones, with
pauses and extensions.

May import ``core`` and ``audit``. Knows nothing of cases: ``cases`` calls in.
"""

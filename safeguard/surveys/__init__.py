"""Surveys: CSAT / NPS / effort invitations after a case's decision and in periodic relationship
samples, the customer's answer through a signed single-use link, and the reads the quality
dashboard needs (``selectors``). See docs/surveys.md.

May import ``core``, ``audit``, ``accounts``, ``customers``, ``deadlines`` and ``cases``; never
``intake`` or ``quality`` (they import this app).
"""

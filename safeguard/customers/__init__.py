"""Customers: profile, encrypted PII with blind indexes and masked copies, KYC, risk,
vulnerability, consent and channel preferences.

PII is shown in plaintext only through ``services.reveal`` (permission-checked,
audited); everything else sees the masked copies. Writes are in ``services``, look-ups
in ``selectors``, input rules in ``rules``. May import ``core``, ``accounts`` and ``audit``.
"""

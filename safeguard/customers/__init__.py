"""Customers: profile, encrypted PII with blind indexes and masked copies, KYC, risk,
vulnerability, consent and channel preferences.

PII is only ever decrypted through ``services.reveal`` (permission-checked, audited).
May import ``core`` and ``audit``.
"""

"""Append-only, hash-chained audit log of every change and every PII read.

Owns ``AuditEntry``, ``log()`` and the chain verifier. Imports only ``core``; every
other app writes through ``safeguard.audit.services.log``.
"""

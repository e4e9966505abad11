"""The HTTP API: one NinjaAPI object (``main.api``), token authentication, the single
mapping from domain errors to RFC 9457 problem documents, and idempotency records.

Each app contributes its own router in ``<app>/api.py``; this package mounts them.
"""

"""Domain errors with stable snake_case codes.

Services raise these; views turn them into form errors and the API turns them
into RFC 9457 problem documents with the given HTTP status.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    """Missing, or not visible to this user: the same answer so references cannot be probed."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422


class Conflict(DomainError):
    code = "conflict"
    status = 409

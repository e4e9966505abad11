"""Domain errors of the accounts app (stable snake_case codes)."""

from __future__ import annotations

from safeguard.core.errors import Conflict, InvalidInput


class MfaCodeInvalid(InvalidInput):
    """The one-time code does not match (wrong, expired, already used or throttled)."""

    code = "mfa_code_invalid"


class MfaAlreadyEnrolled(Conflict):
    code = "mfa_already_enrolled"


class MfaNotEnrolled(Conflict):
    code = "mfa_not_enrolled"

"""API tokens: random secrets shown once, stored as SHA-256 digests, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from safeguard.accounts.models import ApiToken, User
from safeguard.audit import services as audit

TOKEN_PREFIX = "sg_"  # noqa: S105 (a public marker, not a secret)
# How many leading characters of a secret are stored in clear to tell tokens apart.
PREFIX_LENGTH = 10


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(*, user: User, name: str = "", by: User | str | None = None) -> tuple[ApiToken, str]:
    """Return the stored token and the secret; the secret cannot be recovered later.

    ``by`` is who created it: the user themselves by default, an administrator, or a
    label such as ``"command:create_api_token"``.
    """
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:PREFIX_LENGTH], digest=_digest(secret))
    audit.log(by or user, "api_token.create", token, changes={"user": user.get_username(), "name": name})
    return token, secret


@transaction.atomic
def revoke_token(*, token: ApiToken, by: User | str) -> ApiToken:
    """Revoke at once; revoking a revoked token changes nothing and writes no entry."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.log(by, "api_token.revoke", token)
    return token


def user_for_token(secret: str) -> User | None:
    """The active user a token belongs to, or None for an unknown, revoked or disabled one."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(secret), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: the API stays read-only for the database on hot paths.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

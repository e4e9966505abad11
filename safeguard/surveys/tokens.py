"""The token in a survey link: a signed ``{"i": invitation id, "n": nonce}``.

The signature (``django.core.signing``, salt ``SALT``, keyed by ``SECRET_KEY``) makes a token
impossible to forge or to change: a tampered token reads as ``None``. The nonce is random and
stored on the invitation, so a token also stops matching if its row is ever replaced. The token
itself is never stored and never shown to staff; it lives only in the link we send.

Single use and expiry are *not* the signature's business: the invitation row decides them
(``answered_at``, ``expires_at``; see ``services.answer``), so an answered or expired link stays
a valid token that names a closed survey, and the page can say which.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "safeguard.surveys.invitation"
NONCE_BYTES = 16  # 22 URL-safe characters (the column holds 32)


class _Invitation(Protocol):
    pk: int
    nonce: str


@dataclass(frozen=True)
class TokenRef:
    invitation_id: int
    nonce: str


def new_nonce() -> str:
    return secrets.token_urlsafe(NONCE_BYTES)


def make(invitation: _Invitation) -> str:
    return signing.Signer(salt=SALT).sign_object({"i": invitation.pk, "n": invitation.nonce})


def read(token: str) -> TokenRef | None:
    """What ``token`` names, or None when it is not a token we signed (tampered, truncated, junk)."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(value, dict):
        return None
    pk, nonce = value.get("i"), value.get("n")
    if not isinstance(pk, int) or isinstance(pk, bool) or pk < 1 or not isinstance(nonce, str) or not nonce:
        return None
    return TokenRef(invitation_id=pk, nonce=nonce)


def path(invitation: _Invitation) -> str:
    return reverse("surveys:answer", args=[make(invitation)])


def public_url(invitation: _Invitation) -> str:
    """The link as the customer opens it (``SAFEGUARD_PUBLIC_URL`` + ``/surveys/<token>/``)."""
    return f"{settings.SAFEGUARD_PUBLIC_URL.rstrip('/')}{path(invitation)}"

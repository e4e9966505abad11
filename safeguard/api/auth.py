"""Bearer-token authentication for the API (tokens are managed in ``accounts``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from safeguard.accounts.tokens import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return user_for_token(token)

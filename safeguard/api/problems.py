"""RFC 9457 problem documents."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(request: HttpRequest, *, status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    body = {
        "type": f"https://safeguard.invalid/problems/{code.replace('_', '-')}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": str(detail),
        "code": code,
        "instance": request.path,
        **extra,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=PROBLEM_CONTENT_TYPE
    )

"""RFC 9457 problem documents, and the guard that turns any other 4xx under /api/ into one."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Schema

PROBLEM_CONTENT_TYPE = "application/problem+json"

# The code for an error that did not come from a domain error or a handler of ours.
STATUS_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}


def problem(request: HttpRequest, *, status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    body = {
        # Extension members first: they may never replace a member RFC 9457 defines.
        **extra,
        "type": f"https://safeguard.invalid/problems/{code.replace('_', '-')}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": str(detail),
        "code": code,
        "instance": request.path,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def code_for_status(status: int) -> str:
    return STATUS_CODES.get(status, "client_error")


def default_detail(status: int) -> str:
    if status == 404:
        return _("Not found.")
    if status == 405:
        return _("This method is not allowed here.")
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _("The request could not be processed.")


def ensure_problem(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap an API view so every 4xx leaves as problem+json, whoever produced it (ninja's
    own 405, for one, is plain text)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # raised outside ninja's operations, e.g. by its root view
            return not_found(request)
        status = response.status_code
        if 400 <= status < 500 and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            converted = problem(request, status=status, code=code_for_status(status), detail=default_detail(status))
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if header in response:
                    converted[header] = response[header]
            return converted
        return response

    return wrapped


@csrf_exempt  # token-authenticated API: no cookies, no CSRF; a POST must get the 404 too
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under /api/ that names nothing."""
    return problem(request, status=404, code="not_found", detail=_("There is no such API endpoint."))


class Problem(Schema):
    """An RFC 9457 problem document (``application/problem+json``); ``code`` is stable, ``detail`` is for people."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str

"""The API object. Routers are mounted here; errors all leave as application/problem+json."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from safeguard.api.auth import TokenAuth
from safeguard.api.problems import problem
from safeguard.core.errors import DomainError

api = NinjaAPI(
    title="Safeguard API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem(request, status=exc.status, code=exc.code, detail=exc.detail, **exc.extra)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, Any]] = [
        {"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors
    ]
    return problem(request, status=422, code="invalid_input", detail=_("The request is not valid."), errors=errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(request, status=401, code="not_authenticated", detail=_("A valid API token is required."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, status=404, code="not_found", detail=_("Not found."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, status=exc.status_code, code="http_error", detail=str(exc))


def _mount() -> None:
    from safeguard.cases.api import router as cases_router

    api.add_router("/", cases_router)


_mount()

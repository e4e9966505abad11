"""The API object. Routers are mounted here; errors all leave as application/problem+json."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from safeguard.api.auth import TokenAuth
from safeguard.api.problems import code_for_status, ensure_problem, problem
from safeguard.core.errors import DomainError


class SafeguardAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        # Every view ninja builds (operations, the schema, docs) is wrapped so that answers ninja
        # makes itself, such as 405, are problem documents too. (A private hook: re-check on upgrades.)
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = ensure_problem(url.callback)
        return urls


api = SafeguardAPI(
    title="Safeguard API",
    version="1",
    # Lazy, so the docs speak the reader's language; ninja's JSON encoder renders it.
    description=cast(
        str,
        gettext_lazy("Complaint cases for apps and integrations. Authenticate with `Authorization: Bearer <token>`."),
    ),
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem(request, status=exc.status, code=exc.code, detail=exc.detail, **exc.extra)


def _loc(parts: Any) -> list[str]:
    loc = [str(p) for p in parts]
    # ninja puts the view's parameter name after "body" (["body", "body", "type"]): clients
    # know the field by its path in the JSON they sent, so leave the parameter name out.
    if len(loc) >= 2 and loc[0] == "body":
        del loc[1]
    return loc


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, Any]] = [
        {"loc": _loc(e.get("loc", [])), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors
    ]
    return problem(request, status=422, code="invalid_input", detail=_("The request is not valid."), errors=errors)


@api.exception_handler(DjangoValidationError)
def _model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    # A model's full_clean() refusing a value the schema let through (e.g. a too-long name).
    if hasattr(exc, "error_dict"):
        errors = [{"loc": [field], "msg": " ".join(str(m) for m in msgs)} for field, msgs in exc.message_dict.items()]
    else:
        errors = [{"loc": [], "msg": str(m)} for m in exc.messages]
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
    code = code_for_status(exc.status_code)
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return problem(request, status=400, code=code, detail=_("The request body is not valid JSON."))
    return problem(request, status=exc.status_code, code=code, detail=str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem(request, status=413, code="request_too_large", detail=_("The request body is too large."))


@api.exception_handler(IntegrityError)
def _integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # A constraint refused a write racing with another request (say, the same new customer
    # number twice at once). Nothing was written; the client may retry.
    return problem(
        request,
        status=409,
        code="conflict",
        detail=_("The request conflicts with a change made at the same time. Nothing was saved; try again."),
    )


def _mount() -> None:
    from safeguard.cases.api import router as cases_router
    from safeguard.intake.api import router as intake_router
    from safeguard.quality.api import router as quality_router
    from safeguard.triage.api import router as triage_router

    # Intake first: its literal paths (/cases/batch, /cases/multipart) must be matched before
    # the cases router's /cases/{reference}.
    api.add_router("/", intake_router)
    api.add_router("/", cases_router)
    api.add_router("/", quality_router)
    api.add_router("/", triage_router)


_mount()

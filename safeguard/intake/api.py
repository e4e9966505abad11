"""Intake endpoints under /api/v1: cases in batches, attachments as multipart, signed webhooks.

Mounted before the cases router, so ``/cases/batch`` and ``/cases/multipart`` are matched before
``/cases/{reference}``. The bodies of these endpoints are read here rather than by ninja: each has
its own size limit (413 before anything is parsed), and a batch validates each item on its own.

* ``POST /cases/batch``: up to ``MAX_BATCH`` case bodies (the schema of ``POST /cases``), each in
  its own savepoint, so a refused item leaves the others written; 200 when every item was
  created, 207 when some were refused; one ``Idempotency-Key`` for the whole batch, whose record
  holds the whole answer.
* ``POST /cases/{reference}/attachments`` and ``POST /cases/multipart`` (a case with its files):
  ``multipart/form-data`` with ``file`` parts, checked from their bytes by ``cases.services``.
* ``POST /webhooks/{source_code}``: no token; the HMAC signature is the credential (``webhooks``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import pydantic
from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Header, Router
from ninja.errors import ValidationError

from safeguard.accounts.models import Department, User
from safeguard.api import idempotency
from safeguard.api.problems import Problem, problem
from safeguard.cases import selectors, services
from safeguard.cases.access import ensure_can
from safeguard.cases.api import ADD_PERM, _customer_for, _department
from safeguard.cases.models import Attachment, Case, CaseMilestone, Category, Product
from safeguard.cases.schemas import CaseIn, CaseOut
from safeguard.cases.services.attachments import display_name, human_size
from safeguard.core.errors import DomainError, InvalidInput
from safeguard.intake import webhooks
from safeguard.intake.models import InboundItem
from safeguard.intake.schemas import (
    MAX_BATCH,
    AttachmentOut,
    AttachmentsOut,
    BatchIn,
    BatchOut,
    CaseWithFilesOut,
    WebhookCaseIn,
    WebhookReceiptOut,
)

router = Router(tags=["intake"])

ERRORS: dict[int, Any] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    413: Problem,
    415: Problem,
    422: Problem,
}
MULTIPART = "multipart/form-data"
FILE_PART = "file"
CASE_PART = "case"
# The JSON of a case sent as a multipart part is at most this large.
MAX_CASE_PART = 1024 * 1024
# Room for the multipart framing and the case part around the files themselves.
MULTIPART_OVERHEAD = 2 * 1024 * 1024


class RequestTooLarge(DomainError):
    code = "request_too_large"
    status = 413


class FileTooLarge(DomainError):
    code = "file_too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


class MalformedRequest(DomainError):
    code = "malformed_request"
    status = 400


class TooManyItems(InvalidInput):
    code = "too_many_items"


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]  # set by TokenAuth
    assert isinstance(user, User)
    return user


# --- reading bodies ------------------------------------------------------------------------


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        raise MalformedRequest(_("The Content-Length header is not a number.")) from None


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(_("The request body is larger than %(limit)d bytes.") % {"limit": limit}, limit_bytes=limit)


def _raw_body(request: HttpRequest, *, limit: int) -> bytes:
    """The body, refused (413) past ``limit`` bytes before it is read when the sender says so."""
    if _declared_length(request) > limit:
        raise _too_large(limit)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _too_large(limit)
    return body


def _invalid(errors: Sequence[Any], *, prefix: Sequence[str | int] = ()) -> ValidationError:
    """A pydantic error list as ninja's 422, ``loc`` the path in the body (``["body", ...]``)."""
    return ValidationError(
        [
            # ninja's convention, which the handler in api.main undoes: ["body", <param>, ...].
            {"loc": ["body", "body", *prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in errors
        ]
    )


def _json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedRequest(_("The request body is not valid JSON.")) from None


def _files(request: HttpRequest) -> list[UploadedFile]:
    """The ``file`` parts of a multipart request, each within the attachment size limit (413)."""
    if request.content_type != MULTIPART:
        raise UnsupportedMediaType(_("Send the files as multipart/form-data."), expected=MULTIPART)
    limit = settings.SAFEGUARD_ATTACHMENT_MAX_BYTES
    if _declared_length(request) > settings.SAFEGUARD_ATTACHMENT_MAX_FILES * limit + MULTIPART_OVERHEAD:
        raise _too_large(settings.SAFEGUARD_ATTACHMENT_MAX_FILES * limit + MULTIPART_OVERHEAD)
    try:
        files = request.FILES.getlist(FILE_PART)
    except TooManyFilesSent:
        raise InvalidInput(_("The request holds too many files."), field=FILE_PART) from None
    except MultiPartParserError:
        raise MalformedRequest(_("The multipart body cannot be read.")) from None
    for file in files:
        if file.size is not None and file.size > limit:
            raise FileTooLarge(
                _("“%(name)s” is larger than %(limit)s.")
                % {"name": display_name(file.name), "limit": human_size(limit)},
                field=FILE_PART,
                limit_bytes=limit,
            )
    return files


def _fingerprint(files: Sequence[UploadedFile]) -> list[dict[str, Any]]:
    """What identifies uploaded files for ``Idempotency-Key``: names, sizes and digests."""
    out = []
    for file in files:
        sha = hashlib.sha256()
        for chunk in file.chunks():
            sha.update(chunk)
        file.seek(0)
        out.append({"name": file.name, "size": file.size, "sha256": sha.hexdigest()})
    return out


def _respond_storing_files(
    request: HttpRequest,
    *,
    user: User,
    endpoint: str,
    key: str | None,
    payload: Any,
    action: Callable[[list[Attachment]], tuple[int, dict[str, Any]]],
) -> HttpResponse:
    """``idempotency.respond`` for an action that stores files: files stored by an attempt whose
    transaction did not commit (an error, or a racing request with the same key that won) are
    deleted again."""
    stored: list[Attachment] = []
    try:
        outcome = idempotency.run(user=user, endpoint=endpoint, key=key, payload=payload, action=lambda: action(stored))
    except BaseException:
        services.discard_files(stored)
        raise
    if outcome.replayed:
        services.discard_files(stored)
    response = JsonResponse(outcome.body, status=outcome.status, json_dumps_params={"ensure_ascii": False})
    if outcome.replayed:
        response[idempotency.REPLAYED_HEADER] = "true"
    return response


# --- opening cases -------------------------------------------------------------------------


class _Opener:
    """Opens cases from ``CaseIn`` bodies for one user, by the rules of ``POST /cases``; what does
    not change within one request (the taxonomy, the caller's department) is looked up once."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.products = {p.code: p for p in Product.objects.filter(is_active=True)}
        self.categories = {c.code: c for c in Category.objects.filter(is_active=True)}
        self.departments: dict[str | None, Department | None] = {}

    def _department(self, code: str | None) -> Department | None:
        if code not in self.departments:
            self.departments[code] = _department(self.user, code)  # an unknown code raises, is not kept
        return self.departments[code]

    def open(self, body: CaseIn) -> Case:
        # Unknown or inactive codes go to open_case as text, which refuses them with its message.
        product = self.products.get(body.product, body.product) if body.product else None
        category = self.categories.get(body.category, body.category) if body.category else None
        return services.open_case(
            by=self.user,
            customer=_customer_for(self.user, body.customer),
            type=body.type.value,
            channel=body.channel.value,
            description=body.description,
            received_at=body.received_at,
            subject=body.subject,
            product=product,
            category=category,
            severity=body.severity.value,
            complainant_role=body.complainant_role.value,
            policy=body.policy,
            department=self._department(body.department),
            external_reference=body.external_reference,
        )


def _cases_out(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The answers for the cases just opened, read back in two queries for all of them."""
    rows = (
        Case.objects.select_related(*selectors.RELATED)
        .prefetch_related(Prefetch("milestones", queryset=CaseMilestone.objects.order_by("due_at", "id")))
        .filter(pk__in=ids)
    )
    return {case.pk: CaseOut.of(case).model_dump(mode="json") for case in rows}


def _problem_doc(request: HttpRequest, *, status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(problem(request, status=status, code=code, detail=detail, **extra).content)
    return doc


def _open_one(request: HttpRequest, opener: _Opener, index: int, raw: Any) -> int | dict[str, Any]:
    """One batch item: the id of the case opened, or the problem document refusing it. The same
    refusals, in the same words, as ``POST /cases`` and the handlers in ``api.main``."""
    invalid = _("The request is not valid.")
    try:
        body = CaseIn.model_validate(raw)
    except pydantic.ValidationError as exc:
        errors = [
            {"loc": ["body", "items", index, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
        ]
        return _problem_doc(request, status=422, code="invalid_input", detail=invalid, errors=errors)
    try:
        with transaction.atomic():  # a savepoint: a refused item leaves nothing behind
            return opener.open(body).pk
    except DomainError as exc:
        return _problem_doc(request, status=exc.status, code=exc.code, detail=exc.detail, **exc.extra)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            errors = [{"loc": [f], "msg": " ".join(str(m) for m in msgs)} for f, msgs in exc.message_dict.items()]
        else:
            errors = [{"loc": [], "msg": str(m)} for m in exc.messages]
        return _problem_doc(request, status=422, code="invalid_input", detail=invalid, errors=errors)
    except IntegrityError:
        detail = _("The request conflicts with a change made at the same time. Nothing was saved; try again.")
        return _problem_doc(request, status=409, code="conflict", detail=detail)


def _open_batch(request: HttpRequest, user: User, items: list[Any]) -> tuple[int, dict[str, Any]]:
    opener = _Opener(user)
    outcomes = [(index, _open_one(request, opener, index, raw)) for index, raw in enumerate(items)]
    cases = _cases_out([o for _i, o in outcomes if isinstance(o, int)])
    results: list[dict[str, Any]] = []
    for index, outcome in outcomes:
        if isinstance(outcome, int):
            results.append({"index": index, "status": 201, "case": cases[outcome], "problem": None})
        else:
            results.append({"index": index, "status": outcome["status"], "case": None, "problem": outcome})
    created = sum(1 for r in results if r["status"] == 201)
    body = {"count": len(results), "created": created, "failed": len(results) - created, "results": results}
    return (200 if created == len(results) else 207), body


_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["items"],
                    "additionalProperties": False,
                    "properties": {
                        "items": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_BATCH,
                            "items": {"$ref": "#/components/schemas/CaseIn"},
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/cases/batch",
    response={200: BatchOut, 207: BatchOut, **ERRORS},
    summary="Open up to 500 cases at once",
    openapi_extra=_BATCH_BODY,
)
def create_cases_batch(
    request: HttpRequest, idempotency_key: str | None = Header(None, alias=idempotency.HEADER)
) -> HttpResponse:
    """`{"items": [case, ...]}`, each case as for `POST /cases`. Each item is opened on its own: the
    answer lists a result per item (`status` 201 with the `case`, or 4xx with a `problem`); 200 when
    all were opened, 207 when some were refused. One `Idempotency-Key` covers the whole batch."""
    user = _user(request)
    data = _json(_raw_body(request, limit=settings.SAFEGUARD_API_BATCH_MAX_BYTES))
    try:
        body = BatchIn.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _invalid(exc.errors()) from None
    if not 1 <= len(body.items) <= MAX_BATCH:
        raise TooManyItems(
            _("A batch holds 1 to %(max)d cases; this one has %(count)d.")
            % {"max": MAX_BATCH, "count": len(body.items)},
            field="items",
            limit=MAX_BATCH,
        )
    ensure_can(user, ADD_PERM)  # once for the batch; open_case's own check then hits the cache
    return idempotency.respond(
        request,
        user=user,
        endpoint="cases.batch",
        key=idempotency_key,
        payload=data,
        action=lambda: _open_batch(request, user, body.items),
    )


# --- attachments -------------------------------------------------------------------------------


def _multipart_body(*parts: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    properties = dict(parts)
    return {
        "requestBody": {
            "required": True,
            "content": {MULTIPART: {"schema": {"type": "object", "properties": properties}}},
        }
    }


_FILES_SCHEMA = (
    FILE_PART,
    {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "description": "One part per file (repeat the part name `file`)",
    },
)


@router.post(
    "/cases/{reference}/attachments",
    response={201: AttachmentsOut, **ERRORS},
    summary="Attach files to a case",
    openapi_extra=_multipart_body(_FILES_SCHEMA),
)
def add_attachments(
    request: HttpRequest,
    reference: str,
    idempotency_key: str | None = Header(None, alias=idempotency.HEADER),
) -> HttpResponse:
    """`multipart/form-data` with one or more `file` parts. The type is decided from the bytes (422
    for a type not allowed); a file over the size limit is 413. Honours `Idempotency-Key`."""
    user = _user(request)
    case = selectors.case_for(user, reference)  # 404 before the upload is read
    files = _files(request)
    if not files:
        raise InvalidInput(_("Send at least one file in a part named “file”."), field=FILE_PART)

    def action(stored: list[Attachment]) -> tuple[int, dict[str, Any]]:
        added = services.add_attachments(case=case, by=user, files=files, source=Attachment.Source.API)
        stored.extend(added)
        return 201, AttachmentsOut(attachments=[AttachmentOut.of(a) for a in added]).model_dump(mode="json")

    return _respond_storing_files(
        request,
        user=user,
        endpoint=f"cases.attachments:{case.reference}",
        key=idempotency_key,
        payload={"files": _fingerprint(files)},
        action=action,
    )


def _case_part(request: HttpRequest) -> Any:
    """The ``case`` part: a form field, or a file part (``-F case=@case.json``)."""
    text: str | bytes | None = request.POST.get(CASE_PART)
    part = request.FILES.get(CASE_PART) if text is None else None
    if isinstance(part, UploadedFile):
        if part.size is not None and part.size > MAX_CASE_PART:
            raise _too_large(MAX_CASE_PART)
        text = part.read()
    if text is None:
        raise _invalid([{"loc": [CASE_PART], "msg": "Field required", "type": "missing"}])
    return _json(text)


@router.post(
    "/cases/multipart",
    response={201: CaseWithFilesOut, **ERRORS},
    summary="Open a case with its files",
    openapi_extra=_multipart_body(
        (
            CASE_PART,
            {
                "type": "string",
                "contentMediaType": "application/json",
                "description": "The case as JSON, as the body of POST /api/v1/cases",
            },
        ),
        _FILES_SCHEMA,
    ),
)
def create_case_with_files(
    request: HttpRequest, idempotency_key: str | None = Header(None, alias=idempotency.HEADER)
) -> HttpResponse:
    """`multipart/form-data` with a `case` part (the JSON body of `POST /cases`) and `file` parts.
    The case and its files are stored together or not at all. Answers 201 with
    `{"case": {...}, "attachments": [...]}`; honours `Idempotency-Key`."""
    user = _user(request)
    files = _files(request)
    data = _case_part(request)
    try:
        body = CaseIn.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _invalid(exc.errors(), prefix=[CASE_PART]) from None
    ensure_can(user, ADD_PERM)
    services.check_uploads(files)  # every file checked before anything is written

    def action(stored: list[Attachment]) -> tuple[int, dict[str, Any]]:
        case = _Opener(user).open(body)
        added = services.add_attachments(case=case, by=user, files=files, source=Attachment.Source.API) if files else []
        stored.extend(added)
        return 201, {
            "case": _cases_out([case.pk])[case.pk],
            "attachments": [AttachmentOut.of(a).model_dump(mode="json") for a in added],
        }

    return _respond_storing_files(
        request,
        user=user,
        endpoint="cases.multipart",
        key=idempotency_key,
        payload={"case": data, "files": _fingerprint(files)},
        action=action,
    )


# --- webhooks ---------------------------------------------------------------------------------


def _receipt(item: InboundItem, *, replayed: bool) -> dict[str, Any]:
    case = Case.objects.filter(pk=item.case_id).values_list("reference", flat=True).first() if item.case_id else None
    return WebhookReceiptOut(
        item=item.pk,
        status=item.status,
        case=case,
        # Why the body was refused is the sender's business; an internal failure is not.
        error=item.error if item.status == InboundItem.Status.REJECTED else None,
        replayed=replayed,
    ).model_dump(mode="json")


def _inline_refs(schema: Any, defs: dict[str, Any]) -> Any:
    """A pydantic JSON schema with its local ``$defs`` written in place (OpenAPI resolves ``$ref``
    from the document's root, where pydantic's ``#/$defs/...`` does not exist)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline_refs(v, defs) for v in schema]
    return schema


def _webhook_body() -> dict[str, Any]:
    schema = WebhookCaseIn.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_refs(schema, schema.get("$defs", {}))}},
        }
    }


_WEBHOOK_BODY = _webhook_body()


@router.post(
    "/webhooks/{source_code}",
    auth=None,
    response={200: WebhookReceiptOut, 202: WebhookReceiptOut, 401: Problem, 413: Problem, 422: Problem},
    summary="Receive a signed webhook delivery",
    openapi_extra=_WEBHOOK_BODY,
)
def receive_webhook(request: HttpRequest, source_code: str) -> HttpResponse:
    """No token: sign the raw body with the source's secret (`X-Safeguard-Timestamp`,
    `X-Safeguard-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`,
    optional `X-Safeguard-Delivery`). 202 when stored (and processed, if it already was), 200 for
    a delivery received before (nothing done again), 401 `invalid_signature` / `stale_timestamp`."""
    body = _raw_body(request, limit=settings.SAFEGUARD_WEBHOOK_MAX_BYTES)
    delivery = webhooks.authenticate(code=source_code, body=body, headers=request.headers)
    item, created = webhooks.accept(delivery, body=body, content_type=request.content_type or "")
    return JsonResponse(_receipt(item, replayed=not created), status=202 if created else 200)

"""The case page (``/cases/<reference>/``) and its actions.

The page shows the case, its deadlines, timeline and customer, and offers the next allowed
actions and only those (``states.allowed_moves`` plus the permissions of the other services).
Each action is a plain POST to its own URL, validated by a form, carried out by one service
call, then redirected back to the page with a notice (PRG); it works the same with JavaScript
off. Only the PII reveal and the response-template picker use htmx fragments.

Concurrency: every form carries the ``version`` of the case it was rendered with. A save made
on a page that has gone stale is refused (``StaleCase``): the page is shown again with status
409, a notice, and the user's input kept in the form, which now carries the current version.

Errors: invalid input re-renders the page with the form's errors (422); a domain refusal is a
form error with the error's status; PermissionDenied and NotFound become the 403 and 404 pages
(``DomainErrorMiddleware``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from safeguard.accounts.models import User
from safeguard.cases import rules, selectors, services, states
from safeguard.cases.access import department_ids_in_scope, permission_denied
from safeguard.cases.errors import IllegalTransition, StaleCase
from safeguard.cases.forms.case_page import (
    AssignForm,
    CaseActionForm,
    ExtendForm,
    MergeForm,
    MoveForm,
    NoteForm,
    PauseForm,
    ReferForm,
    ReopenForm,
    ReplyForm,
    ResolveForm,
    ResumeForm,
    RevealForm,
    TakeForm,
    WithdrawForm,
)
from safeguard.cases.models import OPEN_STATUSES, Case, CaseLink, ResponseTemplate, Status
from safeguard.cases.services.redress import approval_limit
from safeguard.cases.views.attachments import attachment_context
from safeguard.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from safeguard.customers import services as customer_services
from safeguard.customers.models import PII_FIELDS, Customer

ASSIGN_PERM = "cases.assign_case"
EXTEND_PERM = "cases.extend_deadline"
# Cases that can still change hands (services/assignment.py refuses the others).
ASSIGNABLE = (*OPEN_STATUSES, Status.RESOLVED)
# Moves made with one click; resolve, reopen, withdraw, refer and merge need their own form.
ONE_CLICK = (states.Action.ACKNOWLEDGE, states.Action.INVESTIGATE, states.Action.AWAIT_CUSTOMER, states.Action.CLOSE)


# Where each form sits on the page, for the "please correct" notice's link.
FORM_ANCHORS = {
    "reply_form": "reply",
    "note_form": "note",
    "resolve_form": "resolution",
    "reveal_form": "customer-title",
}


def _move_label(move: states.Move) -> str:
    if move.action == states.Action.INVESTIGATE:
        return _("Resume investigation") if move.source == Status.AWAITING_CUSTOMER else _("Start investigation")
    return {
        states.Action.ACKNOWLEDGE: _("Acknowledge"),
        states.Action.AWAIT_CUSTOMER: _("Await customer"),
        states.Action.CLOSE: _("Close"),
    }[move.action]


@dataclass(frozen=True)
class Offer:
    """What the page offers this user on this case: the next allowed actions, and only those.

    The services decide in the end; this only keeps the page from offering what they refuse.
    """

    moves: list[tuple[str, str]]  # (target status, button label) of the one-click moves
    resolve: bool
    reopen: bool
    withdraw: bool
    refer: bool
    merge: bool
    reply: bool  # replies and internal notes
    assign: bool
    take: bool
    pause: bool
    resume: bool
    extend: bool
    reveal: bool

    @property
    def any_action(self) -> bool:
        return bool(self.moves) or any(
            (self.resolve, self.reopen, self.withdraw, self.refer, self.merge, self.reply, self.assign, self.take)
        )


def _offer(user: User, case: Case, *, now: datetime, paused: bool, final_open: bool) -> Offer:
    moves = states.allowed_moves(case.status, user.has_perm)
    actions = {m.action for m in moves}
    works = user.has_perm(states.WORK_PERM)
    assign = user.has_perm(ASSIGN_PERM) and case.status in ASSIGNABLE
    take = (
        not assign
        and works
        and case.assignee_id is None
        and case.department_id is not None
        and case.status in ASSIGNABLE
        and case.department_id in department_ids_in_scope(user)
    )
    return Offer(
        moves=[(m.target, _move_label(m)) for m in moves if m.action in ONE_CLICK],
        resolve=states.Action.RESOLVE in actions,
        reopen=states.Action.REOPEN in actions
        and rules.reopen_window_open(case.resolved_at, now=now, days=settings.SAFEGUARD_REOPEN_WINDOW_DAYS),
        withdraw=states.Action.WITHDRAW in actions,
        refer=states.Action.REFER in actions,
        merge=states.Action.MERGE in actions,
        reply=works,
        assign=assign,
        take=take,
        pause=works and case.is_open and case.policy.allows_pause and not paused,
        resume=works and case.is_open and paused,
        extend=user.has_perm(EXTEND_PERM) and case.is_open and final_open,
        reveal=customer_services.may_reveal(user),
    )


def _extensions(case: Case) -> list[tuple[str, str]]:
    """The policy's extensions the case does not have yet, as form choices."""
    return [(e.name, e.name) for e in case.policy.extensions.order_by("amount", "name") if e.name != case.extension]


def _pii(customer: Customer, revealed: Mapping[str, str]) -> list[dict[str, str]]:
    """The customer panel's personal data: masked, or the plaintext this request revealed."""
    rows = []
    for field in PII_FIELDS:
        masked = getattr(customer, f"{field}_masked")
        label = getattr(Customer._meta.get_field(f"{field}_masked"), "verbose_name", field)
        rows.append(
            {
                "field": field,
                "label": capfirst(str(label)),
                "masked": ", ".join(masked) if isinstance(masked, list) else masked,
                "revealed": revealed.get(field, ""),
            }
        )
    return rows


@dataclass(frozen=True)
class LinkedCase:
    """A row of the "Linked cases" panel: how the other case relates to this one."""

    kind: str  # CaseLink.Kind
    outgoing: bool  # this case → the other (this one is the newer, or the merged duplicate)
    other: Case
    score: float | None


def _linked_cases(user: User, case: Case) -> list[LinkedCase]:
    """The case's links both ways, to cases ``user`` may see (the others are not named). One query."""
    visible = selectors.visible_cases(user).values("pk")
    links = (
        CaseLink.objects.filter(
            Q(case=case, other__in=visible) | Q(other=case, case__in=visible),
        )
        .select_related("case", "other")
        .order_by("-created_at", "-id")
    )
    return [
        LinkedCase(
            kind=link.kind,
            outgoing=link.case_id == case.pk,
            other=link.other if link.case_id == case.pk else link.case,
            score=link.score,
        )
        for link in links
    ]


def _template_for(case: Case, template_id: str | None) -> ResponseTemplate | None:
    """The response template picked by id, if it fits the case."""
    if not template_id or not template_id.isdigit():
        return None
    return next((t for t in selectors.response_templates(case) if t.pk == int(template_id)), None)


def _has_errors(form: forms.Form) -> bool:
    if isinstance(form, ResolveForm) and form.redress.is_bound and form.redress.total_error_count():
        return True
    return bool(form.errors)


def _template_groups(case: Case, templates: list[ResponseTemplate]) -> dict[str, Any]:
    """The composer's templates: those in the customer's preferred language, then the others."""
    preferred = case.customer.preferred_language
    return {
        "templates_preferred": [t for t in templates if t.language == preferred],
        "templates_other": [t for t in templates if t.language != preferred],
    }


def _page(
    request: HttpRequest,
    case: Case,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
    stale: bool = False,
    revealed: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Render the case page; ``bound`` replaces the named forms (kept input, errors)."""
    user = request.user
    assert isinstance(user, User)
    now = timezone.now()
    milestones = list(selectors.milestones(case))
    pause = selectors.running_pause(case)
    final_open = any(m.milestone == rules.FINAL_RESPONSE and m.met_at is None for m in milestones)
    offer = _offer(user, case, now=now, paused=pause is not None, final_open=final_open)
    version = {"version": case.version}
    picked = _template_for(case, request.GET.get("template")) if offer.reply else None
    reply_initial = {**version, **({"subject": picked.subject, "body": picked.body} if picked else {})}
    page_forms: dict[str, forms.Form | None] = {
        "reply_form": ReplyForm(initial=reply_initial) if offer.reply else None,
        "note_form": NoteForm(initial=version) if offer.reply else None,
        "resolve_form": ResolveForm(initial=version) if offer.resolve else None,
        "reopen_form": ReopenForm(initial=version) if offer.reopen else None,
        "withdraw_form": WithdrawForm(initial=version) if offer.withdraw else None,
        "refer_form": ReferForm(initial=version) if offer.refer else None,
        "merge_form": MergeForm(initial=version) if offer.merge else None,
        "assign_form": (
            AssignForm(initial={**version, "department": case.department_id, "assignee": case.assignee_id})
            if offer.assign
            else None
        ),
        "take_form": TakeForm(initial=version) if offer.take else None,
        "pause_form": PauseForm(initial=version) if offer.pause else None,
        "resume_form": ResumeForm(initial=version) if offer.resume else None,
        "extend_form": ExtendForm(initial=version, extensions=_extensions(case)) if offer.extend else None,
        "move_form": None,
        "reveal_form": None,
    }
    page_forms.update(bound or {})
    failed = next((name for name, form in (bound or {}).items() if _has_errors(form)), None)
    context: dict[str, Any] = {
        "case": case,
        "customer": case.customer,
        "now": now,
        "offer": offer,
        "offer_reveal": offer.reveal,
        "stale": stale,
        "failed_anchor": FORM_ANCHORS.get(failed, "actions-title") if failed else "",
        "milestones": milestones,
        "pause": pause,
        "timeline": selectors.timeline(case),
        "resolution": selectors.resolution_of(case),
        "redress": list(selectors.redress_of(case)),
        "redress_limit": approval_limit(),
        "earlier_cases": selectors.earlier_cases(user, case),
        "linked_cases": _linked_cases(user, case),
        "pii": _pii(case.customer, revealed or {}),
        **_template_groups(case, selectors.response_templates(case) if offer.reply else []),
        "picked_template": picked,
        **page_forms,
    }
    context.update(attachment_context(request, case))
    return render(request, "cases/case.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The case page; ``?template=<id>`` prefills the reply with a response template (no-JS path)."""
    return _page(request, selectors.case_for(request.user, reference))


# --- actions ------------------------------------------------------------------------------

FormFactory = Callable[[Case, Any], CaseActionForm]
Perform = Callable[[HttpRequest, Case, Any], str]


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise permission_denied(perm)


def _may_move(user: User, case: Case) -> bool:
    return any(m.action in ONE_CLICK for m in states.allowed_moves(case.status, user.has_perm))


def _with_version(form: forms.Form, version: int) -> Any:
    """The user's input as submitted, but carrying the current version (their text is kept)."""
    data = form.data.copy()  # type: ignore[attr-defined]
    data[form.add_prefix("version")] = str(version)
    return data


def _done(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("cases:detail", args=[case.reference])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


def _refusal(form: forms.Form, exc: DomainError) -> int:
    """Show a service's refusal on the form; the status to answer with (422 unless it says otherwise)."""
    field = exc.extra.get("field")
    form.add_error(field if isinstance(field, str) and field in form.fields else None, exc.detail)
    return exc.status if 400 <= exc.status < 500 else 422


def _handle(
    request: HttpRequest,
    reference: str,
    *,
    name: str,
    perm: str | Callable[[User, Case], bool],
    build: FormFactory,
    perform: Perform,
) -> HttpResponse:
    """The shape of every action: find the case, check the permission, validate, check the version,
    call the service, then redirect (or show the page again with the form's errors).

    The permission is checked before the input so a read-only user gets 403, not form errors;
    the service checks it again (with the case) when it acts.
    """
    case = selectors.case_for(request.user, reference)
    if isinstance(perm, str):
        _require(request.user, perm)
    elif not perm(request.user, case):  # type: ignore[arg-type]
        raise PermissionDenied(_("You do not have permission to do this."))
    form = build(case, request.POST)
    if not form.is_valid():
        return _page(request, case, bound={name: form}, status=422)
    try:
        if form.cleaned_data["version"] != case.version:
            raise StaleCase(expected=form.cleaned_data["version"], current=case.version)
        message = perform(request, case, form)
    except StaleCase:
        fresh = selectors.case_for(request.user, reference)
        kept = build(fresh, _with_version(form, fresh.version))
        return _page(request, fresh, bound={name: kept}, status=409, stale=True)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        status = _refusal(form, exc)
        return _page(request, selectors.case_for(request.user, reference), bound={name: form}, status=status)
    return _done(request, case, message)


def _at_version(case: Case, version: int) -> None:
    """Refuse with ``StaleCase`` unless the case is still at ``version``; the row stays locked until
    the caller's transaction ends. For the services that act on the current row (messages, notes,
    the clock) so that these too never act on a page the user saw before someone else's change."""
    current = Case.objects.select_for_update().filter(pk=case.pk).values_list("version", flat=True).get()
    if current != version:
        raise StaleCase(expected=version, current=current)


def _version(form: Any) -> int:
    value: int = form.cleaned_data["version"]
    return value


@login_required
@require_POST
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: ReplyForm) -> str:
        with transaction.atomic():
            _at_version(case, _version(form))
            services.add_message(
                case=case,
                by=request.user,  # type: ignore[arg-type]
                direction="out",
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        return _("Your reply was sent to the customer.")

    return _handle(
        request, reference, name="reply_form", perm=states.WORK_PERM, build=lambda c, d: ReplyForm(d), perform=perform
    )


@login_required
@require_POST
def note(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: NoteForm) -> str:
        with transaction.atomic():
            _at_version(case, _version(form))
            services.add_note(case=case, by=request.user, body=form.cleaned_data["body"])  # type: ignore[arg-type]
        return _("The internal note was added.")

    return _handle(
        request, reference, name="note_form", perm=states.WORK_PERM, build=lambda c, d: NoteForm(d), perform=perform
    )


@login_required
@require_POST
def move(request: HttpRequest, reference: str) -> HttpResponse:
    """The one-click moves: acknowledge, start or resume the investigation, await the customer, close."""

    def perform(request: HttpRequest, case: Case, form: MoveForm) -> str:
        target = form.cleaned_data["to"]
        if states.move_for(case.status, target).action not in ONE_CLICK:
            raise IllegalTransition(case.status, target)
        services.transition(case=case, to=target, by=request.user, version=_version(form))  # type: ignore[arg-type]
        return _("The case is now “%(status)s”.") % {"status": Status(target).label}

    return _handle(
        request, reference, name="move_form", perm=_may_move, build=lambda c, d: MoveForm(d), perform=perform
    )


@login_required
@require_POST
def resolve(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: ResolveForm) -> str:
        data = form.cleaned_data
        items = form.redress_items()
        services.resolve(
            case=case,
            by=request.user,  # type: ignore[arg-type]
            version=_version(form),
            outcome=data["outcome"],
            root_cause=data["root_cause"],
            decision_basis=data["decision_basis"],
            reasons=data["reasons"],
            remedies=data["remedies"],
            apology_given=data["apology_given"],
            redress=items,
        )
        limit = approval_limit()
        if any(rules.redress_needs_approval(item["amount"], limit) for item in items):
            return _(
                "The case is resolved. Redress above %(limit)s awaits a supervisor's approval "
                "before the case can be closed."
            ) % {"limit": limit}
        return _("The case is resolved.")

    return _handle(
        request,
        reference,
        name="resolve_form",
        perm=states.WORK_PERM,
        build=lambda c, d: ResolveForm(d),
        perform=perform,
    )


@login_required
@require_POST
def reopen(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: ReopenForm) -> str:
        services.reopen(case=case, by=request.user, version=_version(form), reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        return _("The case is reopened and has a new final-response deadline.")

    return _handle(
        request,
        reference,
        name="reopen_form",
        perm=states.REOPEN_PERM,
        build=lambda c, d: ReopenForm(d),
        perform=perform,
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: WithdrawForm) -> str:
        services.withdraw(case=case, by=request.user, version=_version(form), reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        return _("The withdrawal is recorded; the case has ended.")

    return _handle(
        request,
        reference,
        name="withdraw_form",
        perm=states.WORK_PERM,
        build=lambda c, d: WithdrawForm(d),
        perform=perform,
    )


@login_required
@require_POST
def refer(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: ReferForm) -> str:
        services.refer(
            case=case,
            by=request.user,  # type: ignore[arg-type]
            version=_version(form),
            body=form.cleaned_data["body"],
            reference=form.cleaned_data["reference"],
        )
        return _("The referral is recorded.")

    return _handle(
        request, reference, name="refer_form", perm=states.REFER_PERM, build=lambda c, d: ReferForm(d), perform=perform
    )


@login_required
@require_POST
def merge(request: HttpRequest, reference: str) -> HttpResponse:
    """Merge this case (a duplicate) into another case of the same customer; both timelines stay."""

    def perform(request: HttpRequest, case: Case, form: MergeForm) -> str:
        try:
            target = selectors.case_for(request.user, form.cleaned_data["into"])
        except NotFound:
            raise InvalidInput(_("No case with this reference that you can see."), field="into") from None
        services.merge(
            case=case,
            into=target,
            by=request.user,  # type: ignore[arg-type]
            version=_version(form),
            note=form.cleaned_data["note"],
        )
        return _("The case is merged into %(reference)s. Both timelines are kept.") % {"reference": target.reference}

    return _handle(
        request, reference, name="merge_form", perm=states.WORK_PERM, build=lambda c, d: MergeForm(d), perform=perform
    )


@login_required
@require_POST
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: AssignForm) -> str:
        services.assign(
            case=case,
            by=request.user,  # type: ignore[arg-type]
            version=_version(form),
            assignee=form.cleaned_data["assignee"],
            department=form.cleaned_data["department"],
        )
        return _("The assignment is saved.")

    return _handle(
        request, reference, name="assign_form", perm=ASSIGN_PERM, build=lambda c, d: AssignForm(d), perform=perform
    )


@login_required
@require_POST
def take(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: TakeForm) -> str:
        services.assign(case=case, by=request.user, version=_version(form), assignee=request.user)  # type: ignore[arg-type]
        return _("The case is now assigned to you.")

    return _handle(
        request, reference, name="take_form", perm=states.WORK_PERM, build=lambda c, d: TakeForm(d), perform=perform
    )


@login_required
@require_POST
def pause(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: PauseForm) -> str:
        with transaction.atomic():
            _at_version(case, _version(form))
            services.pause_clock(case=case, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        return _("The clock is paused.")

    return _handle(
        request, reference, name="pause_form", perm=states.WORK_PERM, build=lambda c, d: PauseForm(d), perform=perform
    )


@login_required
@require_POST
def resume(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: ResumeForm) -> str:
        with transaction.atomic():
            _at_version(case, _version(form))
            services.resume_clock(case=case, by=request.user)  # type: ignore[arg-type]
        return _("The clock runs again; the open deadlines moved by the days it stood still.")

    return _handle(
        request, reference, name="resume_form", perm=states.WORK_PERM, build=lambda c, d: ResumeForm(d), perform=perform
    )


@login_required
@require_POST
def extend(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(request: HttpRequest, case: Case, form: ExtendForm) -> str:
        data = form.cleaned_data
        with transaction.atomic():
            _at_version(case, _version(form))
            services.extend_deadline(
                case=case,
                by=request.user,  # type: ignore[arg-type]
                name=data["name"],
                reason=data["reason"],
                approver=data["approver"],
                notice_sent=data["notice_sent"],
            )
        return _("The deadline is extended.")

    return _handle(
        request,
        reference,
        name="extend_form",
        perm=EXTEND_PERM,
        build=lambda c, d: ExtendForm(d, extensions=_extensions(c)),
        perform=perform,
    )


# --- customer data and the reply composer ---------------------------------------------------


@login_required
@require_POST
def reveal(request: HttpRequest, reference: str, field: str) -> HttpResponse:
    """Reveal one PII field of the case's customer, with a reason (audited by the service).

    htmx swaps the value in place; without JavaScript the whole page comes back with it. Nothing
    is cached. A user without ``customers.reveal_pii`` gets 403 (and the attempt is logged).
    """
    case = selectors.case_for(request.user, reference)
    if field not in PII_FIELDS:
        raise Http404
    form = RevealForm(request.POST, field=field)
    if not form.is_valid():
        if not customer_services.may_reveal(request.user):
            raise PermissionDenied(_("You may not see this customer's personal data."))
        response = _reveal_response(request, case, field, form=form, status=422)
    else:
        value = customer_services.reveal(
            customer=case.customer, field=field, by=request.user, reason=form.cleaned_data["reason"]
        )
        response = _reveal_response(request, case, field, value=value)
    add_never_cache_headers(response)
    return response


def _reveal_response(
    request: HttpRequest,
    case: Case,
    field: str,
    *,
    value: str = "",
    form: RevealForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        bound = {"reveal_form": form} if form is not None else None
        return _page(request, case, bound=bound, revealed={field: value} if value else None, status=status)
    row = next(item for item in _pii(case.customer, {field: value} if value else {}) if item["field"] == field)
    # htmx does not swap 4xx answers: the fragment with the form's errors comes as 200.
    context = {"case": case, "item": row, "reveal_form": form, "offer_reveal": True}
    return render(request, "cases/case.html#pii-row", context)


@login_required
@require_GET
def response_template(request: HttpRequest, reference: str) -> HttpResponse:
    """The reply fields filled from a response template (htmx ``hx-get`` from the template picker)."""
    case = selectors.case_for(request.user, reference)
    _require(request.user, states.WORK_PERM)
    picked = _template_for(case, request.GET.get("template"))
    if picked is None:
        return HttpResponse(status=204)  # nothing picked: htmx leaves the composer as it is
    form = ReplyForm(initial={"version": case.version, "subject": picked.subject, "body": picked.body})
    return render(request, "cases/case.html#reply-fields", {"case": case, "reply_form": form})


urlpatterns = [
    path("cases/<str:reference>/", detail, name="detail"),
    path("cases/<str:reference>/reply/", reply, name="reply"),
    path("cases/<str:reference>/reply/template/", response_template, name="response_template"),
    path("cases/<str:reference>/note/", note, name="note"),
    path("cases/<str:reference>/move/", move, name="move"),
    path("cases/<str:reference>/resolve/", resolve, name="resolve"),
    path("cases/<str:reference>/reopen/", reopen, name="reopen"),
    path("cases/<str:reference>/withdraw/", withdraw, name="withdraw"),
    path("cases/<str:reference>/refer/", refer, name="refer"),
    path("cases/<str:reference>/merge/", merge, name="merge"),
    path("cases/<str:reference>/assign/", assign, name="assign"),
    path("cases/<str:reference>/take/", take, name="take"),
    path("cases/<str:reference>/clock/pause/", pause, name="pause"),
    path("cases/<str:reference>/clock/resume/", resume, name="resume"),
    path("cases/<str:reference>/clock/extend/", extend, name="extend"),
    path("cases/<str:reference>/reveal/<str:field>/", reveal, name="reveal"),
]

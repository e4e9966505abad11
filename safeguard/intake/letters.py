"""Letters to the customer by e-mail (the survey invitation by text message when that is the
survey's channel): what is owed, rendering, sending once, and the outbox.

What is owed (``owed``), found by the periodic ``send_due_letters`` task whatever the channel
that opened the case (portal, phone, e-mail, API, webhooks), so ``cases`` never calls ``intake``:

* an **acknowledgement** for every case received in the last ``SAFEGUARD_LETTER_WINDOW_DAYS``;
* a **holding / extension notice** for every ``cases.Extension`` (key: its id) and, under
  ``uk-fca-disp``, at the eight-week point when no final response has gone (key ``8-weeks``);
* a **summary resolution** (UK, DISP 1.5: resolved by the end of the third business day after
  receipt) or else a **final response** when a complaint gets its decision (key: the decision's
  time, so a reopened complaint decided again gets a new one);
* a **satisfaction-survey invitation** ``SAFEGUARD_SURVEY_INVITATION_HOURS`` after the decision,
  once per case. Whom to survey is the surveys app's decision: ``surveys.services.invite``
  gives the case's invitation (its link is in the letter) or None, and then the letter is
  skipped with the reason the skipped invitation records (``no_consent``, ``no_address``,
  ``recently_surveyed``: the frequency cap). The invitation is marked sent with the letter.
  When the invitation's channel is ``sms`` (``surveys.services.invitation_channel``) the letter
  goes as a text message instead (``surveys.services.render_sms``, sent with
  ``safeguard.core.sms``), under the same once-only rules below; the timeline message holds the
  text (channel ``phone``, event data ``sent_by: sms``: ``cases.Channel`` has no SMS choice).

Nothing is owed for cases merged into another, for cases from a bulk import
(``SAFEGUARD_LETTER_SKIP_SOURCES``) or for anything that happened before the window (historical
cases). ``intake.services.submit`` also enqueues the acknowledgement as soon as its transaction
commits; the outbox is the safety net.

Once, never twice: a letter is a ``Letter`` row claimed with an INSERT under the unique
constraint (case, kind, key) before anything is sent; a worker that loses the race gets an
IntegrityError and moves on. Each attempt starts with a compare-and-set
(``status``/``attempts`` as read → ``pending``, ``attempts + 1``), committed before the mail goes,
so only one worker ever sends a given attempt. After the mail server (or the SMS gateway) accepts
it, one transaction records the timeline message (the rendered text, our Message-ID) and marks the
letter sent.

The crash window: a worker that dies after the server accepted the mail and before that commit
leaves the letter ``pending`` with ``attempts`` ≥ 1. We cannot know whether it went, and the rule
is *at most once*: it is never sent again automatically. ``send_due`` marks such letters
(``error``) and writes an internal note asking staff to check the mail log and send it by hand if
needed. A send that fails (the server refused, the network is down) is ``failed``, with the error,
and tried again after 1, 3, 7, ... × ``SAFEGUARD_LETTER_RETRY_MINUTES`` up to
``SAFEGUARD_LETTER_MAX_ATTEMPTS``; the last failure writes an internal note.

No e-mail address: the letter is ``skipped`` and, for the letters the rules require
(acknowledgement, extension, summary resolution, final response), an internal note tells staff
to send it by post or phone. These go regardless of marketing consent; the survey invitation
needs ``has_contact_consent`` (checked by ``surveys.services.invite``) and is skipped quietly
without it.

Wording lives in the templates ``intake/letters/<kind>.<language>.txt`` (first line: the
subject; the rest: the body), written in each language rather than translated line by line.
Dates are shown in the zone of the case's deadline policy (its calendar), where the deadline is
defined.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.utils import make_msgid
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeguard.cases import services as cases
from safeguard.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseMilestone,
    CaseType,
    Channel,
    Extension,
    Message,
    Outcome,
    Redress,
    Resolution,
    Status,
)
from safeguard.core import sms
from safeguard.customers.services import contact_address
from safeguard.deadlines.errors import CalendarYearMissing
from safeguard.deadlines.rules import add_business_days, end_of_day, local_date
from safeguard.deadlines.selectors import deadline_rules
from safeguard.intake.email import first_message_id
from safeguard.intake.models import Letter
from safeguard.surveys import selectors as survey_selectors
from safeguard.surveys import services as surveys
from safeguard.surveys import tokens as survey_tokens
from safeguard.surveys.models import SurveyInvitation

logger = logging.getLogger(__name__)

Kind = Letter.Kind
LANGUAGES = ("en", "zh-hans")
# Letters the rules require: without an e-mail address staff are told to send them another way.
REGULATORY = (Kind.ACKNOWLEDGEMENT, Kind.EXTENSION, Kind.SUMMARY_RESOLUTION, Kind.FINAL_RESPONSE)
# DISP 1.6.2R(2): the eight-week holding letter, with the right to go to the ombudsman now.
EIGHT_WEEKS = "8-weeks"
EIGHT_WEEK_POLICY = "uk-fca-disp"
# Sent this long before the eight weeks end, so it arrives by then.
EIGHT_WEEK_LEAD = timedelta(hours=24)
# DISP 1.5.2R: a complaint resolved by the close of business on the third business day after receipt.
SUMMARY_BUSINESS_DAYS = 3
FOS_URL = "https://www.financial-ombudsman.org.uk"
CFPB_URL = "https://www.consumerfinance.gov/complaint/"
# At most this many letters of each kind are claimed per run; the next run takes the rest.
BATCH = 200
# An attempt still pending this long after it could have started was interrupted.
STUCK_AFTER = timedelta(minutes=30)
# The timeline message of a text: ``cases.Channel`` has no SMS choice, so the closest one; the
# event's data says ``sent_by: sms``.
TEXT_MESSAGE_CHANNEL = Channel.PHONE
_RESOLVED = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    language: str


@dataclass(frozen=True)
class Due:
    """A deadline for a letter: its time, and whether it is the end of a day (then the letter
    says "by the end of <day>" rather than a clock time)."""

    at: datetime
    end_of_day: bool


# --- rendering ---------------------------------------------------------------------------


def letter_language(case: Case) -> str:
    """The customer's preferred language when we write letters in it, else the site's."""
    language = case.customer.preferred_language
    if language in LANGUAGES:
        return language
    return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in LANGUAGES else "en"


def policy_family(code: str) -> str:
    """Which remedies a letter names: "uk" (Financial Ombudsman Service), "cn" (核查, 调解, 仲裁,
    诉讼 and the 12378 hotline), "us" (the CFPB) or "other" (the handler's own words)."""
    for prefix in ("uk", "cn", "us"):
        if code.startswith(f"{prefix}-"):
            return prefix
    return "other"


def public_url(path: str) -> str:
    return f"{settings.SAFEGUARD_PUBLIC_URL.rstrip('/')}{path}"


def survey_url(case: Case, now: datetime) -> str:
    """The case's survey link (``/surveys/<token>/``): ``surveys.services.invite`` gives the
    invitation, creating it the first time (so rendering the letter, even as a preview, invites
    the customer; it is idempotent). A ValueError when the customer may not be surveyed."""
    invitation = surveys.invite(case=case, now=now)
    if invitation is None:
        raise ValueError(f"no survey for this case ({survey_selectors.skip_reason(case) or 'not decided'})")
    return survey_tokens.public_url(invitation)


def _due(at: datetime | None, zone: str) -> Due | None:
    if at is None:
        return None
    return Due(at=at, end_of_day=timezone.localtime(at, timezone=ZoneInfo(zone)).time() == time(23, 59, 59))


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _context(case: Case, kind: str, key: str, now: datetime) -> dict[str, Any]:
    zone = case.policy.calendar.zone
    milestones = {m.milestone: m for m in CaseMilestone.objects.filter(case=case)}
    final = milestones.get("final_response")
    first = milestones.get("first_response")
    context: dict[str, Any] = {
        "case": case,
        "kind": kind,
        "family": policy_family(case.policy.code),
        "policy": case.policy.code,
        "zone": zone,
        "letter": _due(now, zone),
        "received": _due(case.received_at, zone),
        "final_due": _due(final.due_at if final is not None and final.met_at is None else None, zone),
        "first_due": _due(first.due_at if first is not None and first.met_at is None else None, zone),
        "track_url": public_url(reverse("intake:track")),
        "fos_url": FOS_URL,
        "cfpb_url": CFPB_URL,
    }
    if kind == Kind.EXTENSION:
        extension = Extension.objects.filter(case=case, pk=int(key)).first() if key.isdigit() else None
        context["extension"] = extension
        context["eight_weeks"] = key == EIGHT_WEEKS
    if kind in (Kind.SUMMARY_RESOLUTION, Kind.FINAL_RESPONSE):
        resolution = Resolution.objects.filter(case=case).first()
        context["resolution"] = resolution
        redress = list(Redress.objects.filter(case=case).exclude(state=Redress.State.REJECTED).order_by("id"))
        context["approved_redress"] = [_redress(r) for r in redress if r.state == Redress.State.APPROVED]
        context["pending_redress"] = [_redress(r) for r in redress if r.state == Redress.State.PENDING_APPROVAL]
    if kind == Kind.SURVEY_INVITATION:
        context["survey_url"] = survey_url(case, now)
    return context


def _redress(redress: Redress) -> dict[str, str]:
    return {
        "kind": str(redress.get_kind_display()),
        "amount": _money(redress.amount),
        "currency": redress.currency,
    }


def _subject(reference: str, line: str, language: str) -> str:
    if language == "zh-hans":
        return f"【{reference}】{line}"
    return f"[{reference}] {line}"


def _tidy(text: str) -> str:
    """Plain-text clean-up after the template: no trailing spaces, at most one empty line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def render(
    *, case: Case, kind: str, key: str = "", language: str | None = None, now: datetime | None = None
) -> Rendered:
    """The letter ``kind`` for ``case`` in ``language`` (default: the customer's), as it would go now."""
    language = language or letter_language(case)
    now = now or timezone.now()
    with translation.override(language), timezone.override(ZoneInfo(case.policy.calendar.zone)):
        text = render_to_string(f"intake/letters/{kind}.{language}.txt", _context(case, kind, key, now))
    first, _sep, body = text.strip().partition("\n")
    return Rendered(
        subject=_subject(case.reference, first.strip(), language)[:200], body=_tidy(body), language=language
    )


# --- what is owed ------------------------------------------------------------------------


def _letters(kind: str | list[str], **filters: Any) -> Any:
    """The letters of the outer row's case of these kinds (for NOT EXISTS)."""
    kinds = [kind] if isinstance(kind, str) else kind
    return Letter.objects.filter(case=OuterRef("case"), kind__in=kinds, **filters)


def _skip_sources() -> Q:
    return Q(case__external_source__in=settings.SAFEGUARD_LETTER_SKIP_SOURCES)


def _since(now: datetime) -> datetime:
    return now - timedelta(days=settings.SAFEGUARD_LETTER_WINDOW_DAYS)


def acknowledgement_owed(case: Case, *, now: datetime) -> bool:
    """Whether ``case`` is one the institution acknowledges by letter (recent, not imported, not merged)."""
    return (
        case.received_at >= _since(now)
        and case.external_source not in settings.SAFEGUARD_LETTER_SKIP_SOURCES
        and case.status != Status.MERGED
    )


def _owed_acknowledgements(now: datetime) -> list[tuple[int, str, str]]:
    # case_received_idx gives the window; NOT EXISTS probes letter_once_per_case (case, kind, key).
    ids = (
        Case.objects.filter(received_at__gte=_since(now))
        .exclude(status=Status.MERGED)
        .exclude(external_source__in=settings.SAFEGUARD_LETTER_SKIP_SOURCES)
        .filter(~Exists(Letter.objects.filter(case=OuterRef("pk"), kind=Kind.ACKNOWLEDGEMENT)))
        .order_by("received_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    return [(pk, Kind.ACKNOWLEDGEMENT, "") for pk in ids]


def _owed_extensions(now: datetime) -> list[tuple[int, str, str]]:
    rows = (
        Extension.objects.filter(created_at__gte=_since(now), case__status__in=OPEN_STATUSES)
        .exclude(_skip_sources())
        .filter(~Exists(_letters(Kind.EXTENSION, key=Cast(OuterRef("pk"), CharField()))))
        .order_by("created_at")
        .values_list("case_id", "pk")[:BATCH]
    )
    owed: list[tuple[int, str, str]] = [(case_id, Kind.EXTENSION, str(pk)) for case_id, pk in rows]
    # The eight-week point under DISP 1.6.2R: unmet final responses about to fall due.
    eight = (
        CaseMilestone.objects.filter(
            milestone="final_response",
            met_at__isnull=True,
            due_at__lte=now + EIGHT_WEEK_LEAD,
            due_at__gte=_since(now),
            case__policy__code=EIGHT_WEEK_POLICY,
            case__type=CaseType.COMPLAINT,
            case__status__in=OPEN_STATUSES,
        )
        .exclude(_skip_sources())
        .filter(~Exists(_letters(Kind.EXTENSION, key=EIGHT_WEEKS)))
        .values_list("case_id", flat=True)[:BATCH]
    )
    return owed + [(case_id, Kind.EXTENSION, EIGHT_WEEKS) for case_id in eight]


def resolution_kind(case: Case, decided_at: datetime, outcome: str) -> str:
    """Summary resolution under ``uk-*`` when decided by the end of the third business day after
    receipt (DISP 1.5); otherwise the final response. A complaint not upheld always gets the
    final response: DISP 1.5 is for complaints resolved to the customer's satisfaction, which a
    refusal is unlikely to be. So does a case whose calendar year is missing: a final response is
    never wrong."""
    if policy_family(case.policy.code) != "uk" or outcome == Outcome.NOT_UPHELD:
        return Kind.FINAL_RESPONSE
    spec = deadline_rules().spec(case.policy_id)
    try:
        last = add_business_days(spec.calendar, local_date(case.received_at, spec.zone), SUMMARY_BUSINESS_DAYS)
    except CalendarYearMissing:
        return Kind.FINAL_RESPONSE
    return Kind.SUMMARY_RESOLUTION if decided_at <= end_of_day(last, spec.zone) else Kind.FINAL_RESPONSE


def resolution_key(decided_at: datetime) -> str:
    return str(int(decided_at.timestamp()))


def _owed_responses(now: datetime) -> list[tuple[int, str, str]]:
    # A letter written after the decision answers it; a reopened case decided again owes a new one.
    rows = (
        Resolution.objects.filter(
            decided_at__gte=_since(now), case__type=CaseType.COMPLAINT, case__status__in=_RESOLVED
        )
        .exclude(_skip_sources())
        .filter(
            ~Exists(_letters([Kind.SUMMARY_RESOLUTION, Kind.FINAL_RESPONSE], created_at__gte=OuterRef("decided_at")))
        )
        .select_related("case__policy")
        .order_by("decided_at")[:BATCH]
    )
    return [(r.case_id, resolution_kind(r.case, r.decided_at, r.outcome), resolution_key(r.decided_at)) for r in rows]


def _owed_surveys(now: datetime) -> list[tuple[int, str, str]]:
    ready = now - timedelta(hours=settings.SAFEGUARD_SURVEY_INVITATION_HOURS)
    ids = (
        Resolution.objects.filter(decided_at__lte=ready, decided_at__gte=_since(ready), case__status__in=_RESOLVED)
        .exclude(_skip_sources())
        .filter(~Exists(_letters(Kind.SURVEY_INVITATION)))
        .order_by("decided_at")
        .values_list("case_id", flat=True)[:BATCH]
    )
    return [(case_id, Kind.SURVEY_INVITATION, "") for case_id in ids]


def owed(*, now: datetime) -> list[tuple[int, str, str]]:
    """(case id, kind, key) of every letter owed now and not claimed yet (at most ``BATCH`` a kind)."""
    return _owed_acknowledgements(now) + _owed_extensions(now) + _owed_responses(now) + _owed_surveys(now)


# --- claiming and sending ----------------------------------------------------------------


def claim(*, case: Case, kind: str, key: str = "") -> Letter | None:
    """Claim the letter: None when it was already claimed (by this run, another worker or the
    submit hook)."""
    try:
        with transaction.atomic():
            return Letter.objects.create(case=case, kind=kind, key=key, language=letter_language(case))
    except IntegrityError:
        return None


def _skip_reason(letter: Letter, now: datetime) -> str:
    customer = letter.case.customer
    if letter.kind == Kind.SURVEY_INVITATION:
        # The surveys app decides (consent, an e-mail address, the frequency cap) and records why not.
        if surveys.invite(case=letter.case, now=now) is None:
            return survey_selectors.skip_reason(letter.case) or "not_decided"
        return ""
    if not customer.email_enc:
        return "no_email"
    return ""


def _note(case: Case, text: str) -> None:
    try:
        cases.add_note(case=case, by=None, body=text)
    except Exception:
        logger.exception("Could not write the internal note about a letter on case %s.", case.pk)


def _kind_label(kind: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(Kind(kind).label)


def _skip(letter: Letter, reason: str) -> str:
    won = Letter.objects.filter(pk=letter.pk, status=Letter.Status.PENDING, attempts=0).update(
        status=Letter.Status.SKIPPED, error=reason
    )
    if won and reason == "no_email" and letter.kind in REGULATORY:
        with translation.override(settings.LANGUAGE_CODE):
            _note(
                letter.case,
                _(
                    "The %(letter)s letter was not e-mailed: the customer has no e-mail address. "
                    "Send it by post or tell the customer by phone."
                )
                % {"letter": _kind_label(letter.kind)},
            )
    return Letter.Status.SKIPPED


def _reply_to_id(case: Case) -> str:
    """The customer's own Message-ID on this case, so our letter threads under their mail: the
    mail that opened the case, else their first message on it that has one."""
    return first_message_id(case) or (
        Message.objects.filter(case=case, direction=Message.Direction.INBOUND)
        .exclude(external_id="")
        .order_by("created_at", "id")
        .values_list("external_id", flat=True)
        .first()
        or ""
    )


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"


def _email(letter: Letter, rendered: Rendered, address: str, message_id: str) -> EmailMessage:
    headers = {
        "Message-ID": message_id,
        # RFC 3834: no auto-responder should answer a letter (and loop with our intake).
        "Auto-Submitted": "auto-generated",
        "Content-Language": "zh-Hans" if rendered.language == "zh-hans" else rendered.language,
    }
    parent = _reply_to_id(letter.case)
    if parent:
        headers["In-Reply-To"] = parent
        headers["References"] = parent
    return EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        to=[address],
        reply_to=[settings.DEFAULT_FROM_EMAIL],
        headers=headers,
    )


def _start(letter: Letter) -> int:
    """Compare-and-set: this worker owns attempt ``attempts + 1``; 0 when another one took it."""
    attempt = letter.attempts + 1
    won = Letter.objects.filter(pk=letter.pk, status=letter.status, attempts=letter.attempts).update(
        status=Letter.Status.PENDING, attempts=attempt, error=""
    )
    return attempt if won else 0


def deliver(letter_id: int, *, now: datetime | None = None) -> str:
    """Send one claimed letter (or retry a failed one); returns its status afterwards."""
    letter = Letter.objects.select_related("case__customer", "case__policy__calendar").get(pk=letter_id)
    if letter.status == Letter.Status.PENDING and letter.attempts == 0:
        reason = _skip_reason(letter, now or timezone.now())
        if reason:
            return _skip(letter, reason)
    elif letter.status != Letter.Status.FAILED:
        return letter.status  # sent, skipped, or an attempt in flight (or interrupted)
    attempt = _start(letter)
    if not attempt:
        return Letter.Status.PENDING
    case = letter.case
    invitation = _by_text(letter)
    if invitation is not None:
        return _text(letter, attempt, invitation)
    address = ""
    try:
        rendered = render(case=case, kind=letter.kind, key=letter.key, language=letter.language, now=now)
        address = contact_address(case.customer, "email")
        if not address:
            raise ValueError("the customer has no e-mail address any more")
        message_id = make_msgid(domain=_domain())
        if mailers.default.send_messages([_email(letter, rendered, address, message_id)]) != 1:
            raise RuntimeError("the mail backend did not accept the message")
    except Exception as exc:
        return _failed(letter, attempt, exc, address)
    _record_sent(letter, rendered, message_id)
    return Letter.Status.SENT


def _text(letter: Letter, attempt: int, invitation: SurveyInvitation) -> str:
    """Attempt ``attempt`` of the survey invitation as a text message (the outbox has claimed it)."""
    number = ""
    try:
        body = surveys.render_sms(invitation)
        number = contact_address(letter.case.customer, "phone")
        if not number:
            raise ValueError("the customer has no phone number any more")
        sms.send_sms(number, body)
    except Exception as exc:
        return _failed(letter, attempt, exc, number, channel=surveys.SMS)
    _record_sent(letter, Rendered(subject="", body=body, language=invitation.language), "", channel=surveys.SMS)
    return Letter.Status.SENT


def _failed(letter: Letter, attempt: int, exc: Exception, address: str, *, channel: str = "email") -> str:
    logger.warning("Letter %s (%s) for case %s failed: %s", letter.pk, letter.kind, letter.case_id, type(exc).__name__)
    error = f"{type(exc).__name__}: {exc}"
    if address:  # SMTP and gateway errors may quote the recipient: keep the address out of the record
        customer = letter.case.customer
        error = error.replace(
            address, (customer.phone_masked if channel == surveys.SMS else customer.email_masked) or "***"
        )
    Letter.objects.filter(pk=letter.pk, status=Letter.Status.PENDING, attempts=attempt).update(
        status=Letter.Status.FAILED, error=error[:2000]
    )
    if attempt >= settings.SAFEGUARD_LETTER_MAX_ATTEMPTS:
        values = {"letter": _kind_label(letter.kind), "attempts": attempt, "error": error[:300]}
        with translation.override(settings.LANGUAGE_CODE):
            if channel == surveys.SMS:
                text = _("The %(letter)s could not be sent by text message after %(attempts)d attempts (%(error)s).")
            else:
                text = _(
                    "The %(letter)s letter could not be e-mailed after %(attempts)d attempts (%(error)s). "
                    "Send it by post or tell the customer by phone."
                )
            _note(letter.case, text % values)
    return Letter.Status.FAILED


@transaction.atomic
def _record_sent(letter: Letter, rendered: Rendered, message_id: str, *, channel: str = "email") -> None:
    texted = channel == surveys.SMS
    data: dict[str, Any] = {"letter": letter.kind, "letter_id": letter.pk}
    if texted:
        data["sent_by"] = surveys.SMS
    message = cases.add_message(
        case=letter.case,
        by=None,
        direction=Message.Direction.OUTBOUND,
        channel=TEXT_MESSAGE_CHANNEL if texted else Channel.EMAIL,
        subject=rendered.subject,
        body=rendered.body,
        external_id=message_id,
        data=data,
    )
    sent_at = timezone.now()
    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.SENT, sent_at=sent_at, message=message, error="")
    if letter.kind == Kind.SURVEY_INVITATION:
        invitation = survey_selectors.case_invitation(letter.case)
        if invitation is not None:
            surveys.mark_sent(invitation=invitation, channel=channel, now=sent_at)


# --- the outbox ----------------------------------------------------------------------------


def _retry_at(letter: Letter) -> datetime:
    """Attempt ``n + 1`` may start 1, 3, 7, ... × the retry interval after the letter was claimed."""
    return letter.created_at + timedelta(minutes=settings.SAFEGUARD_LETTER_RETRY_MINUTES * (2**letter.attempts - 1))


def _by_text(letter: Letter) -> SurveyInvitation | None:
    """The survey invitation when ``letter`` goes as a text message (its channel is ``sms``), else None."""
    if letter.kind != Kind.SURVEY_INVITATION:
        return None
    invitation = survey_selectors.case_invitation(letter.case)
    return invitation if invitation is not None and invitation.channel == surveys.SMS else None


def _interrupted(now: datetime) -> int:
    """Mark attempts that never finished (their worker died) and tell staff; never resend them."""
    count = 0
    for letter in (
        Letter.objects.filter(status=Letter.Status.PENDING, attempts__gte=1, error="")
        .select_related("case")
        .order_by("created_at")[:BATCH]
    ):
        started_no_earlier = letter.created_at + timedelta(
            minutes=settings.SAFEGUARD_LETTER_RETRY_MINUTES * (2 ** (letter.attempts - 1) - 1)
        )
        if now < started_no_earlier + STUCK_AFTER:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            error = _("Interrupted while sending: it may or may not have gone out; not sent again automatically.")
            won = Letter.objects.filter(
                pk=letter.pk, status=Letter.Status.PENDING, attempts=letter.attempts, error=""
            ).update(error=error)
            if won:
                count += 1
                if _by_text(letter) is not None:
                    text = _(
                        "Sending the %(letter)s by text message was interrupted, so we cannot tell whether it "
                        "reached the customer. Check the SMS gateway's log."
                    )
                else:
                    text = _(
                        "Sending the %(letter)s letter was interrupted, so we cannot tell whether it reached the "
                        "customer. Check the mail server's log and send it by hand if it did not go."
                    )
                _note(letter.case, text % {"letter": _kind_label(letter.kind)})
    return count


def send_letter(*, case: Case, kind: str, key: str = "", now: datetime | None = None) -> str:
    """Claim and send one letter; returns its status ("" when it had been claimed already)."""
    letter = claim(case=case, kind=kind, key=key)
    if letter is None:
        return ""
    return deliver(letter.pk, now=now)


def send_acknowledgement(case_id: int, *, now: datetime | None = None) -> str:
    """The acknowledgement right after a case is recorded (``submit`` enqueues it on commit)."""
    now = now or timezone.now()
    case = Case.objects.filter(pk=case_id).first()
    if case is None or not acknowledgement_owed(case, now=now):
        return ""
    return send_letter(case=case, kind=Kind.ACKNOWLEDGEMENT, now=now)


def send_due(*, now: datetime | None = None) -> dict[str, int]:
    """One run of the outbox: claim and send what is owed, send claimed letters never tried,
    retry failed ones whose time has come, and flag interrupted ones. Returns counts by outcome."""
    now = now or timezone.now()
    counts: dict[str, int] = {}

    def tally(status: str) -> None:
        if status:
            counts[status] = counts.get(status, 0) + 1

    due = owed(now=now)
    cases_by_id = Case.objects.select_related("customer").in_bulk({case_id for case_id, _kind, _key in due})
    for case_id, kind, key in due:
        case = cases_by_id.get(case_id)
        if case is not None:
            tally(send_letter(case=case, kind=kind, key=key, now=now))
    waiting = Letter.objects.filter(
        Q(status=Letter.Status.PENDING, attempts=0)
        | Q(status=Letter.Status.FAILED, attempts__lt=settings.SAFEGUARD_LETTER_MAX_ATTEMPTS)
    ).order_by("created_at")[:BATCH]
    for letter in waiting:
        if letter.status == Letter.Status.FAILED and _retry_at(letter) > now:
            continue
        tally(deliver(letter.pk, now=now))
    counts["interrupted"] = _interrupted(now)
    return counts

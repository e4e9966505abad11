"""Every write of the surveys app: inviting, answering, and the relationship samples.

One transaction per call; each leaves an audit entry with its change. Callers pass ``now``
(aware): the letters outbox, the periodic task, the demo loader and the tests all decide the
time, nothing here reads the clock for a decision.

**Who is invited.** Nobody without contact consent (``Customer.has_contact_consent``), nobody
without an address (neither an e-mail address nor a phone number), and nobody invited to any
survey in the last ``SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN`` days (the frequency cap counts every
invitation that was not skipped, sent or still waiting to go).

**By which channel.** ``invitation_channel`` picks it when the invitation is created, and the
invitation keeps it (``channel``): a text message (``sms``, through ``safeguard.core.sms``) when
the customer prefers SMS or phone and a phone number is on file; otherwise an e-mail when an
address is on file; otherwise a text message when a number is; otherwise none (``no_address``).
The text is short (``surveys/invitation_sms.txt``: the institution, the link and its last day),
carries no personal data, and neither it nor the number is ever logged.

**Skipped post-case invitations are stored.** ``invite`` writes the invitation with status
``skipped`` and ``skip_reason`` (``no_consent``, ``no_address``, ``recently_surveyed``; rows
written before text messages may say ``no_email``), plus an audit entry ``survey.skip``. That
row answers "why was this customer not surveyed about this case?" for as long as the case
exists, and it holds the case's one survey slot
(``survey_once_per_case``): asking again returns None again, for the same reason, even if the
customer consents later. A skipped invitation never counts towards the frequency cap and its
token is refused (it was never sent). The relationship sample stores no skipped rows: it picks
only from eligible customers, and its audit entry ``survey.sample`` gives the counts.

**Single use under concurrency.** ``answer`` locks the invitation row (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers), marks it answered
with a conditional UPDATE (``answered_at IS NULL``), and the response's one-to-one column is
the database's last word. Of two answers sent at once one wins; the other gets
``survey_already_answered`` and nothing is written for it.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safeguard.audit import services as audit
from safeguard.cases.models import Case, Resolution, Status
from safeguard.core import sms
from safeguard.core.errors import InvalidInput
from safeguard.core.timeutil import require_aware
from safeguard.customers.models import ContactChannel, Customer
from safeguard.customers.services import contact_address
from safeguard.surveys import tokens
from safeguard.surveys.errors import (
    SurveyAlreadyAnswered,
    SurveyExpired,
    SurveyScoreMissing,
    SurveyScoreOutOfRange,
    SurveyTokenInvalid,
)
from safeguard.surveys.models import SCALES, Purpose, RelationshipRun, SurveyInvitation, SurveyKind, SurveyResponse

logger = logging.getLogger(__name__)

InvitationStatus = SurveyInvitation.Status
LANGUAGES = ("en", "zh-hans")
MAX_COMMENT = 2000
# How an invitation goes (``SurveyInvitation.channel``).
EMAIL = "email"
SMS = "sms"
# Customers who prefer these are texted when a phone number is on file.
TEXT_PREFERENCES = (ContactChannel.SMS, ContactChannel.PHONE)
# Why an invitation was not sent (``SurveyInvitation.skip_reason``).
NO_CONSENT = "no_consent"
NO_ADDRESS = "no_address"
# Written before invitations could go by text message; stored rows may still hold it.
NO_EMAIL = "no_email"
RECENTLY_SURVEYED = "recently_surveyed"
SEND_FAILED = "send_failed"
SKIP_REASONS = {
    NO_CONSENT: gettext_lazy("the customer does not consent to be contacted"),
    NO_ADDRESS: gettext_lazy("the customer has neither an e-mail address nor a phone number"),
    NO_EMAIL: gettext_lazy("the customer has no e-mail address"),
    RECENTLY_SURVEYED: gettext_lazy("the customer was surveyed recently"),
    SEND_FAILED: gettext_lazy("the invitation could not be sent"),
}
# Invitations created per INSERT, customers locked per SELECT in a sample.
CHUNK = 500
_DECIDED = (Status.RESOLVED, Status.CLOSED)


# --- settings ------------------------------------------------------------------------------


def _kinds(setting: str) -> list[str]:
    kinds = list(getattr(settings, setting))
    unknown = [k for k in kinds if k not in SCALES]
    if not kinds or unknown or len(set(kinds)) != len(kinds):
        raise ImproperlyConfigured(
            f"{setting} must list one or more of {', '.join(SCALES)} without repeats; got {kinds!r}"
        )
    return kinds


def case_kinds() -> list[str]:
    return _kinds("SAFEGUARD_SURVEY_CASE_KINDS")


def relationship_kinds() -> list[str]:
    return _kinds("SAFEGUARD_SURVEY_RELATIONSHIP_KINDS")


def _expires(now: datetime) -> datetime:
    return now + timedelta(days=settings.SAFEGUARD_SURVEY_TOKEN_DAYS)


def _cap_start(now: datetime) -> datetime:
    return now - timedelta(days=settings.SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN)


def survey_language(preferred: str) -> str:
    """The customer's preferred language when we survey in it, else the site's."""
    if preferred in LANGUAGES:
        return preferred
    return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in LANGUAGES else "en"


# --- who may be invited --------------------------------------------------------------------


def _recent_invitations(now: datetime) -> QuerySet[SurveyInvitation]:
    """Invitations that count towards the frequency cap (survey_customer_recent_idx)."""
    return SurveyInvitation.objects.filter(created_at__gt=_cap_start(now)).exclude(status=InvitationStatus.SKIPPED)


def recently_surveyed(customer: Customer, *, now: datetime) -> bool:
    return _recent_invitations(now).filter(customer=customer).exists()


def choose_channel(*, preferred: str, has_email: bool, has_phone: bool) -> str:
    """``sms``, ``email`` or "" (no address): a text when the customer prefers SMS or phone and
    has a number, else an e-mail when they have an address, else a text when they have a number
    (the rule ``intake.tracking`` sends codes by)."""
    if has_phone and (preferred in TEXT_PREFERENCES or not has_email):
        return SMS
    if has_email:
        return EMAIL
    return ""


def invitation_channel(customer: Customer) -> str:
    """How a survey invitation reaches ``customer`` now (see ``choose_channel``); reads no PII."""
    return choose_channel(
        preferred=customer.preferred_channel, has_email=bool(customer.email_enc), has_phone=bool(customer.phone_enc)
    )


def _skip_reason(customer: Customer, *, now: datetime) -> str:
    if not customer.has_contact_consent:
        return NO_CONSENT
    if not invitation_channel(customer):
        return NO_ADDRESS
    if recently_surveyed(customer, now=now):
        return RECENTLY_SURVEYED
    return ""


def eligible_customers(*, now: datetime) -> QuerySet[Customer]:
    """Customers a relationship survey may go to now: consent, an e-mail address or a phone
    number, not capped."""
    recent = _recent_invitations(now).filter(customer=OuterRef("pk"))
    return Customer.objects.filter(has_contact_consent=True).exclude(email_enc="", phone_enc="").filter(~Exists(recent))


# --- after a case ----------------------------------------------------------------------------


def _case_invitation(case: Case) -> SurveyInvitation | None:
    return SurveyInvitation.objects.filter(case=case, purpose=Purpose.CASE).first()


def invite(*, case: Case, now: datetime) -> SurveyInvitation | None:
    """The post-case survey invitation of ``case``, created on the first call (idempotent).

    None when the customer may not be surveyed (the skipped invitation records why; see the
    module docstring) or when the case has no decision (then nothing is recorded: it may be
    invited once it is decided). The invitation is ``pending`` until its letter goes
    (``mark_sent``).
    """
    require_aware(now, "now")
    with transaction.atomic():
        # One invitation at a time per customer, so two cases decided together cannot both
        # slip under the frequency cap.
        customer = Customer.objects.select_for_update().get(pk=case.customer_id)
        existing = _case_invitation(case)
        if existing is not None:
            return None if existing.status == InvitationStatus.SKIPPED else existing
        if Case.objects.filter(pk=case.pk).values_list("status", flat=True).first() not in _DECIDED:
            return None
        reason = _skip_reason(customer, now=now)
        channel = invitation_channel(customer)
        kinds = case_kinds()
        invitation = SurveyInvitation(
            customer=customer,
            case=case,
            purpose=Purpose.CASE,
            kinds=kinds,
            nonce=tokens.new_nonce(),
            language=survey_language(customer.preferred_language),
            channel=channel,
            status=InvitationStatus.SKIPPED if reason else InvitationStatus.PENDING,
            skip_reason=reason,
            created_at=now,
            expires_at=_expires(now),
        )
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:  # survey_once_per_case: another worker invited first
            existing = _case_invitation(case)
            return None if existing is None or existing.status == InvitationStatus.SKIPPED else existing
        changes: dict[str, Any] = {"case": case.reference, "purpose": Purpose.CASE, "kinds": kinds}
        if reason:
            changes["reason"] = reason
        else:
            changes["expires_at"] = invitation.expires_at
            changes["channel"] = channel
        audit.log(None, "survey.skip" if reason else "survey.invite", invitation, changes=changes)
    return None if reason else invitation


def mark_sent(*, invitation: SurveyInvitation, channel: str, now: datetime) -> bool:
    """Record that the invitation's link went to the customer; False when it was not pending."""
    require_aware(now, "now")
    with transaction.atomic():
        won = SurveyInvitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
            status=InvitationStatus.SENT, sent_at=now, channel=channel
        )
        if won:
            audit.log(None, "survey.sent", invitation, changes={"channel": channel})
    return bool(won)


# --- answering -----------------------------------------------------------------------------


def _locked_invitation(token: str) -> SurveyInvitation:
    ref = tokens.read(token)
    if ref is None:
        raise SurveyTokenInvalid()
    invitation = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("case", "customer")
        .filter(pk=ref.invitation_id)
        .first()
    )
    if (
        invitation is None
        or not constant_time_compare(invitation.nonce, ref.nonce)
        or invitation.status == InvitationStatus.SKIPPED
    ):
        raise SurveyTokenInvalid()
    return invitation


def check_scores(kinds: Sequence[str], scores: dict[str, int | None]) -> None:
    """Every kind asked has a score on its scale; no score for a kind not asked."""
    for kind, value in scores.items():
        if value is None:
            continue
        label = str(SurveyKind(kind).label)
        if kind not in kinds:
            raise SurveyScoreOutOfRange(
                _("This survey did not ask about %(question)s.") % {"question": label}, field=kind
            )
        low, high = SCALES[kind]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SurveyScoreOutOfRange(
                _("Choose a score from %(low)d to %(high)d.") % {"low": low, "high": high}, field=kind
            )
    for kind in kinds:
        if scores.get(kind) is None:
            raise SurveyScoreMissing(_("Please choose a score."), field=kind)


def answer(
    *,
    token: str,
    csat: int | None = None,
    nps: int | None = None,
    effort: int | None = None,
    comment: str = "",
    now: datetime,
) -> SurveyResponse:
    """Record the customer's answer to the invitation ``token`` names, once.

    Raises ``SurveyTokenInvalid``, ``SurveyAlreadyAnswered``, ``SurveyExpired`` (in that order
    of precedence), ``SurveyScoreOutOfRange`` / ``SurveyScoreMissing`` (field: the kind) or
    ``InvalidInput`` (field ``comment``); nothing is written then. The response copies the
    case's product, department, handler (the assignee, else whoever decided the case) and
    channel, so the dashboard groups answers without joining back to cases.
    """
    require_aware(now, "now")
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(
            _("Please keep your comment under %(max)d characters.") % {"max": MAX_COMMENT}, field="comment"
        )
    with transaction.atomic():
        invitation = _locked_invitation(token)
        if invitation.answered_at is not None:
            raise SurveyAlreadyAnswered()
        if invitation.expires_at <= now:
            raise SurveyExpired()
        scores: dict[str, int | None] = {SurveyKind.CSAT: csat, SurveyKind.NPS: nps, SurveyKind.EFFORT: effort}
        check_scores(invitation.kinds, scores)
        won = SurveyInvitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(
            status=InvitationStatus.ANSWERED, answered_at=now, sent_at=invitation.sent_at or invitation.created_at
        )
        if not won:
            raise SurveyAlreadyAnswered()
        response = SurveyResponse(
            invitation=invitation,
            customer_id=invitation.customer_id,
            case=invitation.case,
            purpose=invitation.purpose,
            answered_at=now,
            csat=csat,
            nps=nps,
            effort=effort,
            comment=comment,
        )
        case = invitation.case
        if case is not None:
            response.product_id = case.product_id
            response.department_id = case.department_id
            response.handler_id = case.assignee_id or (
                Resolution.objects.filter(case=case).values_list("decided_by_id", flat=True).first()
            )
            response.channel = case.channel
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError:  # the one-to-one: a concurrent answer got there first
            raise SurveyAlreadyAnswered() from None
        actor = f"customer:{invitation.customer.customer_no}" if invitation.customer_id else "anonymous"
        audit.log(
            actor,
            "survey.answer",
            response,
            changes={
                "invitation": invitation.pk,
                "case": case.reference if case is not None else "",
                **{k: v for k, v in scores.items() if v is not None},
                # The comment is the customer's own words (it may hold personal data): its length only.
                "comment_chars": len(comment),
            },
        )
    return response


# --- relationship samples ----------------------------------------------------------------------


@dataclass
class Sample:
    """What a relationship sample did (``dry_run``: would do)."""

    eligible: int
    picked: int
    invitation_ids: list[int] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    dry_run: bool = False


def sample_size(eligible: int, *, size: int | None, fraction: float | None) -> int:
    """How many of ``eligible`` customers to pick: ``size`` (at most all), or ``fraction`` of them
    rounded up (a positive fraction of a non-empty set picks at least one)."""
    if (size is None) == (fraction is None):
        raise InvalidInput(_("Give either a sample size or a fraction, not both."), field="size")
    if size is not None:
        if size < 0:
            raise InvalidInput(_("The sample size cannot be negative."), field="size")
        return min(size, eligible)
    assert fraction is not None
    if not 0 <= fraction <= 1 or math.isnan(fraction):
        raise InvalidInput(_("The fraction must be between 0 and 1."), field="fraction")
    return min(math.ceil(eligible * fraction), eligible)


def sample_relationship(
    *,
    now: datetime,
    size: int | None = None,
    fraction: float | None = None,
    seed: int | None = None,
    dry_run: bool = False,
    send: bool = True,
    by: Any = None,
) -> Sample:
    """Invite a random sample of eligible customers (``eligible_customers``) to the relationship
    survey and send them the link in their language, each by their channel (``invitation_channel``).

    ``size`` or ``fraction`` says how many; ``seed`` makes the pick repeatable. ``dry_run``
    counts without writing. ``send=False`` leaves the invitations pending (``send_pending``
    sends them; the periodic task sends after its transaction commits).
    """
    require_aware(now, "now")
    with transaction.atomic():
        ids = list(eligible_customers(now=now).order_by("pk").values_list("pk", flat=True))
        k = sample_size(len(ids), size=size, fraction=fraction)
        picked = sorted(random.Random(seed).sample(ids, k))
        if dry_run:
            return Sample(eligible=len(ids), picked=k, dry_run=True)
        kinds = relationship_kinds()
        created: list[int] = []
        for start in range(0, len(picked), CHUNK):
            chunk = picked[start : start + CHUNK]
            # Lock, and look again: a case invitation may have gone to one of them meanwhile.
            # (The ciphertexts are read only to tell whether an address is on file.)
            found = {
                pk: (language, choose_channel(preferred=preferred, has_email=bool(email), has_phone=bool(phone)))
                for pk, language, preferred, email, phone in eligible_customers(now=now)
                .filter(pk__in=chunk)
                .select_for_update(of=("self",))
                .values_list("pk", "preferred_language", "preferred_channel", "email_enc", "phone_enc")
            }
            rows = SurveyInvitation.objects.bulk_create(
                [
                    SurveyInvitation(
                        customer_id=pk,
                        purpose=Purpose.RELATIONSHIP,
                        kinds=kinds,
                        nonce=tokens.new_nonce(),
                        language=survey_language(found[pk][0]),
                        channel=found[pk][1],
                        status=InvitationStatus.PENDING,
                        created_at=now,
                        expires_at=_expires(now),
                    )
                    for pk in chunk
                    if pk in found
                ]
            )
            created.extend(row.pk for row in rows)
        audit.log(
            by,
            "survey.sample",
            object_type="surveys.surveyinvitation",
            changes={
                "purpose": Purpose.RELATIONSHIP,
                "kinds": kinds,
                "eligible": len(ids),
                "size": size,
                "fraction": fraction,
                "seed": seed,
                "invitations": created,
            },
        )
    sample = Sample(eligible=len(ids), picked=k, invitation_ids=created)
    if send:
        counts = send_pending(created, now=now)
        sample.sent, sample.failed = counts["sent"], counts["failed"]
    return sample


def render_mail(invitation: SurveyInvitation) -> tuple[str, str]:
    """(subject, body) of a relationship invitation in its language (``surveys/mail/``)."""
    language = invitation.language if invitation.language in LANGUAGES else "en"
    with translation.override(language):
        text = render_to_string(
            f"surveys/mail/relationship.{language}.txt",
            {
                "survey_url": tokens.public_url(invitation),
                "expires_at": invitation.expires_at,
                "min_days": settings.SAFEGUARD_SURVEY_MIN_DAYS_BETWEEN,
            },
        )
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip()[:200], body.strip()


def _institution(language: str) -> str:
    """The institution's name as the customer knows it (the reports' setting, Chinese when set)."""
    name_zh = settings.SAFEGUARD_REPORTS_INSTITUTION_ZH
    return str(name_zh if language == "zh-hans" and name_zh else settings.SAFEGUARD_REPORTS_INSTITUTION)


def render_sms(invitation: SurveyInvitation) -> str:
    """The text message of an invitation (either purpose) in its language
    (``surveys/invitation_sms.txt``): the institution, the link and its last day. Nothing
    personal, not even the case's reference: whoever sees the phone's screen learns only that
    the institution asks for an opinion."""
    language = invitation.language if invitation.language in LANGUAGES else "en"
    with translation.override(language):
        text = render_to_string(
            "surveys/invitation_sms.txt",
            {
                "institution": _institution(language),
                "survey_url": tokens.public_url(invitation),
                "expires_at": invitation.expires_at,
            },
        )
    return " ".join(text.split())


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"


def _email(invitation: SurveyInvitation) -> None:
    subject, body = render_mail(invitation)
    address = contact_address(invitation.customer, "email")
    if not address:
        raise ValueError("the customer has no e-mail address any more")
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[address],
        reply_to=[settings.DEFAULT_FROM_EMAIL],
        headers={
            "Message-ID": make_msgid(domain=_domain()),
            "Auto-Submitted": "auto-generated",
            "Content-Language": "zh-Hans" if invitation.language == "zh-hans" else invitation.language,
        },
    )
    if mailers.default.send_messages([message]) != 1:
        raise RuntimeError("the mail backend did not accept the message")


def _text(invitation: SurveyInvitation) -> None:
    body = render_sms(invitation)
    number = contact_address(invitation.customer, "phone")
    if not number:
        raise ValueError("the customer has no phone number any more")
    sms.send_sms(number, body)


def send_invitation(invitation_id: int, *, now: datetime) -> str:
    """Send one pending relationship invitation by its channel (e-mail or text message), at most
    once: "sent", "failed", or "" when it was not pending (another worker took it, or it was
    sent before).

    The invitation is marked sent *before* the message goes (a compare-and-set), so two workers
    never both send it; a send that fails turns it into ``skipped``/``send_failed``, which does
    not count towards the frequency cap. A worker that dies in between leaves it marked sent:
    at most once, never twice. Invitations created before channels were chosen have none: they
    go by e-mail, as they would have.
    """
    if not SurveyInvitation.objects.filter(pk=invitation_id, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.SENT, sent_at=now
    ):
        return ""
    invitation = SurveyInvitation.objects.select_related("customer").get(pk=invitation_id)
    channel = invitation.channel or EMAIL
    try:
        if channel == SMS:
            _text(invitation)
        else:
            _email(invitation)
    except Exception as exc:
        # The exception's type only: a gateway's message may quote the number or the link.
        logger.warning("Survey invitation %s could not be sent by %s: %s", invitation_id, channel, type(exc).__name__)
        SurveyInvitation.objects.filter(pk=invitation_id, status=InvitationStatus.SENT).update(
            status=InvitationStatus.SKIPPED, skip_reason=SEND_FAILED, sent_at=None
        )
        return "failed"
    return "sent"


def send_pending(invitation_ids: Iterable[int], *, now: datetime) -> dict[str, int]:
    """Send these relationship invitations (those still pending), each by its channel; one audit
    entry for the batch, with the invitations sent by each channel."""
    ids = list(invitation_ids)
    channels = dict(SurveyInvitation.objects.filter(pk__in=ids).values_list("pk", "channel"))
    counts = {"sent": 0, "failed": 0}
    sent: dict[str, list[int]] = {}
    for pk in ids:
        outcome = send_invitation(pk, now=now)
        if outcome:
            counts[outcome] += 1
        if outcome == "sent":
            sent.setdefault(channels.get(pk) or EMAIL, []).append(pk)
    if sent or counts["failed"]:
        audit.log(
            None,
            "survey.send",
            object_type="surveys.surveyinvitation",
            changes={
                "sent": sorted(pk for pks in sent.values() for pk in pks),
                "channels": {channel: sent[channel] for channel in sorted(sent)},
                "failed": counts["failed"],
            },
        )
    return counts


# --- the periodic relationship survey ----------------------------------------------------------

# Periods are counted from this day, so every worker computes the same period for a date.
PERIOD_EPOCH = date(1970, 1, 1)


def period_start(day: date, every_days: int) -> date:
    return PERIOD_EPOCH + timedelta(days=((day - PERIOD_EPOCH).days // every_days) * every_days)


def run_relationship_period(*, now: datetime) -> dict[str, Any]:
    """The periodic relationship survey: at most one sample per period of
    ``SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS`` days (0: never), whatever the number of workers.

    The period's ``RelationshipRun`` row is inserted in the same transaction that creates the
    invitations; a second worker's INSERT waits on the unique period and then fails, so it does
    nothing. The e-mails go after the commit.
    """
    require_aware(now, "now")
    every = settings.SAFEGUARD_SURVEY_RELATIONSHIP_EVERY_DAYS
    if every <= 0:
        return {"status": "disabled"}
    start = period_start(timezone.localdate(now), every)
    fraction = settings.SAFEGUARD_SURVEY_RELATIONSHIP_FRACTION
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = RelationshipRun.objects.create(period_start=start, every_days=every, started_at=now)
        except IntegrityError:
            return {"status": "done_already", "period_start": start.isoformat()}
        sample = sample_relationship(
            now=now,
            size=None if fraction > 0 else settings.SAFEGUARD_SURVEY_RELATIONSHIP_SIZE,
            fraction=fraction if fraction > 0 else None,
            send=False,
        )
        run.invited = len(sample.invitation_ids)
        run.save(update_fields=["invited"])
    counts = send_pending(sample.invitation_ids, now=now)
    return {"status": "sampled", "period_start": start.isoformat(), "invited": run.invited, **counts}

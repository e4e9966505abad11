"""Following a case on the portal: one-time tracking codes, and what the portal tells the customer.

Codes
-----
* ``request_code`` issues a 6-digit code (``secrets``) for a case and sends it to the contact
  details the customer gave us: by SMS when they prefer SMS and gave a phone number, otherwise by
  e-mail when they gave an address, otherwise by SMS; in the customer's preferred language.
  Only a keyed hash bound to the case is stored (``salted_hmac`` with ``SECRET_KEY``), valid for
  ``SAFEGUARD_TRACKING_CODE_MINUTES``. An unknown reference does nothing: the page gives the same
  answer either way, so references cannot be probed. A case has at most ``MAX_LIVE_CODES`` live
  codes; further requests are quietly dropped so nobody can flood a customer's phone.
* ``verify_code`` accepts a live code once. Each wrong guess counts an attempt on every live code
  of the case; after ``SAFEGUARD_TRACKING_CODE_ATTEMPTS`` a code is dead, so guesses per case are
  bounded whatever the number of live codes. A right code is marked used and ends the others.

Neither the code nor the contact address is written to a log or the audit log; the audit log
records that a code was sent (and by which channel), refused or accepted.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from safeguard.audit import services as audit
from safeguard.cases.models import Case, CaseMilestone, Status
from safeguard.core import sms
from safeguard.customers.models import ContactChannel, Customer
from safeguard.customers.services import contact_address
from safeguard.intake.models import TrackingCode

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
# Unused, unexpired codes a case may have at once.
MAX_LIVE_CODES = 3
_HMAC_SALT = "safeguard.intake.tracking.code"


def normalise_reference(reference: str) -> str:
    return "".join(reference.split()).upper()[:20]


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())[: CODE_DIGITS + 1]


def _hash(case: Case, code: str) -> str:
    return salted_hmac(_HMAC_SALT, f"{case.pk}:{code}", algorithm="sha256").hexdigest()


def _case(reference: str) -> Case | None:
    ref = normalise_reference(reference)
    if not ref:
        return None
    return Case.objects.select_related("customer").filter(reference=ref).first()


def _live(case: Case, now: datetime) -> QuerySet[TrackingCode]:
    return TrackingCode.objects.filter(
        case=case,
        used_at__isnull=True,
        expires_at__gt=now,
        attempts__lt=settings.SAFEGUARD_TRACKING_CODE_ATTEMPTS,
    )


def _destination(customer: Customer) -> tuple[str, str]:
    """(channel, address) the code goes to; ('', '') when the customer left no contact."""
    has_phone, has_email = bool(customer.phone_enc), bool(customer.email_enc)
    if has_phone and (customer.preferred_channel == ContactChannel.SMS or not has_email):
        return TrackingCode.Channel.SMS, contact_address(customer, "phone")
    if has_email:
        return TrackingCode.Channel.EMAIL, contact_address(customer, "email")
    return "", ""


def _actor(case: Case) -> str:
    return f"customer:{case.reference}"


def request_code(*, reference: str) -> None:
    """Issue and send a code when ``reference`` is a case; otherwise do nothing. Returns nothing
    either way, so a caller cannot tell the two apart."""
    case = _case(reference)
    if case is None:
        return
    now = timezone.now()
    channel, address = _destination(case.customer)
    if not address or _live(case, now).count() >= MAX_LIVE_CODES:
        return
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.SAFEGUARD_TRACKING_CODE_MINUTES
    with transaction.atomic():
        TrackingCode.objects.create(
            case=case, code_hash=_hash(case, code), channel=channel, expires_at=now + timedelta(minutes=minutes)
        )
        audit.log(_actor(case), "tracking.code_sent", case, changes={"reference": case.reference, "channel": channel})
    try:
        _send(case, channel=channel, address=address, code=code, minutes=minutes)
    except Exception:
        # The customer sees the same answer and may ask again; operators see the failure.
        logger.exception("The tracking code for case %s could not be sent by %s.", case.pk, channel)


def _send(case: Case, *, channel: str, address: str, code: str, minutes: int) -> None:
    with translation.override(case.customer.preferred_language):
        values = {"reference": case.reference, "code": code, "minutes": minutes}
        body = (
            _(
                "Your one-time code to follow case %(reference)s is %(code)s. It is valid for %(minutes)d minutes. "
                "If you did not ask for it, you can ignore this message."
            )
            % values
        )
        if channel == TrackingCode.Channel.SMS:
            sms.send_sms(address, body)
        else:
            subject = _("Your code to follow case %(reference)s") % values
            send_mail(subject, body, None, [address])


def verify_code(*, reference: str, code: str) -> Case | None:
    """The case when ``code`` is a live code of it, else None (whatever was wrong)."""
    case = _case(reference)
    digits = normalise_code(code)
    if case is None or len(digits) != CODE_DIGITS:
        return None
    now = timezone.now()
    with transaction.atomic():
        live = list(_live(case, now).select_for_update().order_by("-created_at", "-id"))
        if not live:
            return None
        wanted = _hash(case, digits)
        match = next((c for c in live if hmac.compare_digest(c.code_hash, wanted)), None)
        if match is None:
            TrackingCode.objects.filter(pk__in=[c.pk for c in live]).update(attempts=F("attempts") + 1)
            audit.log(_actor(case), "tracking.code_refused", case, changes={"reference": case.reference})
            return None
        TrackingCode.objects.filter(pk=match.pk).update(used_at=now)
        TrackingCode.objects.filter(pk__in=[c.pk for c in live if c.pk != match.pk]).update(expires_at=now)
        audit.log(
            _actor(case), "tracking.verified", case, changes={"reference": case.reference, "channel": match.channel}
        )
    return case


# --- what the portal tells the customer ---------------------------------------------------

STATUS_LABELS: dict[str, Promise] = {
    Status.RECEIVED: gettext_lazy("We have received it"),
    Status.ACKNOWLEDGED: gettext_lazy("We have received it and will look into it"),
    Status.INVESTIGATING: gettext_lazy("We are looking into it"),
    Status.AWAITING_CUSTOMER: gettext_lazy("We are waiting for your reply"),
    Status.RESOLVED: gettext_lazy("We have sent you our final reply"),
    Status.CLOSED: pgettext_lazy("portal status", "Closed"),
    Status.WITHDRAWN: gettext_lazy("Withdrawn at your request"),
    Status.REFERRED: gettext_lazy("Referred to an ombudsman or the regulator"),
    Status.MERGED: gettext_lazy("Joined with your other complaint about the same matter"),
}

_MILESTONE_LABELS: dict[str, Promise] = {
    "first_response": gettext_lazy("Our first reply"),
    "final_response": gettext_lazy("Our final reply"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@dataclass(frozen=True)
class ExpectedDate:
    """A date the customer can expect something, for the confirmation and tracking pages."""

    milestone: str
    label: str
    due_at: datetime
    met_at: datetime | None
    # Calendar days from receipt to the due date, in the institution's zone.
    days: int


def expected_dates(case: Case, milestones: Iterable[CaseMilestone]) -> dict[str, ExpectedDate]:
    """The first and final reply dates of ``case`` (receipt is the acknowledgement: not shown)."""
    received = timezone.localdate(case.received_at)
    found: dict[str, ExpectedDate] = {}
    for row in milestones:
        if row.milestone in _MILESTONE_LABELS:
            found[row.milestone] = ExpectedDate(
                milestone=row.milestone,
                label=str(_MILESTONE_LABELS[row.milestone]),
                due_at=row.due_at,
                met_at=row.met_at,
                days=(timezone.localdate(row.due_at) - received).days,
            )
    return found

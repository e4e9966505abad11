"""E-mail in: a stored raw message (``InboundItem``, from ``intake_smtp`` or ``intake_imap``)
becomes a new case or a message on the case it answers. See ``docs/email.md``.

* Loops never open a case or trigger a reply: auto-replies (``Auto-Submitted``, ``Precedence``,
  ``X-Autoreply`` ...), bounces and reports (an empty return path, ``MAILER-DAEMON``,
  ``multipart/report``), mailing lists (``List-Id``), mail from our own addresses and our own
  letters coming back raise ``inbound.Ignore``.
* Threading: a mail joins a case when it answers one of *our* messages (``In-Reply-To`` /
  ``References`` holds the Message-ID of a letter or reply we sent), or when its sender's address
  is the case customer's (blind index) and it names the case, by a Message-ID of an earlier mail on
  the case or by the reference in the subject (``CMP-2026-000123``, also in 【】 or []). A
  stranger quoting a reference opens a case of their own and cannot write into someone else's.
* The body is the text/plain part; HTML-only mail is turned into text; the HTML itself is never
  stored. Reading the raw message (charsets, HTML, attachments, loop signs) is ``mailparse``.
* Attachments (inline images too) are stored after the usual checks; one that fails them (type,
  size, count) is skipped and an internal note says which and why: the raw message in the
  inbound item still holds it, so nothing is lost.
* The received time is the item's (when our server or mailbox got the mail), never the ``Date``
  header, which the sender writes; the header is kept in the item's headers and on the event.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from email.utils import getaddresses
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from safeguard.cases import services as cases
from safeguard.cases.models import Attachment, Case, CaseLink, Channel, Message
from safeguard.core.errors import InvalidInput
from safeguard.customers import crypto
from safeguard.customers.rules import MAX_NAME, clean_email
from safeguard.customers.selectors import find_customer
from safeguard.intake import mailparse
from safeguard.intake.inbound import Ignore
from safeguard.intake.mailparse import MESSAGE_ID_MAX, ParsedMail, parse, references_in
from safeguard.intake.models import InboundItem
from safeguard.intake.services import submit

log = logging.getLogger(__name__)

# ``Case.external_source`` of cases opened by e-mail; ``external_reference`` is the first mail's
# Message-ID. Not a webhook source code (those are slugs, without ":"), so they never collide.
EXTERNAL_SOURCE = "email:message-id"
EXTERNAL_REFERENCE_MAX = 120
SUBJECT_MAX = 200
# A description or message longer than this is cut; the raw message keeps the whole text.
MAX_TEXT = 100_000
# Follow at most this many merges from a case a reply names to the case that survived.
MAX_MERGE_HOPS = 5


def own_addresses() -> list[str]:
    """Our own addresses: mail from them is a loop."""
    found = [*settings.SAFEGUARD_INTAKE_ADDRESSES, settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL]
    return [addr for _name, addr in getaddresses([a for a in found if a]) if "@" in addr]


# --- processing -----------------------------------------------------------------------------


def process_item(item: InboundItem, payload: bytes) -> Case | Message:
    """Turn a stored e-mail into a new case or a message on the case it answers; runs inside
    ``inbound.process``'s transaction. Raises ``Ignore`` for loops and machine-made mail."""
    mail = parse(payload, own_addresses=own_addresses(), null_sender=bool(item.headers.get("null_sender")))
    if mail.loop_reason:
        raise Ignore(mail.loop_reason)
    if mail.message_id and _ours(mail.message_id).exists():
        raise Ignore(_("One of our own messages came back."))
    email_index = _email_index(mail.sender)
    if email_index is None:
        raise InvalidInput(_("The message has no valid sender address (From)."), field="from")
    seen = _already_recorded(mail, email_index)
    if seen is not None:
        return seen
    case, trusted_reply_to_ours = _thread(mail, email_index)
    if case is not None and trusted_reply_to_ours and mailparse.AUTO_REPLY_SUBJECT.match(mail.subject):
        raise Ignore(_("Automatic reply to one of our letters (subject)."))
    stored: list[Attachment] = []
    try:
        if case is not None:
            return _add_reply(case, mail, item, stored)
        return _open_case(mail, item, email_index, stored)
    except BaseException:
        # The transaction rolls the rows back; the stored bytes must go too.
        cases.discard_files(stored)
        raise


def _email_index(address: str) -> str | None:
    if not address:
        return None
    try:
        cleaned = clean_email(address)
    except InvalidInput:
        return None
    return crypto.blind_index(cleaned, field="email") if cleaned else None


def _variants(mids: Iterable[str]) -> list[str]:
    """Message-IDs as we may have stored them: with and without the angle brackets."""
    out: list[str] = []
    for mid in mids:
        bare = mid.strip().strip("<>")
        out += [f"<{bare}>"[:MESSAGE_ID_MAX], bare[:MESSAGE_ID_MAX]]
    return out


def _reference_key(mid: str) -> str:
    """The first mail's Message-ID as ``Case.external_reference`` (120 characters: a longer one
    is kept as its hash)."""
    if len(mid) <= EXTERNAL_REFERENCE_MAX:
        return mid
    return "sha256:" + hashlib.sha256(mid.encode()).hexdigest()


def first_message_id(case: Case) -> str:
    """The Message-ID of the mail that opened ``case`` ("" if it was not opened by e-mail or the
    ID was too long to keep): the letters we send thread under it."""
    if case.external_source == EXTERNAL_SOURCE and case.external_reference.startswith("<"):
        return case.external_reference
    return ""


def _ours(mid: str) -> Any:
    return Message.objects.filter(external_id__in=_variants([mid]), direction=Message.Direction.OUTBOUND)


def _already_recorded(mail: ParsedMail, email_index: str) -> Case | Message | None:
    """The case or message this very mail made before (the same Message-ID delivered again, by
    another route or after the mailbox was rebuilt), when it came from the same sender."""
    if not mail.message_id:
        return None
    message = (
        Message.objects.filter(external_id__in=_variants([mail.message_id]), direction=Message.Direction.INBOUND)
        .select_related("case__customer")
        .first()
    )
    if message is not None and message.case.customer.email_index == email_index:
        return message
    case = (
        Case.objects.filter(external_source=EXTERNAL_SOURCE, external_reference=_reference_key(mail.message_id))
        .select_related("customer")
        .first()
    )
    if case is not None and case.customer.email_index == email_index:
        return case
    return None


def _thread(mail: ParsedMail, email_index: str) -> tuple[Case | None, bool]:
    """The case this mail answers and whether it answers one of our messages; see the module
    docstring for when a mail may join a case."""
    ids = mail.thread_ids
    if ids:
        variants = _variants(ids)
        ours = (
            Message.objects.filter(external_id__in=variants, direction=Message.Direction.OUTBOUND)
            .select_related("case")
            .order_by("-created_at", "-id")
            .first()
        )
        if ours is not None:
            return _surviving(ours.case), True
        theirs = Message.objects.filter(external_id__in=variants, direction=Message.Direction.INBOUND).select_related(
            "case__customer"
        )
        for message in theirs.order_by("-created_at", "-id")[:20]:
            if message.case.customer.email_index == email_index:
                return _surviving(message.case), False
        keys = [_reference_key(v) for v in variants]
        for case in Case.objects.filter(external_source=EXTERNAL_SOURCE, external_reference__in=keys).select_related(
            "customer"
        ):
            if case.customer.email_index == email_index:
                return _surviving(case), False
    refs = references_in(mail.subject)
    if refs:
        for case in Case.objects.filter(reference__in=refs).select_related("customer").order_by("-received_at"):
            if case.customer.email_index == email_index:
                return _surviving(case), False
    return None, False


def _surviving(case: Case) -> Case:
    """The case a merged one was merged into (both timelines stay; replies go to the survivor)."""
    for _hop in range(MAX_MERGE_HOPS):
        link = CaseLink.objects.filter(case=case, kind=CaseLink.Kind.MERGED_INTO).select_related("other").first()
        if link is None:
            break
        case = link.other
    return case


def _event_data(mail: ParsedMail, item: InboundItem) -> dict[str, Any]:
    data: dict[str, Any] = {"inbound_item": item.pk}
    if mail.date:
        data["date_header"] = mail.date[:100]
    return data


def _text(mail: ParsedMail) -> str:
    text = mail.text or mail.subject
    if not text.strip():
        text = _("(The e-mail has no text.)")
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + "\n\n" + _("[Cut here; the whole text is in the original e-mail.]")
    return text


def _add_reply(case: Case, mail: ParsedMail, item: InboundItem, stored: list[Attachment]) -> Message:
    message = cases.add_message(
        case=case,
        by=None,
        direction=Message.Direction.INBOUND,
        channel=Channel.EMAIL,
        subject=mail.subject[:SUBJECT_MAX],
        body=_text(mail),
        external_id=mail.message_id[:MESSAGE_ID_MAX],
        data=_event_data(mail, item),
    )
    _store_attachments(case, mail, item, stored, message=message)
    return message


def _open_case(mail: ParsedMail, item: InboundItem, email_index: str, stored: list[Attachment]) -> Case:
    customer = find_customer(email=mail.sender)
    name = mail.sender_name or mail.sender.split("@", 1)[0]
    fields: dict[str, Any] = {
        "by": None,
        "channel": Channel.EMAIL,
        "type": "complaint",
        "name": name[:MAX_NAME],
        "email": mail.sender,
        "subject": mail.subject[:SUBJECT_MAX],
        "description": _text(mail),
        "received_at": item.received_at,
        "customer": customer,
        "preferred_channel": "email",
        "preferred_language": "zh-hans" if _has_cjk(mail.subject + mail.text) else "en",
    }
    if mail.message_id:
        fields |= {"external_source": EXTERNAL_SOURCE, "external_reference": _reference_key(mail.message_id)}
    try:
        with transaction.atomic():
            case = submit(**fields)
    except IntegrityError:
        if not mail.message_id:
            raise
        # The same Message-ID raced in by another route, or reused by another sender: the first
        # case when it is this sender's, else a case of its own without the key.
        seen = _already_recorded(mail, email_index)
        if isinstance(seen, Case):
            return seen
        fields |= {"external_source": "", "external_reference": ""}
        case = submit(**fields)
    _store_attachments(case, mail, item, stored)
    return case


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def _store_attachments(
    case: Case, mail: ParsedMail, item: InboundItem, stored: list[Attachment], *, message: Message | None = None
) -> None:
    """Store each attachment that passes the checks; note the ones that do not, with why."""
    limit = settings.SAFEGUARD_EMAIL_MAX_ATTACHMENTS
    skipped: list[str] = []
    for index, part in enumerate(mail.attachments):
        if index >= limit:
            skipped.append(
                _("“%(name)s”: more than %(max)d files in one e-mail.") % {"name": part.filename, "max": limit}
            )
            continue
        upload = SimpleUploadedFile(part.filename, part.data, content_type=part.content_type)
        try:
            cases.check_upload(upload)
        except InvalidInput as exc:
            skipped.append(exc.detail)
            continue
        stored.append(
            cases.add_attachment(case=case, by=None, file=upload, source=Attachment.Source.EMAIL, message=message)
        )
    if skipped:
        note = _(
            "Attachments of the e-mail that were not accepted (the original e-mail, inbound item "
            "%(item)s, still holds them):"
        ) % {"item": item.pk}
        cases.add_note(case=case, by=None, body="\n".join([note, *(f"- {line}" for line in skipped)]))

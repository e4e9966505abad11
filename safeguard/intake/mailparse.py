"""Reading raw e-mail, with no database: charsets, headers, the text (HTML made safe text),
attachments, and the signs of machine-made mail and loops. ``intake.email`` processes the result.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import policy
from email.header import decode_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses
from typing import Any

from bs4 import BeautifulSoup, Comment
from django.utils.translation import gettext as _

from safeguard.cases.models import REFERENCE_PREFIX
from safeguard.cases.services.attachments import display_name

log = logging.getLogger(__name__)

MESSAGE_ID_MAX = 255

# --- decoding -------------------------------------------------------------------------------

# Labels senders use for a charset whose superset decodes more of what they really send.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "utf8": "utf-8",
}
_GUESSES = ("utf-8", "gb18030", "big5hkscs")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes in the charset the sender named, forgivingly: a label is read as its
    superset (GB2312 as GB18030), an unknown or wrong label falls back to UTF-8, GB18030 and Big5
    in turn, and what still does not decode becomes U+FFFD rather than an error."""
    label = (charset or "").strip().strip('"').lower()
    tried: list[str] = []
    for candidate in ([_CHARSET_ALIASES.get(label, label)] if label else []) + list(_GUESSES):
        if candidate in tried:
            continue
        tried.append(candidate)
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header_value(value: str | None) -> str:
    """A header as text: RFC 2047 encoded words decoded (``=?GB2312?B?...?=``, also mislabelled
    ones), raw 8-bit bytes (UTF-8 or GB18030 sent unencoded) recovered, folding undone."""
    if not value:
        return ""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        # Raw 8-bit header bytes kept by the parser as surrogate escapes.
        text = decode_bytes(text.encode("utf-8", "surrogateescape"))
    text = re.sub(r"\r?\n[ \t]*", " ", text)
    try:
        chunks = decode_header(text)
    except Exception:  # a malformed encoded word: keep the text as it came
        return " ".join(text.split())
    parts: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        elif charset is None:
            # decode_header hands back the text between encoded words this way.
            parts.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            parts.append(decode_bytes(chunk, charset))
    joined = "".join(parts) if len(chunks) > 1 else (parts[0] if parts else "")
    return " ".join(joined.split())


def _raw_header(msg: EmailMessage, name: str) -> str:
    """The first ``name`` header as it stood in the message (no policy parsing)."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _raw_headers(msg: EmailMessage, name: str) -> list[str]:
    return [str(value) for key, value in msg.raw_items() if key.lower() == name.lower()]


# --- HTML -----------------------------------------------------------------------------------

_DROP = ("script", "style", "head", "title", "noscript", "template", "iframe", "object", "embed", "svg", "math")
# Blocks that start a new paragraph (a blank line) and those that only start a new line.
_PARAGRAPHS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "dl", "pre", "hr")
_LINES = ("div", "li", "tr", "dt", "dd", "section", "article", "header", "footer", "address", "form", "fieldset")
# Stand-ins for breaks while the HTML's own whitespace is collapsed.
_LINE, _PARAGRAPH, _BR = "\x00", "\x01", "\x02"
_BREAKS = re.compile(r"[ ]*([\x00\x01\x02][ \x00\x01\x02]*)")


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML mail body. Scripts, styles, comments and embedded
    objects are dropped; block elements start new lines (paragraphs and lists leave a blank line),
    ``<br>`` breaks a line, table cells are separated by spaces, and the source's own line breaks
    count as spaces, as in a browser. Tags never survive (the text is escaped wherever shown)."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for br in soup.find_all("br"):
        br.replace_with(_BR)
    for cell in soup.find_all(("td", "th")):
        cell.insert_after(" ")
    for tags, mark in ((_PARAGRAPHS, _PARAGRAPH), (_LINES, _LINE)):
        for block in soup.find_all(tags):
            block.insert_before(mark)
            block.insert_after(mark)
    text = re.sub(r"[ \t\r\n\f]+", " ", soup.get_text())
    text = _BREAKS.sub(_break, text)
    return tidy_text(text)


def _break(found: re.Match[str]) -> str:
    run = found.group(1)
    return "\n\n" if _PARAGRAPH in run or run.count(_BR) > 1 else "\n"


def tidy_text(text: str) -> str:
    """Line endings unified, spaces inside lines collapsed, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").replace("\u200b", "")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


# --- parsing --------------------------------------------------------------------------------

_MSGID = re.compile(r"<([^<>\s]+)>")
# CMP-2026-000123, also written in lower case, in full-width forms or inside 【】 / [].
_REFERENCE = re.compile(
    r"(?<![A-Za-z0-9])(" + "|".join(sorted(REFERENCE_PREFIX.values())) + r")-(\d{4})-(\d{6,9})(?![0-9])",
    re.IGNORECASE,
)
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|自动回复|自動回覆|自动答复)\s*[:：]",
    re.IGNORECASE,
)
_AUTO_HEADERS = (
    "X-Autoreply",
    "X-Autorespond",
    "X-Autoresponder",
    "X-AutoReply-From",
    "X-Mail-Autoreply",
    "X-Autogenerated",
)
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_SYSTEM_SENDERS = {"mailer-daemon", "postmaster"}


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs in a header (``<a@b> <c@d>``), each as ``<id>``, in order, once each."""
    found: list[str] = []
    for mid in _MSGID.findall(value or ""):
        token = f"<{mid}>"
        if token not in found:
            found.append(token)
    return found


def references_in(subject: str) -> list[str]:
    """Case references named in a subject (``Re: 【CMP-2026-000123】``), normalised."""
    text = unicodedata.normalize("NFKC", subject or "")
    found: list[str] = []
    for prefix, year, number in _REFERENCE.findall(text):
        ref = f"{prefix.upper()}-{year}-{number}"
        if ref not in found:
            found.append(ref)
    return found


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    sender: str
    sender_name: str
    subject: str
    text: str
    date: str
    attachments: tuple[MailAttachment, ...] = ()
    # Why this mail must open nothing (an auto-reply, a bounce, ...); "" for a person's mail.
    loop_reason: str = ""

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, the one it replies to first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


def parse_message(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def parse(raw: bytes, *, own_addresses: Iterable[str] = (), null_sender: bool = False) -> ParsedMail:
    """Everything processing needs from a raw message; pure (no database)."""
    msg = parse_message(raw)
    sender_name, sender = _sender(msg)
    subject = decode_header_value(_raw_header(msg, "Subject"))
    body_parts = _body_parts(msg)
    texts = [_part_text(part) for part in body_parts]
    attachments = tuple(_attachments(msg, body_parts))
    return ParsedMail(
        message_id=(message_ids(_raw_header(msg, "Message-ID")) or [""])[0],
        in_reply_to=tuple(message_ids(_raw_header(msg, "In-Reply-To"))),
        references=tuple(mid for value in _raw_headers(msg, "References") for mid in message_ids(value)),
        sender=sender,
        sender_name=sender_name,
        subject=subject,
        text=tidy_text("\n\n".join(t for t in texts if t.strip())),
        date=" ".join(_raw_header(msg, "Date").split()),
        attachments=attachments,
        loop_reason=loop_reason(msg, sender=sender, own_addresses=own_addresses, null_sender=null_sender),
    )


def _sender(msg: EmailMessage) -> tuple[str, str]:
    """(display name, address) of the first From address; ("", "") when there is none."""
    decoded = decode_header_value(_raw_header(msg, "From"))
    for name, addr in getaddresses([decoded]):
        if "@" in addr:
            return name.strip().strip('"'), addr.strip()
    return "", ""


def loop_reason(msg: EmailMessage, *, sender: str, own_addresses: Iterable[str] = (), null_sender: bool = False) -> str:
    """Why this message is machine-made or ours and must open nothing; "" when a person wrote it."""
    own = {a.strip().lower() for a in own_addresses if a and a.strip()}
    return_path = _raw_header(msg, "Return-Path").strip()
    if null_sender or return_path.replace(" ", "") == "<>":
        return _("Bounce or report (empty return path).")
    if msg.get_content_type() == "multipart/report":
        return _("Delivery or read report (multipart/report).")
    if _raw_header(msg, "X-Failed-Recipients"):
        return _("Bounce (X-Failed-Recipients).")
    auto_submitted = _raw_header(msg, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return _("Automatic mail (Auto-Submitted: %(value)s).") % {"value": auto_submitted[:60]}
    precedence = _raw_header(msg, "Precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return _("Automatic or bulk mail (Precedence: %(value)s).") % {"value": precedence}
    for name in _AUTO_HEADERS:
        if _raw_header(msg, name):
            return _("Automatic reply (%(header)s).") % {"header": name}
    suppress = _raw_header(msg, "X-Auto-Response-Suppress").lower()
    if any(word in suppress for word in ("all", "autoreply", "oof")):
        return _("Automatic reply (X-Auto-Response-Suppress).")
    if _raw_header(msg, "List-Id"):
        return _("Mailing-list mail (List-Id).")
    local = sender.rsplit("@", 1)[0].lower()
    if local in _SYSTEM_SENDERS:
        return _("Mail from a mail system (%(sender)s).") % {"sender": local}
    if sender.lower() in own:
        return _("Mail from our own address.")
    for loop in _raw_headers(msg, "X-Loop"):
        if any(addr.lower() in own for _name, addr in getaddresses([loop])):
            return _("Mail loop (X-Loop names our address).")
    return ""


def _is_attachment(part: EmailMessage) -> bool:
    return part.get_content_disposition() == "attachment" or bool(part.get_filename())


def _body_parts(part: EmailMessage) -> list[EmailMessage]:
    """The parts that make up the text of the mail: one rendering of each alternative (plain
    text preferred), the root of a multipart/related, every inline text part of a mixed one."""
    if part.get_content_maintype() == "multipart":
        children = [p for p in part.iter_parts() if isinstance(p, EmailMessage)]
        subtype = part.get_content_subtype()
        if subtype == "alternative":
            rendered = [(child, _body_parts(child)) for child in children if not _is_attachment(child)]
            plain = [bp for child, bp in rendered if child.get_content_type() == "text/plain" and _has_text(bp)]
            if plain:
                return plain[-1]
            others = [bp for _child, bp in rendered if _has_text(bp)]
            return others[-1] if others else []
        if subtype == "related":
            return _body_parts(children[0]) if children else []
        if subtype in ("report", "signed", "encrypted"):
            return _body_parts(children[0]) if children else []
        found: list[EmailMessage] = []
        for child in children:
            if not _is_attachment(child):
                found.extend(_body_parts(child))
        return found
    if part.get_content_type() in ("text/plain", "text/html") and not _is_attachment(part):
        return [part]
    return []


def _has_text(parts: Sequence[EmailMessage]) -> bool:
    return any(_part_text(p).strip() for p in parts)


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    text = decode_bytes(data, part.get_content_charset())
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return tidy_text(text)


def _attachments(msg: EmailMessage, body_parts: Sequence[EmailMessage]) -> list[MailAttachment]:
    """Every leaf part that is not the text: files, inline images, attached messages (as .eml)."""
    body = {id(p) for p in body_parts}
    found: list[MailAttachment] = []

    def visit(part: EmailMessage) -> None:
        if id(part) in body:
            return
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            data = inner_msg.as_bytes(policy=policy.SMTP) if isinstance(inner_msg, EmailMessage) else b""
            found.append(_attachment(part, ctype, data, len(found)))
            return
        if part.get_content_maintype() == "multipart":
            payload = part.get_payload()
            for child in payload if isinstance(payload, list) else []:
                if isinstance(child, EmailMessage):
                    visit(child)
            return
        if ctype in ("text/plain", "text/html") and not _is_attachment(part):
            return  # the other rendering of an alternative
        if ctype in ("message/delivery-status", "message/disposition-notification"):
            return
        payload = part.get_payload(decode=True)
        found.append(_attachment(part, ctype, payload if isinstance(payload, bytes) else b"", len(found)))

    visit(msg)
    return found


def _attachment(part: EmailMessage, ctype: str, data: bytes, index: int) -> MailAttachment:
    try:
        name = part.get_filename() or ""
    except Exception:  # a malformed RFC 2231 parameter
        name = ""
    name = decode_header_value(name)
    if not name:
        ext = ".eml" if ctype == "message/rfc822" else (mimetypes.guess_extension(ctype) or ".bin")
        name = f"attachment-{index + 1}{ext}"
    return MailAttachment(filename=display_name(name), content_type=ctype, data=data)


def protocol_headers(raw: bytes, *, null_sender: bool = False) -> dict[str, Any]:
    """What a receiver keeps in ``InboundItem.headers``: protocol metadata naming nobody (no
    addresses, no subject). Never raises: a message it cannot read is still stored."""
    headers: dict[str, Any] = {"size": len(raw)}
    if null_sender:
        headers["null_sender"] = True
    try:
        msg = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        mid = message_ids(msg.get("Message-ID", ""))
        if mid:
            headers["message_id"] = mid[0][:MESSAGE_ID_MAX]
        for name, key in (("Date", "date"), ("Auto-Submitted", "auto_submitted"), ("Precedence", "precedence")):
            value = msg.get(name)
            if value:
                headers[key] = " ".join(str(value).split())[:200]
        headers["content_type"] = msg.get_content_type()
    except Exception:
        log.warning("could not read the headers of an inbound message", exc_info=True)
    return headers


def external_id(raw: bytes) -> str:
    """The id a second delivery of the same message is recognised by: its Message-ID, or, when
    it has none, the SHA-256 of its bytes."""
    mid = protocol_headers(raw).get("message_id")
    return str(mid) if mid else "sha256:" + hashlib.sha256(raw).hexdigest()

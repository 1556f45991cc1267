"""Reading what came back, whatever its shape: headers decoded whatever their charset,
the readable text of a message without the copy of the original it quotes, and what
ties a report to the message we sent (its Message-ID and our recipient ids).

Everything here tolerates broken MIME: an unknown charset is read as Latin-1 (every byte
is a character there), a bad encoded word is kept as written, a part that cannot be
decoded counts as empty."""

from __future__ import annotations

import email.errors
import email.header
import email.utils
import re
from email.message import Message

from conferral.delivery.message import verp_public_id

# A recipient's public id (conferral.core.ids): url-safe base64.
_PUBLIC_ID = r"[A-Za-z0-9_-]{8,32}"
_CONFERRAL_RECIPIENT = re.compile(rf"^X-Conferral-Recipient:[ \t]*({_PUBLIC_ID})\s*$", re.M | re.I)
_MESSAGE_ID_LINE = re.compile(r"^Message-ID:[ \t]*(<[^<>\s]+>)", re.M | re.I)
# Our Message-IDs: <random hex.recipient public id@domain>.
_OUR_MESSAGE_ID = re.compile(rf"<[0-9a-f]{{16}}\.({_PUBLIC_ID})@[^<>\s]+>")
_VERP = re.compile(rf"bounces\+{_PUBLIC_ID}@[A-Za-z0-9.-]+", re.I)
_TAG = re.compile(r"<[^>]*>")
_ENVELOPE_HEADERS = ("to", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to")


def header(message: Message, name: str) -> str:
    """A header's value as text, encoded words decoded, folded lines joined."""
    value = message.get(name)
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    try:
        decoded = str(email.header.make_header(email.header.decode_header(value)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        decoded = str(value)
    return " ".join(decoded.split())


def address(value: str) -> str:
    """The bare address of a header value or DSN field ("rfc822; a@b", "Ann <a@b>")."""
    if ";" in value and "@" not in value.partition(";")[0]:
        value = value.partition(";")[2]
    return email.utils.parseaddr(value.strip())[1].strip().strip("<>")


def decoded(part: Message) -> str:
    """A leaf part's content as text, whatever its transfer encoding and charset."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except (LookupError, UnicodeError):
        return payload.decode("latin-1")


def readable_text(message: Message) -> str:
    """The message's own words: its text parts (HTML with the tags taken out), without
    the quoted original message or the machine-readable parts of a report."""
    texts: list[str] = []
    _collect(message, texts)
    return "\n".join(texts)


def _collect(part: Message, texts: list[str]) -> None:
    kind = part.get_content_type()
    if kind in ("message/rfc822", "text/rfc822-headers", "message/delivery-status"):
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _collect(sub, texts)
        return
    if kind == "text/html":
        texts.append(" ".join(_TAG.sub(" ", decoded(part)).split()))
    elif part.get_content_maintype() == "text" or kind == "message/feedback-report":
        texts.append(decoded(part))


def quoted_original(message: Message) -> str:
    """The headers of the original message a report quotes, as text (a message/rfc822
    or text/rfc822-headers part), or "" when there is none."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            return decoded(part)
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return "".join(f"{name}: {value}\n" for name, value in inner[0].items())
            return inner if isinstance(inner, str) else ""
    return ""


def original_message_id(message: Message, body: str) -> str:
    """The Message-ID of the message that came back: one of ours anywhere in the quoted
    original or the text (then it is certain), else the quoted original's own."""
    quoted = quoted_original(message)
    for text in (quoted, body):
        ours = _OUR_MESSAGE_ID.search(text)
        if ours:
            return ours.group(0)
    found = _MESSAGE_ID_LINE.search(quoted)
    return found.group(1) if found else ""


def recipient_ids(message: Message, body: str) -> list[str]:
    """Our recipient public ids the message carries: the X-Conferral-Recipient of the
    quoted original, the id in our Message-ID and in the VERP return path it was sent
    to, first seen first."""
    quoted = quoted_original(message)
    found = [
        match.group(1) for text in (quoted, body) for match in _CONFERRAL_RECIPIENT.finditer(text)
    ]
    found += [match.group(1) for text in (quoted, body) for match in _OUR_MESSAGE_ID.finditer(text)]
    for name in _ENVELOPE_HEADERS:
        for match in _VERP.finditer(header(message, name)):
            public_id = verp_public_id(match.group(0))
            if public_id:
                found.append(public_id)
    return list(dict.fromkeys(found))

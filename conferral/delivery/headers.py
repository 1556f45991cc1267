"""Fast, correct RFC 5322 / RFC 2047 header values for the message builder.

Plain ASCII stays readable; anything else becomes UTF-8 "B" encoded-words of at most 75
characters, folded onto continuation lines, so a name in any script (or with HTML in it)
arrives intact and can never inject a header."""

from __future__ import annotations

import base64
import re

ENCODED_WORD_MAX_BYTES = 45  # 45 bytes -> 60 base64 characters -> a 72-character word
PLAIN_HEADER_MAX = 900  # well under the 998-character line limit of RFC 5322
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_PHRASE_SAFE = re.compile(r"[A-Za-z0-9 !#$%&'*+\-/=?^_`{|}~.]*")


def clean(value: str) -> str:
    """One line of text: control characters (CR and LF included) become one space."""
    if value.isprintable():  # the common case, without a regex
        return value.strip()
    return _CONTROL.sub(" ", value).strip()


def encoded_words(value: str) -> str:
    """`value` as UTF-8 B encoded-words, folded with CRLF + space between words."""
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for char in value:
        width = len(char.encode())
        if size + width > ENCODED_WORD_MAX_BYTES and chunk:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    if chunk:
        words.append("".join(chunk))
    return "\r\n ".join(
        "=?utf-8?b?" + base64.b64encode(word.encode()).decode("ascii") + "?=" for word in words
    )


def unstructured(value: str) -> str:
    """A Subject-like header value."""
    value = clean(value)
    if value.isascii() and len(value) <= PLAIN_HEADER_MAX and "=?" not in value:
        return value
    return encoded_words(value)


def display_name(value: str) -> str:
    """A display name for From / To: an atom phrase, a quoted string or encoded-words."""
    value = clean(value)
    if not value:
        return ""
    if not value.isascii() or "=?" in value:
        return encoded_words(value)
    if _PHRASE_SAFE.fullmatch(value) and "." not in value:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def address(value: str) -> str:
    """An address with an internationalised domain in its ASCII (IDNA) form."""
    local, _at, domain = value.rpartition("@")
    if domain and not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}" if local else value


def mailbox(name: str, email: str) -> str:
    """`Name <address>` (or the bare address when there is no name)."""
    phrase = display_name(name)
    return f"{phrase} <{address(email)}>" if phrase else f"<{address(email)}>"


def unencoded_mailbox(name: str, email: str) -> str:
    """`Name <address>` for APIs that encode headers themselves (Django's EmailMessage,
    email providers): the name stays in its own script, quoted when it has specials."""
    name = clean(name)
    if not name:
        return email
    if any(char in name for char in '()<>[]:;@\\,."'):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{email}>"

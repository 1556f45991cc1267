"""A rendered template cut at its slots, filled in as text and as quoted-printable, and
the signed links that fill some of the slots.

Each message has a text and an HTML part, quoted-printable encoded. Encoding each whole
part anew cost about 27 µs a part (`binascii.b2a_qp`, most of the template the same for
every recipient). Here the template's literal pieces are encoded once, and each message
encodes only its values: the pieces and the values are joined with soft line breaks
(`=` CRLF, RFC 2045 6.7 rule 5), which decoding removes, so the part decodes to exactly
the filled-in text, with no line longer than 76 characters."""

from __future__ import annotations

import binascii
from collections.abc import Callable

from conferral.certificates.models import Recipient
from conferral.core import signing

SLOT = "\x00"
QP_LINE = 76  # characters a quoted-printable line may hold, its soft break's "=" included
SOFT_BREAK = b"=\r\n"


def qp(text: str) -> bytes:
    """Quoted-printable of CRLF text: 7-bit lines of at most 76 characters. (b2a_qp ends
    its soft line breaks as the text's first line ends: a text of one line is given a
    CRLF to learn it from, taken off again.)"""
    data = text.encode()
    if b"\n" in data:
        return binascii.b2a_qp(data, istext=True)
    return binascii.b2a_qp(data + b"\r\n", istext=True)[:-2]


def _open_end(encoded: bytes) -> bytes:
    """`encoded` with a soft line break after it, unless it ends a line already. A last
    line too long to take the "=" is broken once more before its last character (or
    before the escape it ends with)."""
    if not encoded or encoded.endswith(b"\n"):
        return encoded
    line_start = encoded.rfind(b"\n") + 1
    if len(encoded) - line_start < QP_LINE:
        return encoded + SOFT_BREAK
    cut = len(encoded) - 3 if encoded[-3:-2] == b"=" else len(encoded) - 1
    return encoded[:cut] + SOFT_BREAK + encoded[cut:] + SOFT_BREAK


class SlotFormat:
    """`rendered` holds each slot's key between two SLOT characters; `keys` is the
    template's list of keys, shared by its parts (a new key is appended). `format(values)`
    fills the slots in; `qp(values)` gives the same text quoted-printable encoded. With
    `crlf`, the literal text's line endings become CRLF."""

    def __init__(self, rendered: str, keys: list[str], crlf: bool) -> None:
        pieces = rendered.split(SLOT)
        out: list[str] = []
        literals: list[str] = []
        self.slots: list[int] = []
        for index, piece in enumerate(pieces):
            if index % 2:
                if piece not in keys:
                    keys.append(piece)
                self.slots.append(keys.index(piece))
                out.append(f"{{{keys.index(piece)}}}")
            else:
                literal = piece.replace("\r\n", "\n")
                if crlf:
                    literal = literal.replace("\n", "\r\n")
                literals.append(literal)
                out.append(literal.replace("{", "{{").replace("}", "}}"))
        self.fmt = "".join(out)
        self.has_slots = len(pieces) > 1
        # Each literal but the last is followed by a value, so it ends open.
        self._literals = [_open_end(qp(text)) for text in literals[:-1]]
        self._last = qp(literals[-1])

    def format(self, values: list[str]) -> str:
        return self.fmt.format(*values)

    def qp(self, values: list[str]) -> bytes:
        parts: list[bytes] = []
        for literal, slot in zip(self._literals, self.slots, strict=True):
            parts.append(literal)
            parts.append(_open_end(qp(values[slot])))
        parts.append(self._last)
        return b"".join(parts)


class SignedLink:
    """A tracking link maker as fast as a format call. `links.click_url` and friends
    resolve a URL pattern each time (~100 µs); here the link is built once for a probe
    recipient and cut at its id and signature. The cut is checked against the real
    function for a second probe, and if the link's shape ever changes, the real function
    is used for every recipient instead."""

    PROBES = ("PROBEaaaaaaaaaaaaa1", "PROBEbbbbbbbbbbbbb2")

    def __init__(self, make: Callable[[Recipient], str], purpose: str) -> None:
        self.make = make
        self.purpose = purpose
        self.fmt: str | None = None
        probe, check = self.PROBES
        url = make(Recipient(public_id=probe))
        sig = signing.sign(purpose, probe)
        if url.count(probe) == 1 and url.count(sig) == 1:
            escaped = url.replace("{", "{{").replace("}", "}}")
            self.fmt = escaped.replace(probe, "{0}").replace(sig, "{1}")
            if self(Recipient(public_id=check)) != make(Recipient(public_id=check)):
                self.fmt = None

    def __call__(self, recipient: Recipient) -> str:
        if self.fmt is None:
            return self.make(recipient)
        public_id = recipient.public_id
        return self.fmt.format(public_id, signing.sign(self.purpose, public_id))

"""Random public identifiers and secrets. Public ids are never primary keys."""

from __future__ import annotations

import base64
import re
import secrets

# Crockford's base32: no I, L, O or U, so a token typed by hand is hard to mistype.
TOKEN_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # noqa: S105 (an alphabet)
TOKEN_GROUPS = 4
TOKEN_GROUP_LEN = 4
_PUBLIC_ID_BYTES = 12
_TYPO_MAP = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
# Each random byte picks one of the 32 letters: 256 is a multiple of 32, so every letter
# is equally likely and each carries 5 bits.
_BYTE_TO_LETTER = bytes.maketrans(
    bytes(range(256)), bytes(ord(TOKEN_ALPHABET[b % 32]) for b in range(256))
)


def public_id() -> str:
    """A 16-character url-safe random id (about 96 bits). It never starts with "-", so a
    command line (`conferral send ID`) cannot take it for an option."""
    return _not_an_option(secrets.token_urlsafe(_PUBLIC_ID_BYTES))


def public_ids(count: int) -> list[str]:
    """`count` public ids at once, for bulk imports: one read of the system's random
    source (`secrets`) split into 12-byte pieces, each encoded exactly as
    `secrets.token_urlsafe(12)` encodes its own 12 bytes (12 bytes are 16 characters of
    url-safe base64, so the pieces never share a character)."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(_PUBLIC_ID_BYTES * count)).decode()
    width = _PUBLIC_ID_BYTES * 4 // 3
    drawn = [text[i : i + width] for i in range(0, len(text), width)]
    # Only the ids that start with "-" (one in 64) are looked at again, found among the
    # first characters: half the time of a call for every id.
    firsts = text[::width]
    index = firsts.find("-")
    while index >= 0:
        drawn[index] = _not_an_option(drawn[index])
        index = firsts.find("-", index + 1)
    return drawn


def _not_an_option(value: str) -> str:
    return "_" + value[1:] if value.startswith("-") else value


def new_token() -> str:
    """A recipient token such as ``7K3M-Q9TX-2HNB-W4PD`` (80 bits)."""
    return new_tokens(1)[0]


def new_tokens(count: int) -> list[str]:
    """`count` recipient tokens at once, for bulk imports: one read of the system's
    random source (`secrets`), each byte turned into a letter by one table lookup. The
    letters are spread over a text of dashes, each group's n-th letters by one slice
    assignment, and each token is cut from it: a sixth of the time of grouping every
    token's letters in turn (2.2 ms for 1,000)."""
    letters = secrets.token_bytes(TOKEN_GROUPS * TOKEN_GROUP_LEN * count).translate(_BYTE_TO_LETTER)
    step = TOKEN_GROUP_LEN + 1  # a group and the dash after it
    spread = bytearray(b"-" * (step * TOKEN_GROUPS * count))
    for position in range(TOKEN_GROUP_LEN):
        spread[position::step] = letters[position::TOKEN_GROUP_LEN]
    text = spread.decode()
    width = step * TOKEN_GROUPS  # a token and one dash
    return [text[i : i + width - 1] for i in range(0, len(text), width)]


def _grouped(chars: str) -> str:
    return "-".join([chars[i : i + TOKEN_GROUP_LEN] for i in range(0, len(chars), TOKEN_GROUP_LEN)])


def normalize_token(raw: str) -> str | None:
    """The canonical form of a token typed by hand, or None if it cannot be one."""
    chars = "".join(ch for ch in raw.upper() if ch.isalnum()).translate(_TYPO_MAP)
    if len(chars) != TOKEN_GROUPS * TOKEN_GROUP_LEN or any(c not in TOKEN_ALPHABET for c in chars):
        return None
    return _grouped(chars)


def token_may_contain(text: str) -> bool:
    """Whether some token might contain `text`, compared without case the way either
    database compares (SQLite's LIKE, PostgreSQL's UPPER). Not when a part of it between
    dashes is longer than a group, when it has more parts than a token has groups, or
    when an ASCII character of it is no token character in either case. A character
    beyond ASCII does not rule a token out: PostgreSQL's UPPER may make one a token
    letter (the long s, U+017F, an "S"), and never makes one a dash."""
    parts = text.split("-")
    if len(parts) > TOKEN_GROUPS or any(len(part) > TOKEN_GROUP_LEN for part in parts):
        return False
    return all(not ch.isascii() or ch.upper() in TOKEN_ALPHABET for ch in "".join(parts))


_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def looks_like_public_id(value: str) -> bool:
    """Whether a value from a URL could be a public id at all (url-safe base64, at most
    the column's length). Anything else, a NUL that PostgreSQL refuses in a query
    among it, cannot name an object and is answered 404 without asking the database."""
    return bool(_PUBLIC_ID.fullmatch(value))

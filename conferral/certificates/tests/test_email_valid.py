from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from conferral.certificates.validation import _ASCII_DOT_ATOM, _USER_PART, _user_valid, email_valid

ADDRESSES = [
    "a@example.com",
    "first.last+tag@sub.example.co.uk",
    "user@[127.0.0.1]",
    "user@[IPv6:::1]",
    "user@localhost",
    "x@xn--mller-kva.de",
    "",
    "no-at-sign",
    "two@@example.com",
    "trailing.dot.@example.com",
    "space in@example.com",
    "a@-example.com",
    "a@example..com",
    "a@" + "x" * 320 + ".com",
    '"quoted"@example.com',
    "a@example.c",
]


def django_verdict(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("address", ADDRESSES)
def test_it_agrees_with_djangos_validator(address: str) -> None:
    assert email_valid(address) == django_verdict(address)


# The user part's fast path (_ASCII_DOT_ATOM) against Django's full pattern (_USER_PART):
# every single character up to U+0300 and those that fold to ASCII letters under
# IGNORECASE (dotless i, long s, the Kelvin sign), every pair and triple of characters
# that matter to either pattern, and realistic user parts.
FOLDING = ["\u0131", "\u017f", "\u212a", "\u0130", "\u00df", "\u00e9", "\u00fc"]
SPECIAL = [".", '"', "\\", "@", " ", "\t", "\n", "\x00", "\x7f", "(", ",", "[", "-", "+", "_"]
PAIR_ALPHABET = ["a", "Z", "0", *SPECIAL, *FOLDING]
TRIPLE_ALPHABET = ["a", "B", "9", ".", '"', "\\", " ", "\u0131", "\u212a", "~"]
USER_PARTS = [
    "person12345",
    "first.last",
    "First.Last+tag",
    "o'brien",
    "a.b.c.d",
    ".leading",
    "trailing.",
    "two..dots",
    "j\u00fcrgen",
    "\u043c\u0430\u0440\u0438\u044f",
    "\u738b",
    '"quoted"',
    '"quoted space"',
    '"back\\"slash"',
    '"unclosed',
    "\u017fara",
    "\u212aelvin",
    "x" * 64,
    "x" * 300,
    "a!#$%&'*+/=?^_`{|}~-z",
]


def user_parts() -> list[str]:
    singles = [chr(code) for code in range(0x300)] + FOLDING
    pairs = [a + b for a in PAIR_ALPHABET for b in PAIR_ALPHABET]
    triples = [a + b + c for a in TRIPLE_ALPHABET for b in TRIPLE_ALPHABET for c in TRIPLE_ALPHABET]
    return ["", *singles, *pairs, *triples, *USER_PARTS]


def test_it_takes_a_user_part_on_its_fast_path_only_if_the_full_pattern_takes_it() -> None:
    parts = user_parts()
    fast = [part for part in parts if _ASCII_DOT_ATOM.match(part)]
    assert {"person12345", "first.last", "First.Last+tag"} <= set(fast)
    assert [part for part in fast if not _USER_PART.match(part)] == []


def test_it_gives_the_full_patterns_verdict_on_every_user_part() -> None:
    differing = [part for part in user_parts() if _user_valid(part) != bool(_USER_PART.match(part))]
    assert differing == []


DOMAINS = [
    "example.com",
    "EXAMPLE.COM",
    "xn--mller-kva.de",
    "m\u00fcller.de",
    "\u4f8b\u3048.jp",
    "[127.0.0.1]",
    "localhost",
    "example",
    "-example.com",
]


def test_it_agrees_with_djangos_validator_on_every_user_part_and_domain() -> None:
    addresses = [f"{part}@{domain}" for part in user_parts()[::7] for domain in DOMAINS]
    differing = [a for a in addresses if email_valid(a) != django_verdict(a)]
    assert differing == []

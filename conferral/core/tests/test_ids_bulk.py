"""Ids and tokens drawn a chunk at a time for bulk imports: the same form as those drawn
one by one, all different, and a public id never looks like a command-line option."""

from __future__ import annotations

import base64
import re
import secrets

import pytest

from conferral.core.ids import (
    TOKEN_ALPHABET,
    new_token,
    new_tokens,
    normalize_token,
    public_ids,
)

PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{16}")


def test_it_draws_as_many_distinct_url_safe_public_ids_as_asked() -> None:
    drawn = public_ids(2000)
    assert len(drawn) == len(set(drawn)) == 2000
    assert all(PUBLIC_ID.fullmatch(value) for value in drawn)
    assert not any(value.startswith("-") for value in drawn)


def test_it_draws_tokens_that_read_back_as_themselves_when_typed() -> None:
    drawn = new_tokens(2000)
    assert len(set(drawn)) == 2000
    assert all(normalize_token(token.lower()) == token for token in drawn)


def test_it_uses_every_token_letter_across_a_chunk() -> None:
    letters = set("".join(new_tokens(200)).replace("-", ""))
    assert letters == set(TOKEN_ALPHABET)


def test_it_cuts_the_random_bytes_into_tokens_as_one_token_at_a_time_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = bytes(range(256)) * 2  # 32 tokens' worth: every letter, in order, twice
    monkeypatch.setattr(secrets, "token_bytes", lambda n: drawn[:n])
    letters = "".join(TOKEN_ALPHABET[b % 32] for b in drawn)
    expected = [
        "-".join(letters[start + group : start + group + 4] for group in range(0, 16, 4))
        for start in range(0, 32 * 16, 16)
    ]
    assert new_tokens(32) == expected
    assert new_token() == expected[0]


def test_it_encodes_each_public_id_from_its_own_twelve_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 0xF8 starts a base64 text with "-": the first and the third id begin with it.
    pieces = [b"\xf8" + bytes(range(11)), bytes(range(7, 19)), b"\xfb" * 12]
    monkeypatch.setattr(secrets, "token_bytes", lambda n: b"".join(pieces)[:n])
    expected = [base64.urlsafe_b64encode(piece).decode() for piece in pieces]
    assert [value[0] for value in expected] == ["-", "B", "-"]
    assert public_ids(3) == ["_" + expected[0][1:], expected[1], "_" + expected[2][1:]]

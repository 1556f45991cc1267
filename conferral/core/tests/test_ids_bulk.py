"""Ids and tokens drawn a chunk at a time for bulk imports: the same form as those drawn
one by one, all different, and a public id never looks like a command-line option."""

from __future__ import annotations

import re

from conferral.core.ids import TOKEN_ALPHABET, new_tokens, normalize_token, public_ids

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

"""The Bitstring Status List encoding: GZIP'd, multibase base64url, 131,072 entries at
least, index 0 the first byte's most significant bit; a broken list is refused."""

from __future__ import annotations

import base64
import gzip

import pytest

from conferral.badges.models import STATUS_LIST_SIZE
from conferral.badges.status_list import StatusListError, bitstring_bit, bitstring_encode


def test_it_encodes_the_bits_in_the_order_the_specification_gives() -> None:
    encoded = bitstring_encode([0, 9, STATUS_LIST_SIZE - 1])

    assert encoded.startswith("u")
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(bits) == 16 * 1024
    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000
    assert bits[-1] == 0b0000_0001
    assert [bitstring_bit(encoded, i) for i in (0, 1, 9, STATUS_LIST_SIZE - 1)] == [
        True,
        False,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("zabc", "not base64url multibase"),
        ("u!!!", "not GZIP'd base64url"),
        ("u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 10)).decode(), "shorter"),
    ],
)
def test_it_refuses_a_list_that_is_not_one(encoded: str, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        bitstring_bit(encoded, 3)

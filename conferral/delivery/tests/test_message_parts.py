"""The quoted-printable parts joined from pieces decode to exactly the filled-in text."""

from __future__ import annotations

import binascii

from hypothesis import given, settings
from hypothesis import strategies as st

from conferral.delivery.message_parts import SLOT, SlotFormat

# Literal text as templates hold it: any character but the slot mark and CR (line ends
# are written "\n" and made CRLF), with long lines, spaces before line ends and "=".
LITERAL = st.text(
    alphabet=st.characters(blacklist_characters=[SLOT, "\r"], blacklist_categories=["Cs"]),
    max_size=200,
) | st.sampled_from(["x" * 75, "x" * 76, "y" * 150 + " ", "a =\n", ".\n.", "é" * 30])
# A value is one line (headers.clean): no control characters.
VALUE = st.text(
    alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), max_size=300
) | st.sampled_from(["", " ", "=", "z" * 74, "z" * 75, "z" * 76, "é" * 40, "end "])


def _check(literals: list[str], values: list[str]) -> None:
    keys: list[str] = []
    rendered = ""
    for index, literal in enumerate(literals[:-1]):
        rendered += literal + SLOT + f"key{index}" + SLOT
    rendered += literals[-1]
    part = SlotFormat(rendered, keys, crlf=True)
    encoded = part.qp(values)

    assert encoded.isascii()
    assert binascii.a2b_qp(encoded).decode() == part.format(values)
    lines = encoded.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 76
    assert all(not line.endswith((b" ", b"\t")) for line in lines)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(LITERAL, VALUE), min_size=0, max_size=6), LITERAL)
def test_it_decodes_to_the_filled_in_text_in_lines_of_at_most_76(
    pairs: list[tuple[str, str]], last: str
) -> None:
    _check([literal for literal, _value in pairs] + [last], [value for _l, value in pairs])


def test_it_breaks_a_full_last_line_before_its_last_escape() -> None:
    _check(["a" * 73 + "é", "b"], ["c" * 76])
    _check(["\n" + "a" * 76, ""], ["é"])

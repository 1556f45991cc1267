"""A value a spreadsheet would take for a formula is exported as text."""

from __future__ import annotations

import pytest

from conferral.dashboard.export import cell_safe


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_it_neutralises_what_starts_like_a_formula(value: str) -> None:
    assert cell_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Ada", "", "1-2", "a=b", "ada@example.com"])
def test_it_leaves_plain_values_alone(value: str) -> None:
    assert cell_safe(value) == value

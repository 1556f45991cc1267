"""Recipient and verification paths built around a route looked up once are exactly
what `reverse` gives, for every value and under any script prefix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from conferral.certificates.links import _path
from conferral.core import ids

VALUES = [
    ids.new_token(),
    ids.public_id(),
    "-",
    "a_b-C",
    "with space",
    "ümlaut",
    "100%",
    "?x=1#y",
    "0slot0",
]


@pytest.fixture
def prefix() -> Iterator[None]:
    yield
    set_script_prefix("/")


@pytest.mark.parametrize("script_prefix", ["/", "/conferral/"])
@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize(
    ("name", "kwarg"), [("recipient:page", "token"), ("recipient:verify", "credential_id")]
)
def test_it_builds_what_reverse_builds(
    prefix: None, script_prefix: str, value: str, name: str, kwarg: str
) -> None:
    set_script_prefix(script_prefix)
    assert _path(name, kwarg, value) == reverse(name, kwargs={kwarg: value})
    assert _path(name, kwarg, value).startswith(script_prefix)


def test_it_refuses_what_reverse_refuses() -> None:
    with pytest.raises(NoReverseMatch):
        _path("recipient:page", "token", "a/b")

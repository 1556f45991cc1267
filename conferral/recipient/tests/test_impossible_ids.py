"""Ids that cannot exist (a NUL, which PostgreSQL refuses in a query; punctuation; too
long) are a plain 404 on every public page, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

IMPOSSIBLE = ["%00", "a%00b", "x" * 33, "%C3%BC", "a.b"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_it_answers_404_for_an_impossible_credential_id(client: Client, value: str) -> None:
    assert client.get(f"/v/{value}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_it_answers_a_safe_page_for_an_impossible_tracking_id(client: Client, value: str) -> None:
    pixel = client.get(f"/t/o/{value}/AAAAAAAAAAAAAAAA.gif")
    assert pixel.status_code == 200
    assert pixel["Content-Type"] == "image/gif"
    assert client.get(f"/t/c/{value}/AAAAAAAAAAAAAAAA").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_it_answers_404_for_an_impossible_token(client: Client, value: str) -> None:
    assert client.get(f"/r/{value}").status_code == 404

"""Ids that cannot exist (a NUL, which PostgreSQL refuses in a query; punctuation; too
long) are a plain 404 on every public page, never a 500, and are answered without a
database query: on SQLite too, where the same lookup would quietly find nothing."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from conferral.core import signing
from conferral.tracking.links import CLICK, OPEN

IMPOSSIBLE = ["%00", "a%00b", "x" * 33, "%C3%BC", "a.b"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_it_answers_404_for_an_impossible_credential_id(
    client: Client, value: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        assert client.get(f"/v/{value}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_it_answers_a_safe_page_for_an_impossible_tracking_id(
    client: Client, value: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        pixel = client.get(f"/t/o/{value}/AAAAAAAAAAAAAAAA.gif")
        assert pixel.status_code == 200
        assert pixel["Content-Type"] == "image/gif"
        assert client.get(f"/t/c/{value}/AAAAAAAAAAAAAAAA").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_it_looks_up_no_impossible_tracking_id_even_when_its_signature_is_right(
    client: Client, value: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """A signature only says the URL was not altered: the id's form is checked first."""
    public_id = unquote(value)
    open_sig, click_sig = signing.sign(OPEN, public_id), signing.sign(CLICK, public_id)
    with django_assert_num_queries(0):
        pixel = client.get(f"/t/o/{value}/{open_sig}.gif")
        assert pixel.status_code == 200
        assert pixel["Content-Type"] == "image/gif"
        assert client.get(f"/t/c/{value}/{click_sig}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_it_answers_404_for_an_impossible_token(
    client: Client, value: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        assert client.get(f"/r/{value}").status_code == 404

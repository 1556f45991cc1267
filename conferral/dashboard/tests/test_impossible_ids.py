"""An id no certificate or recipient can have (a NUL, which PostgreSQL refuses in a
query; punctuation; too long) is a 404 on every dashboard page that names one, without
looking it up: on SQLite too, where the lookup would quietly find nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conferral.certificates.models import Certificate, Recipient

IMPOSSIBLE = ["%00", "a%00b", "a%20b", "a.b", "%C3%BC", "x" * 33]
PAGES = [
    ("GET", "/certificates/{}/"),
    ("GET", "/certificates/{}/send/"),
    ("POST", "/certificates/{}/send/"),
    ("GET", "/certificates/{}/import/"),
    ("POST", "/certificates/{}/import/"),
    ("GET", "/recipients/{}/"),
]


def _lookups(queries: CaptureQueriesContext) -> list[str]:
    """The captured queries that read or write certificates or recipients (the session
    and the signed-in user are other tables)."""
    tables = (Certificate._meta.db_table, Recipient._meta.db_table)
    return [
        query["sql"]
        for query in queries.captured_queries
        if any(table in query["sql"] for table in tables)
    ]


def _request(client: Client, method: str, path: str) -> int:
    response = client.post(path) if method == "POST" else client.get(path)
    return response.status_code


@pytest.mark.parametrize(("method", "page"), PAGES)
def test_it_answers_404_for_an_impossible_id_without_looking_it_up(
    user_client: Client, certificate: Certificate, method: str, page: str
) -> None:
    for value in IMPOSSIBLE:
        path = page.format(value)
        with CaptureQueriesContext(connection) as queries:
            status = _request(user_client, method, path)
        assert status == 404, path
        assert _lookups(queries) == [], path
    # A well-formed id that names nothing is looked up: the check above means something.
    with CaptureQueriesContext(connection) as queries:
        assert _request(user_client, method, page.format("A" * 16)) == 404
    assert _lookups(queries) != []
    assert Recipient.objects.count() == 0

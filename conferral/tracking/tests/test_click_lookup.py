"""The click's one read (`token_of`), through the driver's cursor: prepared once per
connection on PostgreSQL, and a connection that breaks under it is replaced as after
any of Django's own queries."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.db.utils import Error as DatabaseError
from django.test import Client

from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel, Recipient
from conferral.tracking.links import click_url
from conferral.tracking.statements import token_of

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's prepared statements and backends"
)


def _prepared_lookups() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [s for (s,) in cursor.fetchall() if '"token"' in s and '"public_id"' in s]


def test_it_finds_a_token_by_public_id_and_nothing_for_an_unknown_one(
    delivered: Recipient,
) -> None:
    assert token_of(delivered.public_id) == delivered.token
    assert token_of("AAAAAAAAAAAAAAAA") is None


@postgres_only
def test_it_prepares_the_lookup_once_per_connection(client: Client, delivered: Recipient) -> None:
    path = urlsplit(click_url(delivered)).path
    for _ in range(3):
        response = client.get(path)
        assert response["Location"] == recipient_path(delivered, Channel.EMAIL)

    assert len(_prepared_lookups()) == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_replaces_a_connection_that_broke_under_the_lookup(delivered: Recipient) -> None:
    assert token_of(delivered.public_id) == delivered.token
    backend = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    with pytest.raises(DatabaseError):
        token_of(delivered.public_id)
    assert connection.errors_occurred
    close_old_connections()  # what the end of a request, or the fast path, does

    assert token_of(delivered.public_id) == delivered.token
    assert connection.connection.info.backend_pid != backend

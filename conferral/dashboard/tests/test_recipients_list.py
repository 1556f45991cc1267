"""The recipients tab: search, both status filters, sort order and pages."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus
from conferral.dashboard.recipients import RECIPIENTS_PER_PAGE
from conferral.dashboard.tests.recipients_helpers import list_url, page_text


def _names(html: str, *names: str) -> list[str]:
    return sorted((name for name in names if f">{name}</a>" in html), key=html.index)


def test_it_searches_filters_and_sorts(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    _juergen, asa, _mateo = people
    Recipient.objects.filter(pk=asa.pk).update(email_status=EmailStatus.BOUNCED)
    every = ("Jürgen Müller-Łukasz", "Åsa Øberg", "Mateo García")
    url = list_url(certificate)

    html = page_text(user_client.get(url, {"sort": "name"}))
    assert _names(html, *every) == ["Jürgen Müller-Łukasz", "Mateo García", "Åsa Øberg"]
    assert "3 recipients" in html
    html = page_text(user_client.get(url, {"sort": "-created"}))
    assert _names(html, *every) == ["Mateo García", "Åsa Øberg", "Jürgen Müller-Łukasz"]
    html = page_text(user_client.get(url, {"sort": "email"}))
    assert _names(html, *every) == ["Mateo García", "Åsa Øberg", "Jürgen Müller-Łukasz"]

    html = page_text(user_client.get(url, {"q": "øberg"}))
    assert _names(html, *every) == ["Åsa Øberg"]
    html = page_text(user_client.get(url, {"email_status": "bounced"}))
    assert _names(html, *every) == ["Åsa Øberg"]
    html = page_text(user_client.get(url, {"status": "not_sent", "sort": "-name"}))
    assert _names(html, *every) == ["Mateo García", "Jürgen Müller-Łukasz"]
    html = page_text(user_client.get(url, {"email_status": "nonsense"}))
    assert "Select a valid choice. nonsense is not one of the available choices." in html
    assert _names(html, *every) == sorted(every, key=html.index)  # no filter then


def test_it_pages_without_counting_a_search(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    add_recipients(
        *[(f"Person {i:03}", f"p{i}@example.com") for i in range(RECIPIENTS_PER_PAGE + 5)]
    )
    url = list_url(certificate)
    html = page_text(user_client.get(url, {"q": "person"}))
    assert "showing 1\u201350" in html
    assert 'rel="next"' in html
    assert "55 recipients" not in html  # a search is not counted
    with CaptureQueriesContext(connection) as queries:
        html = page_text(user_client.get(url, {"q": "person", "page": "2"}))
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    assert "showing 51\u201355" in html
    assert 'rel="next"' not in html
    assert 'rel="prev"' in html
    assert "Person 054" in html
    html = page_text(user_client.get(url))
    assert "55 recipients" in html  # the whole list's count comes from an index
    assert page_text(user_client.get(url, {"page": "junk"})).count(">Person 0") == 50


def test_it_reads_a_page_in_as_many_queries_however_many_rows_it_shows(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    """The rows' certificate and organization are read once, not once per row."""
    url = list_url(certificate)
    add_recipients(("Person 000", "p0@example.com"))
    Recipient.objects.filter(certificate=certificate).update(email_status=EmailStatus.DELIVERED)
    with CaptureQueriesContext(connection) as one:
        assert "Person 000" in page_text(user_client.get(url))
    add_recipients(*[(f"Person {i:03}", f"p{i}@example.com") for i in range(1, 40)])
    Recipient.objects.filter(certificate=certificate).update(email_status=EmailStatus.DELIVERED)
    with CaptureQueriesContext(connection) as forty:
        assert "Person 039" in page_text(user_client.get(url))
    assert len(forty.captured_queries) == len(one.captured_queries)

"""The certificate list and a certificate's page: blue box, statistics, and recipients
with both statuses; only the user's organizations are visible."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conferral.certificates.links import recipient_path
from conferral.certificates.models import Certificate, Channel, Recipient
from conferral.certificates.services import RawRow, recipients_add
from conferral.certificates.status import EmailStatus
from conferral.dashboard import recipients


def _page(client: Client, certificate: Certificate, tab: str = "certificate", **query: str) -> str:
    """A tab of the certificate: its overview, or `certificate_recipients`."""
    url = reverse(f"dashboard:{tab}", kwargs={"certificate_id": certificate.public_id})
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def _recipients(client: Client, certificate: Certificate, **query: str) -> str:
    return _page(client, certificate, "certificate_recipients", **query)


def test_it_lists_only_the_users_certificates(
    user_client: Client,
    certificate: Certificate,
    people: list[Recipient],
    foreign_certificate: Certificate,
) -> None:
    html = user_client.get(reverse("dashboard:home")).content.decode()
    assert "Python Fundamentals" in html
    assert '<td class="number">3</td>' in html
    assert "Their Secret Course" not in html


def test_it_answers_404_for_another_organizations_certificate(
    user_client: Client, foreign_certificate: Certificate, foreign_recipient: Recipient
) -> None:
    theirs = {"certificate_id": foreign_certificate.public_id}
    for url in (
        reverse("dashboard:certificate", kwargs=theirs),
        reverse("dashboard:certificate_send", kwargs=theirs),
        reverse("dashboard:certificate_import", kwargs=theirs),
        reverse("dashboard:recipient", kwargs={"recipient_id": foreign_recipient.public_id}),
        reverse("dashboard:certificate", kwargs={"certificate_id": "no-such-id"}),
    ):
        assert user_client.get(url).status_code == 404, url
        assert user_client.post(url).status_code == 404, url


def test_it_shows_the_blue_box_and_both_statuses(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    juergen = people[0]
    Recipient.objects.filter(pk=juergen.pk).update(
        email_status=EmailStatus.DELIVERED,
        delivered_at=timezone.now(),
        claimed_at=timezone.now(),
        claim_channel=Channel.ADMIN,
    )
    assert '<section class="bluebox">' in _page(user_client, certificate)
    html = _recipients(user_client, certificate)
    assert "Python Fundamentals" in html
    assert "Jürgen Müller-Łukasz" in html
    assert '<span class="badge status-claimed">Claimed</span>' in html
    assert '<span class="badge email-delivered">Delivered, not opened</span>' in html
    assert '<span class="badge email-not_provided">Email not provided</span>' in html
    assert "copied from the dashboard" in html
    assert recipient_path(juergen, Channel.ADMIN).replace("&", "&amp;") in html
    assert juergen.token in html


def test_it_labels_the_id_and_counts_the_emails_to_send(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    add_recipients(("Ada Lovelace", "ada@example.com"))
    html = _page(user_client, certificate)
    assert f"<dt>ID</dt><dd><code>{certificate.public_id}</code></dd>" in html
    assert "Send email (1)" in html
    assert "Send emails (1)" not in html

    add_recipients(("Grace Hopper", "grace@example.com"))
    assert "Send emails (2)" in _page(user_client, certificate)


def test_it_searches_and_filters_recipients(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    html = _recipients(user_client, certificate, q="Øberg")
    assert "Åsa Øberg" in html
    assert "Jürgen" not in html
    html = _recipients(user_client, certificate, email_status="not_provided")
    assert "Mateo García" in html
    assert "Åsa" not in html
    html = _recipients(user_client, certificate, status="claimed")
    assert "No recipient matches." in html
    html = _recipients(user_client, certificate, q=people[1].token.replace("-", "").lower())
    assert "Åsa Øberg" in html
    assert "Mateo" not in html


def test_it_ignores_an_unknown_filter_value(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    html = _recipients(user_client, certificate, status="teleported")
    assert "Åsa Øberg" in html
    assert "Mateo García" in html


def test_it_pages_the_recipients(user_client: Client, certificate: Certificate) -> None:
    recipients_add(
        certificate=certificate,
        rows=[RawRow(i, f"Person {i:03d}", f"p{i}@example.com") for i in range(1, 121)],
    )
    assert recipients.RECIPIENTS_PER_PAGE == 50
    first = _recipients(user_client, certificate)
    assert "Person 050" in first
    assert "Person 051" not in first
    assert "Page 1 of 3" in first
    third = _recipients(user_client, certificate, page="3")
    assert "Person 101" in third
    assert "Person 100" not in third


def test_it_escapes_html_in_names(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    (evil,) = add_recipients(('<script>alert("x")</script><b>Bold</b>', "evil@example.com"))
    for html in (
        _recipients(user_client, certificate),
        user_client.get(
            reverse("dashboard:recipient", kwargs={"recipient_id": evil.public_id})
        ).content.decode(),
    ):
        assert "<script>alert" not in html
        assert "<b>Bold</b>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt;" in html

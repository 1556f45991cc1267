"""Bounces by domain: several recipients at one domain refused the same way make one
line on the certificate's overview, a single bounce elsewhere none; and the overview
counts the complaints."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import BounceKind, EmailStatus
from conferral.delivery.bounce_domains import DomainBounces, bounce_domains

AddRecipients = Callable[..., list[Recipient]]


def _bounce(recipients: list[Recipient], kind: BounceKind) -> None:
    Recipient.objects.filter(pk__in=[r.pk for r in recipients]).update(
        email_status=EmailStatus.BOUNCED, bounce_kind=kind, last_reply="550 5.7.1 Denied"
    )


def _corp_and_one_elsewhere(add_recipients: AddRecipients) -> None:
    corp = add_recipients(*[(f"Corp {i}", f"person{i}@corp.example") for i in range(4)])
    _bounce(corp, BounceKind.BLOCKED)
    lone, _delivered = add_recipients(("Lone", "lone@other.example"), ("Ok", "ok@corp.example"))
    _bounce([lone], BounceKind.BLOCKED)


def test_it_names_a_domain_where_several_were_blocked_and_not_a_single_bounce(
    certificate: Certificate, add_recipients: AddRecipients
) -> None:
    _corp_and_one_elsewhere(add_recipients)

    with CaptureQueriesContext(connection) as queries:
        lines = bounce_domains(certificate)

    assert lines == [
        DomainBounces(
            domain="corp.example",
            kind=BounceKind.BLOCKED,
            count=4,
            sender="certificates@conferral.localhost",
        )
    ]
    assert len(queries.captured_queries) == 2  # the bounces, the organization's sender
    assert lines[0].text == (
        "4 recipients at corp.example were refused by their mail server's policy: ask "
        "their IT to allowlist certificates@conferral.localhost, or set up a custom sending "
        "domain."
    )


def test_it_keeps_the_kinds_of_one_domain_apart(
    certificate: Certificate, add_recipients: AddRecipients
) -> None:
    hard = add_recipients(("A", "a@Typo.example"), ("B", "b@typo.example"))
    _bounce(hard, BounceKind.HARD)
    soft = add_recipients(("C", "c@typo.example"), ("D", "d@typo.example"), ("E", "e@typo.example"))
    _bounce(soft, BounceKind.SOFT)

    lines = bounce_domains(certificate)

    assert [(line.domain, line.kind, line.count) for line in lines] == [
        ("typo.example", BounceKind.SOFT, 3),
        ("typo.example", BounceKind.HARD, 2),
    ]
    assert "send to them again later" in lines[0].text
    assert "check that the domain is spelled right" in lines[1].text


def test_it_shows_the_bounces_by_domain_and_the_spam_count_on_the_overview(
    user_client: Client, certificate: Certificate, add_recipients: AddRecipients
) -> None:
    _corp_and_one_elsewhere(add_recipients)
    [spam] = add_recipients(("Spam", "spam@example.com"))
    Recipient.objects.filter(pk=spam.pk).update(email_status=EmailStatus.COMPLAINED)

    html = user_client.get(
        reverse("dashboard:certificate", kwargs={"certificate_id": certificate.public_id})
    ).content.decode()

    assert "Bounces by domain" in html
    assert "4 recipients at corp.example were refused" in html
    assert "other.example" not in html
    assert "?email_status=bounced&amp;q=%40corp.example" in html
    assert '<dt>Marked as spam</dt><dd><a href="' in html
    assert '?email_status=complained">1</a>' in html


def test_it_shows_no_bounces_by_domain_without_bounces(
    user_client: Client, certificate: Certificate, add_recipients: AddRecipients
) -> None:
    add_recipients(("Ada", "ada@corp.example"), ("Bob", "bob@corp.example"))

    html = user_client.get(
        reverse("dashboard:certificate", kwargs={"certificate_id": certificate.public_id})
    ).content.decode()

    assert "Bounces by domain" not in html


def test_it_lists_the_recipients_who_marked_the_email_as_spam(
    user_client: Client, certificate: Certificate, add_recipients: AddRecipients
) -> None:
    spam, _quiet = add_recipients(("Spam Sender", "spam@example.com"), ("Quiet", "q@example.com"))
    Recipient.objects.filter(pk=spam.pk).update(email_status=EmailStatus.COMPLAINED)
    url = reverse(
        "dashboard:certificate_recipients", kwargs={"certificate_id": certificate.public_id}
    )

    html = user_client.get(url, {"email_status": "complained"}).content.decode()

    assert '<option value="complained" selected>Marked as spam</option>' in html
    assert "Spam Sender" in html
    assert "Quiet" not in html

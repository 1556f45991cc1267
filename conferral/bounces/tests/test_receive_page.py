"""The raw report page: the issuer of the recipient's organization reads the message as
it arrived, as escaped text (never HTML); every other organization's member, even an
owner, gets a 404, and an unmatched report is nobody's."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from conferral.accounts.models import Organization, Role
from conferral.bounces.models import Outcome, Source
from conferral.bounces.receive import report_receive
from conferral.bounces.tests.receive_support import dsn, send
from conferral.certificates.models import Recipient
from conferral.dashboard.tests.team_support import member_add, signed_in
from conferral.testing.smtp import SmtpServer

HOSTILE = '<script>alert("x")</script><img src="https://tracker.example/p.gif">'


def test_it_shows_the_raw_report_escaped_to_the_recipients_organization_only(
    client: Client,
    org: Organization,
    other_org: Organization,
    smtp: SmtpServer,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    member_add(org, "viewer@acme.test", Role.VIEWER)
    member_add(other_org, "owner@other.test", Role.OWNER)
    [ada] = add_recipients(("Ada", "ada@example.com"))
    sent = send(smtp, ada)["ada@example.com"]
    raw = dsn(sent, diagnostic="550 5.1.1 " + HOSTILE)
    report = report_receive(raw, source=Source.SMTP, envelope_to=sent.mail_from)
    path = reverse("bounces:report", kwargs={"pk": report.pk})
    assert path == f"/dashboard/reports/{report.pk}/"

    assert client.get(path).status_code == 302  # signed out: to the login page
    foreigner = signed_in(client, "owner@other.test")
    assert foreigner.get(path).status_code == 404
    assert foreigner.get(f"/dashboard/reports/{report.pk + 1000}/").status_code == 404
    client.logout()

    page = signed_in(client, "viewer@acme.test").get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<script>alert" not in text
    assert 'src="https://tracker.example' not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "Final-Recipient: rfc822; ada@example.com" in text
    assert f'href="/recipients/{ada.public_id}/"' in text
    assert client.post(path).status_code in (403, 405)


def test_it_shows_an_unmatched_report_to_nobody(
    client: Client, org: Organization, user_client: Client
) -> None:
    raw = b"From: someone@example.org\r\nSubject: Hello\r\n\r\nHi\r\n"
    report = report_receive(raw, source=Source.SMTP, envelope_to="bounces+x@conferral.test")
    assert report.outcome == Outcome.UNMATCHED
    assert user_client.get(f"/dashboard/reports/{report.pk}/").status_code == 404

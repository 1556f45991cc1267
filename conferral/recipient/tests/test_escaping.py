"""Names, certificate names and reasons can contain HTML; every page shows it as text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.credentials import credential_claim, recipient_revoke
from conferral.certificates.links import recipient_path
from conferral.certificates.models import Certificate, Channel, Recipient
from conferral.certificates.services import certificate_create

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def evil(org: Organization, add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    certificate = certificate_create(
        organization=org, name=f"Course {EVIL}", description=f"About {EVIL}"
    )
    (person,) = add_recipients((f"Eve {EVIL}", "eve@example.org"), cert=certificate)
    return person


def _assert_escaped(body: str) -> None:
    assert "<script>" not in body
    assert "<img src=x" not in body
    assert ESCAPED in body


def test_it_escapes_the_page_before_and_after_claiming(client: Client, evil: Recipient) -> None:
    _assert_escaped(client.get(recipient_path(evil, Channel.EMAIL)).content.decode())

    credential_claim(recipient=evil, channel=Channel.EMAIL)

    _assert_escaped(client.get(recipient_path(evil, Channel.EMAIL)).content.decode())


def test_it_escapes_the_verification_page_and_revoke_reason(
    client: Client, evil: Recipient
) -> None:
    recipient_revoke(recipient=evil, reason=f"Because {EVIL}")

    body = client.get(f"/v/{evil.credential_id}").content.decode()

    _assert_escaped(body)
    assert f"Because {ESCAPED}" in body


def test_it_escapes_the_messages_about_claiming_first(client: Client, evil: Recipient) -> None:
    response = client.get(f"/r/{evil.token}/certificate.pdf")

    assert response.status_code == 403
    _assert_escaped(response.content.decode())


def test_it_escapes_names_in_the_download_file_name(client: Client, evil: Recipient) -> None:
    credential_claim(recipient=evil, channel=Channel.EMAIL)
    Certificate.objects.filter(pk=evil.certificate_id).update(name="A\r\nX-Injected: 1")

    response = client.get(f"/r/{evil.token}/certificate.pdf")

    disposition = response["Content-Disposition"]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert "X-Injected" not in response.headers
    assert 'filename="A X-Injected 1 - Eve scriptalert' in disposition

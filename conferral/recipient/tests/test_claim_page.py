"""The public claim page, where a recipient types the token from their email."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conferral.certificates.links import channel_from_mark
from conferral.certificates.models import Channel, Event, EventType, Recipient

NOT_FOUND = "We could not find a credential with this token."
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def test_it_shows_the_form(client: Client, db: None) -> None:
    response = client.get("/claim")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="token"' in body
    assert "Claim your credential" in body


@pytest.mark.parametrize(
    "typed",
    [
        "{token}",
        "{lower}",
        "  {spaced}  ",
        "{nodashes}",
        "{lower_nodashes}",
    ],
)
def test_it_claims_a_typed_token_however_it_is_written(
    client: Client, recipient: Recipient, typed: str
) -> None:
    token = recipient.token
    variants = {
        "token": token,
        "lower": token.lower(),
        "spaced": token.replace("-", " "),
        "nodashes": token.replace("-", ""),
        "lower_nodashes": token.replace("-", "").lower(),
    }

    response = client.post("/claim", {"token": typed.format(**variants)})

    assert response.status_code == 302
    path, mark = response["Location"].split("?via=", 1)
    assert path == f"/r/{token}"
    assert channel_from_mark(token, mark) == Channel.TOKEN
    recipient.refresh_from_db()
    assert recipient.claim_channel == Channel.TOKEN
    assert Event.objects.get(type=EventType.CREDENTIAL_CLAIMED).channel == Channel.TOKEN


def test_it_shows_the_credential_after_a_typed_claim(client: Client, recipient: Recipient) -> None:
    response = client.post("/claim", {"token": recipient.token.lower()}, follow=True)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Jürgen Müller-Łukasz" in body
    assert f"/r/{recipient.token}/certificate.pdf" in body


@pytest.mark.parametrize(
    "typed",
    [
        "0000-0000-0000-0000",
        "7K3M-Q9TX-2HNB",
        "",
        "   ",
        "<script>alert(1)</script>",
        "x" * 5000,
        "ÄÖÜ-ßßßß-€€€€-😀😀😀😀",
    ],
)
def test_it_answers_a_wrong_token_with_a_clear_error(
    client: Client, recipient: Recipient, typed: str
) -> None:
    response = client.post("/claim", {"token": typed})

    assert response.status_code == 200
    body = response.content.decode()
    assert NOT_FOUND in body
    assert "<script>alert(1)</script>" not in body
    recipient.refresh_from_db()
    assert recipient.claimed_at is None
    assert not Event.objects.exists()


def test_it_says_the_same_for_a_nearly_right_token(client: Client, recipient: Recipient) -> None:
    token = recipient.token
    last = "0" if token[-1] != "0" else "1"
    near = client.post("/claim", {"token": token[:-1] + last}).content.decode()
    far = client.post("/claim", {"token": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}).content.decode()

    def masked(body: str, typed: str) -> str:
        return CSRF_INPUT.sub("", body.replace(typed, "T"))

    assert NOT_FOUND in near
    assert masked(near, token[:-1] + last) == masked(far, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")


def test_it_sends_a_revoked_token_to_the_page_that_explains_it(
    client: Client, recipient: Recipient
) -> None:
    from conferral.certificates.credentials import recipient_revoke

    recipient_revoke(recipient=recipient, reason="Issued in error")

    response = client.post("/claim", {"token": recipient.token}, follow=True)

    assert "This credential was revoked" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.claimed_at is None

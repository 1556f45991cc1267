"""Random, truncated or malformed tokens and ids: a helpful 404, never a 500, and never a
hint that a similar token exists."""

from __future__ import annotations

import pytest
from django.test import Client

from conferral.certificates.models import Event, Recipient

HELP = "We could not find this credential"


def _bad_tokens(recipient: Recipient) -> list[str]:
    token = recipient.token
    return [
        token[:-1],
        token[:9],
        token + "A",
        token.replace("-", "")[:-1],
        "ZZZZ-ZZZZ-ZZZZ-ZZZZ",
        "not-a-token",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "%00",
        "%F0%9F%98%80",
        "x" * 3000,
    ]


def test_it_answers_a_wrong_token_with_a_helpful_404(client: Client, recipient: Recipient) -> None:
    bodies = set()
    for bad in _bad_tokens(recipient):
        response = client.get(f"/r/{bad}")
        assert response.status_code == 404, bad
        body = response.content.decode()
        assert HELP in body
        assert 'href="/claim"' in body
        assert "<script>" not in body
        bodies.add(body)

    assert len(bodies) == 1  # the same page whatever was almost right
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/r/{bad}/certificate.pdf",
        "/r/{bad}/certificate.png",
        "/r/{bad}/",
        "/r/{bad}/share/linkedin/extra",
        "/r/{bad}/preview.png",
    ],
)
def test_it_answers_downloads_of_a_wrong_token_with_404(
    client: Client, recipient: Recipient, path: str
) -> None:
    response = client.get(path.format(bad=recipient.token[:-2]))

    assert response.status_code == 404
    assert HELP in response.content.decode()


def test_it_answers_an_unknown_format_with_404(client: Client, recipient: Recipient) -> None:
    assert client.get(f"/r/{recipient.token}/certificate.docx").status_code == 404


def test_it_answers_posts_to_a_wrong_token_with_404(client: Client, recipient: Recipient) -> None:
    for path in (
        f"/r/{recipient.token[:-1]}",
        f"/r/{recipient.token[:-1]}/share/linkedin",
        f"/r/{recipient.token[:-1]}/linkedin",
    ):
        assert client.post(path, {}).status_code == 404
    recipient.refresh_from_db()
    assert recipient.claimed_at is None

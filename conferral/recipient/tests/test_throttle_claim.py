"""Guessing tokens is throttled per client address: typed tokens on /claim and
/r/<token> links that match nothing; found links from other addresses never are."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client
from freezegun import freeze_time
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from conferral.certificates.models import Recipient

GUESSES = 1000
ALLOWED_MISSES = 20
WINDOW = 600


@pytest.fixture
def limits(settings: Settings, throttle_window: None) -> None:
    settings.THROTTLE_LIMITS = {
        **settings.THROTTLE_LIMITS,
        "claim_address": (ALLOWED_MISSES, WINDOW),
        "link_address": (ALLOWED_MISSES, WINDOW),
    }


def _guess() -> str:
    return "-".join(secrets.token_hex(2).upper() for _ in range(4))


def test_it_throttles_a_thousand_typed_guesses_after_the_allowed_misses(
    client: Client, recipient: Recipient, limits: None
) -> None:
    statuses = [client.post("/claim", {"token": _guess()}).status_code for _ in range(GUESSES)]

    assert statuses[:ALLOWED_MISSES] == [200] * ALLOWED_MISSES
    assert statuses[ALLOWED_MISSES:] == [429] * (GUESSES - ALLOWED_MISSES)
    # Even the right token waits: a throttled address learns nothing from its guesses.
    assert client.post("/claim", {"token": recipient.token}).status_code == 429
    recipient.refresh_from_db()
    assert not recipient.is_claimed


def test_it_does_not_throttle_another_address(
    client: Client, recipient: Recipient, limits: None
) -> None:
    for _ in range(ALLOWED_MISSES + 1):
        client.post("/claim", {"token": _guess()})

    response = client.post("/claim", {"token": recipient.token}, REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.is_claimed


def test_it_lets_the_recipient_claim_after_the_window(
    client: Client, recipient: Recipient, limits: None
) -> None:
    with freeze_time("2030-01-01 12:03:20") as clock:
        for _ in range(ALLOWED_MISSES + 1):
            client.post("/claim", {"token": _guess()})
        assert client.post("/claim", {"token": recipient.token}).status_code == 429

        clock.move_to("2030-01-01 12:10:00")
        response = client.post("/claim", {"token": recipient.token})

    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.is_claimed


def test_it_says_when_to_try_again(client: Client, db: None, limits: None) -> None:
    with freeze_time("2030-01-01 12:03:20"):
        for _ in range(ALLOWED_MISSES):
            client.post("/claim", {"token": _guess()})
        response = client.post("/claim", {"token": _guess()})

    assert response.status_code == 429
    # The window of 600 seconds that began at 12:00:00 ends at 12:10:00.
    assert response["Retry-After"] == "400"
    body = response.content.decode()
    assert "Too many attempts" in body
    assert "Please try again in 7 minutes (after 12:10 UTC)." in body


def test_it_says_when_in_german(client: Client, db: None, limits: None) -> None:
    with freeze_time("2030-01-01 12:03:20"):
        for _ in range(ALLOWED_MISSES + 1):
            client.post("/claim", {"token": _guess()})
        response = client.post("/claim", {"token": _guess()}, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 429
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()


def test_it_throttles_missing_links_but_not_found_ones_elsewhere(
    client: Client, recipient: Recipient, limits: None
) -> None:
    statuses = [client.get(f"/r/{_guess()}").status_code for _ in range(GUESSES)]

    assert statuses[:ALLOWED_MISSES] == [404] * ALLOWED_MISSES
    assert set(statuses[ALLOWED_MISSES:]) == {429}
    assert client.get(f"/r/{recipient.token}").status_code == 429
    assert client.get(f"/r/{recipient.token}", REMOTE_ADDR="10.0.0.2").status_code == 200
    assert client.get(f"/r/{_guess()}/preview.png", REMOTE_ADDR="10.0.0.3").status_code == 404


def test_it_never_counts_found_links(client: Client, recipient: Recipient, limits: None) -> None:
    statuses = {client.get(f"/r/{recipient.token}").status_code for _ in range(ALLOWED_MISSES * 2)}

    assert statuses == {200}
    assert client.get(f"/r/{_guess()}").status_code == 404


def test_it_throttles_misses_on_every_recipient_link(
    client: Client, recipient: Recipient, limits: None
) -> None:
    for _ in range(ALLOWED_MISSES):
        assert client.get(f"/r/{_guess()}/certificate.pdf").status_code == 404

    assert client.get(f"/r/{_guess()}/preview.png").status_code == 429
    assert client.post(f"/r/{_guess()}/share/x").status_code == 429
    assert client.post(f"/r/{_guess()}/linkedin").status_code == 429


def test_it_neither_counts_nor_looks_up_tokens_that_cannot_exist(
    client: Client, db: None, limits: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        statuses = {client.get("/r/not-a-token").status_code for _ in range(ALLOWED_MISSES * 2)}

    assert statuses == {404}
    assert client.get(f"/r/{_guess()}").status_code == 404

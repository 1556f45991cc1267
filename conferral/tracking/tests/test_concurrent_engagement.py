"""Hits that arrive at the same moment change each column once: one claim wins, and
concurrent shares all end up in the list."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from conferral.certificates.credentials import credential_claim
from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel, Event, EventType, Recipient

WORKERS = 4


def _together(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run the actions in threads released at the same moment; each closes its own
    database connection."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)
    errors: list[BaseException] = []

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action()
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_it_claims_once_when_claims_race(add_recipients: Callable[..., list[Recipient]]) -> None:
    (recipient,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    channels = [Channel.EMAIL, Channel.API, Channel.ADMIN, Channel.TOKEN]

    def claim(channel: Channel) -> Callable[[], int]:
        def post() -> int:
            via = recipient_path(recipient, channel).split("?via=", 1)[1]
            return Client().post(f"/r/{recipient.token}", {"via": via}).status_code

        return post

    statuses = _together([claim(channel) for channel in channels])

    assert statuses == [302] * WORKERS
    claims = Event.objects.filter(type=EventType.CREDENTIAL_CLAIMED)
    assert claims.count() == 1
    recipient.refresh_from_db()
    assert recipient.claim_channel == claims.get().channel


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_network_when_shares_race(
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    (recipient,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    credential_claim(recipient=recipient, channel=Channel.EMAIL)
    networks = ["linkedin", "facebook", "x", "linkedin"]

    def share(network: str) -> Callable[[], int]:
        return lambda: Client().post(f"/r/{recipient.token}/share/{network}").status_code

    statuses = _together([share(network) for network in networks])

    assert statuses == [302] * WORKERS
    recipient.refresh_from_db()
    assert sorted(recipient.shared) == ["facebook", "linkedin", "x"]
    assert Event.objects.filter(type=EventType.CREDENTIAL_SHARED).count() == WORKERS

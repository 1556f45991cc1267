from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from conferral.certificates.links import recipient_path
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.certificates.status import Status
from conferral.recipient.tests.conftest import FIREFOX


def _claim(client: Client, recipient: Recipient, via: str | None) -> None:
    data = {} if via is None else {"via": via}
    response = client.post(f"/r/{recipient.token}", data, HTTP_USER_AGENT=FIREFOX)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/r/{recipient.token}")


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.ADMIN, Channel.API, Channel.TOKEN])
def test_it_claims_with_the_channel_of_the_link(
    client: Client, recipient: Recipient, channel: Channel
) -> None:
    via = recipient_path(recipient, channel).split("?via=", 1)[1]

    _claim(client, recipient, via)

    recipient.refresh_from_db()
    assert recipient.claimed_at is not None
    assert recipient.claim_channel == channel
    assert recipient.status == Status.CLAIMED
    event = Event.objects.get(recipient=recipient, type=EventType.CREDENTIAL_CLAIMED)
    assert event.channel == channel


@pytest.mark.parametrize(
    "via",
    [None, "", "email", "email.AAAAAAAAAAAAAAAA", "token.", "bogus.x", "api.api.api"],
)
def test_it_counts_a_missing_or_tampered_mark_as_admin(
    client: Client, recipient: Recipient, via: str | None
) -> None:
    _claim(client, recipient, via)

    recipient.refresh_from_db()
    assert recipient.claim_channel == Channel.ADMIN


def test_it_refuses_a_mark_signed_for_another_recipient(
    client: Client, recipient: Recipient, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (other,) = add_recipients(("Grace Hopper", "grace@example.org"))
    stolen = recipient_path(other, Channel.EMAIL).split("?via=", 1)[1]

    _claim(client, recipient, stolen)

    recipient.refresh_from_db()
    assert recipient.claim_channel == Channel.ADMIN


def test_it_keeps_the_first_claim(client: Client, recipient: Recipient) -> None:
    _claim(client, recipient, recipient_path(recipient, Channel.EMAIL).split("?via=", 1)[1])
    recipient.refresh_from_db()
    first = recipient.claimed_at

    _claim(client, recipient, recipient_path(recipient, Channel.API).split("?via=", 1)[1])

    recipient.refresh_from_db()
    assert recipient.claimed_at == first
    assert recipient.claim_channel == Channel.EMAIL
    assert Event.objects.filter(type=EventType.CREDENTIAL_CLAIMED).count() == 1


def test_it_refuses_to_claim_a_revoked_credential(client: Client, recipient: Recipient) -> None:
    Recipient.objects.filter(pk=recipient.pk).update(
        revoked_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC), revoke_reason="Issued in error"
    )

    response = client.post(f"/r/{recipient.token}", {})

    assert response.status_code == 409
    assert "This credential has been revoked by its issuer" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.claimed_at is None
    assert not Event.objects.filter(type=EventType.CREDENTIAL_CLAIMED).exists()


def test_it_needs_the_csrf_token_to_claim(recipient: Recipient) -> None:
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(f"/r/{recipient.token}", {})

    assert response.status_code == 403
    recipient.refresh_from_db()
    assert recipient.claimed_at is None


def test_it_claims_through_the_form_on_the_page(recipient: Recipient) -> None:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(recipient_path(recipient, Channel.API))
    csrf = page.context["csrf_token"]
    via = recipient_path(recipient, Channel.API).split("?via=", 1)[1]

    response = browser.post(f"/r/{recipient.token}", {"csrfmiddlewaretoken": csrf, "via": via})

    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.claim_channel == Channel.API

"""A recipient's token regenerated: the old one is kept as replaced, the claim and the
credential id stay, and `credential.reissued` is recorded."""

from __future__ import annotations

from collections.abc import Callable

from conferral.certificates.credentials import credential_claim, recipient_token_regenerate
from conferral.certificates.events import detail_of
from conferral.certificates.models import Channel, EventType, Recipient, ReplacedToken
from conferral.core.ids import normalize_token


def test_it_replaces_the_token_and_keeps_the_rest(
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    credential_claim(recipient=ada, channel=Channel.EMAIL)
    old_token, credential_id = ada.token, ada.credential_id
    recipient_token_regenerate(recipient=ada, reason="Link forwarded to a colleague")
    ada.refresh_from_db()
    assert ada.token != old_token
    assert normalize_token(ada.token) == ada.token
    assert ada.credential_id == credential_id
    assert ada.claimed_at is not None
    assert list(ReplacedToken.objects.values_list("token", "recipient")) == [(old_token, ada.pk)]
    event = ada.events.get(type=EventType.CREDENTIAL_REISSUED)
    assert event.channel == Channel.ADMIN
    assert detail_of(event).to_json() == {"reason": "Link forwarded to a colleague"}


def test_it_keeps_every_earlier_token(add_recipients: Callable[..., list[Recipient]]) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    tokens = [ada.token]
    for _ in range(3):
        tokens.append(recipient_token_regenerate(recipient=ada).token)
    assert len(set(tokens)) == 4
    assert set(ReplacedToken.objects.values_list("token", flat=True)) == set(tokens[:3])
    assert ada.events.filter(type=EventType.CREDENTIAL_REISSUED).count() == 3

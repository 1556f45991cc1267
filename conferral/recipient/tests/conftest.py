from __future__ import annotations

from collections.abc import Callable

import pytest

from conferral.certificates.credentials import credential_claim
from conferral.certificates.models import Channel, Recipient

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def recipient(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    (person,) = add_recipients(("Jürgen Müller-Łukasz", "juergen@example.org"))
    return person


@pytest.fixture
def claimed(recipient: Recipient) -> Recipient:
    credential_claim(recipient=recipient, channel=Channel.EMAIL)
    return recipient

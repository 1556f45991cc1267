from __future__ import annotations

from collections.abc import Callable

import pytest

from conferral.certificates.credentials import credential_claim
from conferral.certificates.models import Channel, Recipient


@pytest.fixture
def recipient(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    """A recipient who claimed the credential (its badge files are public from then)."""
    (one,) = add_recipients(("Jürgen Müller-Łukasz", "Juergen@Example.org"))
    credential_claim(recipient=one, channel=Channel.EMAIL)
    return one

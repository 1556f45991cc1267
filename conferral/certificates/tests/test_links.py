"""The recipient and verification paths, built without the URLconf, are exactly what
`reverse` gives for every token and credential id."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from conferral.certificates.links import recipient_page_path, verify_url
from conferral.certificates.models import Recipient
from conferral.core import ids


@pytest.mark.parametrize("token", [*ids.new_tokens(20), "Ab-_9zZ0aB1cD2eF3gH4iJ5k"])
def test_it_builds_the_page_path_reverse_builds(token: str) -> None:
    assert recipient_page_path(token) == reverse("recipient:page", kwargs={"token": token})


@pytest.mark.parametrize("credential_id", [*ids.public_ids(20), "-_Ab09", "a_b-C"])
def test_it_builds_the_verification_url_reverse_builds(credential_id: str) -> None:
    recipient = Recipient(credential_id=credential_id)
    path = reverse("recipient:verify", kwargs={"credential_id": credential_id})
    assert verify_url(recipient) == settings.BASE_URL + path

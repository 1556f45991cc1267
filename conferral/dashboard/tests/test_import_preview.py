"""The import preview: duplicates and typos are named per row, the staged file is the
server's own, and only the issuer's confirmation adds anyone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from conferral.certificates.models import Certificate, Recipient, StagedUpload
from conferral.certificates.staging import STAGED_MAX_AGE
from conferral.dashboard.tests.recipients_helpers import (
    confirm_url,
    page_text,
    staged_name,
    upload,
)


def test_it_flags_duplicates_in_the_file_and_on_the_list(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    data = b"name,email\nAda Again,ada@example.com\nBob,bob@example.com\nBob Twin,BOB@example.com\n"
    html = page_text(upload(user_client, certificate, data))
    assert "2 problems were found." in html
    assert "ada@example.com is already a recipient of this certificate." in html
    assert "bob@example.com is already in row 3." in html
    assert Recipient.objects.count() == 1


def test_it_suggests_a_fix_for_a_typo(user_client: Client, certificate: Certificate) -> None:
    html = page_text(upload(user_client, certificate, b"name,email\nAnn,ann@hotmial.com\n"))
    assert "looks like a typo: did you mean ann@hotmail.com?" in html
    assert '<code class="suggestion">ann@hotmail.com</code>' in html
    assert '<tr class="bad">' in html


def test_it_adds_nothing_until_confirmed_and_only_the_staged_file(
    user_client: Client, certificate: Certificate
) -> None:
    html = page_text(upload(user_client, certificate, b"name,email\nAnn,ann@example.com\n"))
    name = staged_name(html)
    assert not Recipient.objects.exists()
    # A name the server did not hand out (or a path) imports nothing.
    for forged in ("../../etc/passwd", "A" * 32, ""):
        response = user_client.post(confirm_url(certificate), {"staged": forged, "confirm": ""})
        assert response.status_code == 302
        assert not Recipient.objects.exists()
    user_client.post(confirm_url(certificate), {"staged": name, "confirm": ""})
    assert list(Recipient.objects.values_list("email", flat=True)) == ["ann@example.com"]
    # Confirming twice adds nobody twice: the staged file is gone.
    response = user_client.post(confirm_url(certificate), {"staged": name, "confirm": ""})
    assert Recipient.objects.count() == 1


def test_it_checks_again_on_confirm(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    name = staged_name(
        page_text(upload(user_client, certificate, b"name,email\nAnn,ann@example.com\n"))
    )
    add_recipients(("Ann (added meanwhile)", "ann@example.com"))
    response = user_client.post(
        confirm_url(certificate), {"staged": name, "confirm": ""}, follow=True
    )
    assert "1 problem found; nothing was added." in page_text(response)
    assert Recipient.objects.count() == 1


def test_it_lets_a_staged_file_expire(user_client: Client, certificate: Certificate) -> None:
    name = staged_name(
        page_text(upload(user_client, certificate, b"name,email\nAnn,ann@example.com\n"))
    )
    StagedUpload.objects.filter(name=name).update(
        created_at=timezone.now() - dt.timedelta(seconds=STAGED_MAX_AGE + 1)
    )
    response = user_client.post(
        confirm_url(certificate), {"staged": name, "confirm": ""}, follow=True
    )
    assert "has expired" in page_text(response)
    assert not Recipient.objects.exists()
    assert not StagedUpload.objects.filter(name=name).exists()


def test_it_drops_an_upload_on_cancel(user_client: Client, certificate: Certificate) -> None:
    name = staged_name(
        page_text(upload(user_client, certificate, b"name,email\nAnn,ann@example.com\n"))
    )
    response = user_client.post(confirm_url(certificate), {"staged": name, "cancel": ""})
    assert response.status_code == 302
    assert not StagedUpload.objects.filter(name=name).exists()
    assert not Recipient.objects.exists()

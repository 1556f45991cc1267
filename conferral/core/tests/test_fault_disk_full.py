"""Fault: the disk is full when the renderer writes a design's image for typst to read
(the only file a download writes). The kernel's own "No space left on device" comes
from /dev/full, where the image is written. The visitor gets the recipient page's
"try again" message with a 503, nothing is recorded as downloaded, no truncated image
is left behind, and the same link works once there is room again."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from conferral.certificates.credentials import credential_claim
from conferral.certificates.design_services import design_asset_upload
from conferral.certificates.models import (
    Certificate,
    Channel,
    DesignAsset,
    DesignAssetKind,
    Event,
    EventType,
    Recipient,
)
from conferral.certificates.rendering import renderer
from conferral.certificates.tests import design_files
from conferral.dashboard.tests.recipients_helpers import page_text, recipient_action_url

FULL_DEVICE = Path("/dev/full")
TRY_AGAIN = "Your file could not be produced. Please try again later."
pytestmark = pytest.mark.skipif(not FULL_DEVICE.exists(), reason="needs Linux's /dev/full")


@pytest.fixture
def claimed(certificate: Certificate, add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    """A claimed recipient of a certificate with its own background image."""
    (person,) = add_recipients(("Grace Hopper", "grace@example.org"))
    credential_claim(recipient=person, channel=Channel.EMAIL)
    design_asset_upload(
        certificate=certificate,
        kind=DesignAssetKind.BACKGROUND,
        data=design_files.png(211, 97, color=(12, 34, 56)),
    )
    person.refresh_from_db()
    return person


class FullDisk:
    """The image's file, on a full device while `fill()` holds: the renderer writes it
    through the partial name it uses in this thread (the test client answers in this
    thread), and removes that name when the write fails, so each request fills anew."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.partial = target.with_suffix(f".{threading.get_ident()}.part")

    def fill(self) -> None:
        self.free()
        self.partial.symlink_to(FULL_DEVICE)

    def free(self) -> None:
        self.partial.unlink(missing_ok=True)


@pytest.fixture
def disk(claimed: Recipient) -> Iterator[FullDisk]:
    asset = DesignAsset.objects.get(certificate=claimed.certificate)
    assets = renderer._root(os.getpid()) / "assets"
    target = assets / f"{asset.sha256}.{renderer.EXTENSIONS[asset.content_type]}"
    target.unlink(missing_ok=True)
    full = FullDisk(target)
    try:
        yield full
    finally:
        full.free()


def test_it_asks_to_try_again_and_records_no_download_when_the_disk_is_full(
    client: Client, claimed: Recipient, disk: FullDisk
) -> None:
    for fmt in ("pdf", "png"):
        disk.fill()
        response = client.get(f"/r/{claimed.token}/certificate.{fmt}")

        assert response.status_code == 503
        page = response.content.decode()
        assert TRY_AGAIN in page
        assert claimed.certificate.name in page  # the recipient page's own layout
        assert "Content-Disposition" not in response
    disk.fill()
    assert client.get(f"/r/{claimed.token}/preview.png").status_code == 503
    assert not Event.objects.filter(type=EventType.CREDENTIAL_DOWNLOADED).exists()
    claimed.refresh_from_db()
    assert claimed.downloaded_at is None
    # The failed write left neither the image nor a piece of it.
    assert list(disk.target.parent.glob(f"{disk.target.stem}.*")) == []


def test_it_tells_the_issuer_to_try_again_when_the_disk_is_full(
    user_client: Client, claimed: Recipient, disk: FullDisk
) -> None:
    disk.fill()

    response = user_client.post(recipient_action_url("recipient_download", claimed), follow=True)

    assert response.status_code == 200
    assert "The PDF could not be produced. Please try again later." in page_text(response)
    assert not Event.objects.filter(type=EventType.CREDENTIAL_DOWNLOADED).exists()


def test_it_downloads_on_the_same_link_once_there_is_room_again(
    client: Client, claimed: Recipient, disk: FullDisk
) -> None:
    disk.fill()
    assert client.get(f"/r/{claimed.token}/certificate.pdf").status_code == 503
    disk.free()

    response = client.get(f"/r/{claimed.token}/certificate.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert disk.target.exists()
    [event] = Event.objects.filter(type=EventType.CREDENTIAL_DOWNLOADED)
    assert event.detail["format"] == "pdf"

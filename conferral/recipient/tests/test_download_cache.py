"""Downloads served from the render cache: the second download of a credential is not
rendered again, anything the file shows renders it anew, the checks still come first,
browsers revalidate with ETag / Last-Modified, and a damaged file is rendered again."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client
from django.utils.http import http_date

from conferral.certificates.credentials import (
    credential_claim,
    recipient_revoke,
    recipient_token_regenerate,
)
from conferral.certificates.design import Design, PlacedField
from conferral.certificates.design_services import certificate_design_update, design_asset_upload
from conferral.certificates.models import (
    Certificate,
    Channel,
    DesignAssetKind,
    Event,
    EventType,
    Recipient,
)
from conferral.certificates.services import recipient_update
from conferral.certificates.tests import design_files
from conferral.certificates.tests.render_counting import Renders, render_dir, renders
from conferral.testing.pdf import pdf_text

__all__ = ["render_dir", "renders"]  # the fixtures this module uses


def _pdf(client: Client, recipient: Recipient, **headers: str) -> bytes:
    response = client.get(f"/r/{recipient.token}/certificate.pdf", headers=headers)
    assert response.status_code == 200
    return response.content


def _downloads() -> int:
    return Event.objects.filter(type=EventType.CREDENTIAL_DOWNLOADED).count()


def test_it_serves_the_second_download_without_rendering(
    client: Client, claimed: Recipient, renders: Renders, render_dir: Path
) -> None:
    first = _pdf(client, claimed)
    second = _pdf(client, claimed)
    png = client.get(f"/r/{claimed.token}/certificate.png")
    again = client.get(f"/r/{claimed.token}/certificate.png")

    assert second == first
    assert "Jürgen Müller-Łukasz" in pdf_text(second)
    assert again.content == png.content
    assert again.content.startswith(b"\x89PNG")
    assert renders.formats == ["pdf", "png"]
    assert _downloads() == 4  # every download is recorded, kept or rendered
    assert len(list(render_dir.glob("*.pdf"))) == len(list(render_dir.glob("*.png"))) == 1


def test_it_renders_again_after_the_name_is_edited(
    client: Client, claimed: Recipient, renders: Renders, render_dir: Path
) -> None:
    _pdf(client, claimed)
    recipient_update(recipient=claimed, name="Jürgen Müller")

    text = pdf_text(_pdf(client, claimed))

    assert "Jürgen Müller" in text
    assert "Łukasz" not in text
    assert renders.count == 2


def test_it_renders_again_after_the_design_or_its_image_changes(
    client: Client, claimed: Recipient, renders: Renders, render_dir: Path
) -> None:
    plain = _pdf(client, claimed)
    certificate_design_update(
        certificate=claimed.certificate,
        design=Design(page="a4-portrait", fields=(PlacedField("name", 20, 40, 170, size=30),)),
    )
    claimed.refresh_from_db()
    designed = _pdf(client, claimed)
    for color in ((12, 34, 56), (200, 10, 10)):
        design_asset_upload(
            certificate=claimed.certificate,
            kind=DesignAssetKind.BACKGROUND,
            data=design_files.png(211, 97, color=color),
        )
    claimed.refresh_from_db()
    backgrounds = [_pdf(client, claimed) for _ in range(2)]

    assert len({plain, designed, backgrounds[0]}) == 3
    assert "Jürgen Müller-Łukasz" in pdf_text(designed)
    assert backgrounds[1] == backgrounds[0]
    assert renders.count == 3


def test_it_serves_the_new_link_and_refuses_the_old_after_a_token_is_regenerated(
    client: Client, claimed: Recipient, renders: Renders, render_dir: Path
) -> None:
    old_token = claimed.token
    kept = _pdf(client, claimed)
    recipient_token_regenerate(recipient=claimed)
    claimed.refresh_from_db()

    old = client.get(f"/r/{old_token}/certificate.pdf")

    assert old.status_code == 410
    assert "Content-Disposition" not in old
    # The file does not show the token: the new link serves what is kept.
    assert _pdf(client, claimed) == kept
    assert renders.count == 1


def test_it_refuses_a_revoked_credential_although_its_file_is_kept(
    client: Client, claimed: Recipient, renders: Renders, render_dir: Path
) -> None:
    response = client.get(f"/r/{claimed.token}/certificate.pdf")
    recipient_revoke(recipient=claimed, reason="Issued in error")

    for headers in ({}, {"If-None-Match": response["ETag"]}):
        refused = client.get(f"/r/{claimed.token}/certificate.pdf", headers=headers)
        assert refused.status_code == 410
        assert "revoked" in refused.content.decode()
        assert "ETag" not in refused
        assert "no-store" in refused["Cache-Control"]
    assert _downloads() == 1


def test_it_refuses_an_unclaimed_credential_whose_file_another_link_kept(
    client: Client, add_recipients: Callable[..., list[Recipient]], render_dir: Path
) -> None:
    (person,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    credential_claim(recipient=person, channel=Channel.EMAIL)
    _pdf(client, person)
    Recipient.objects.filter(pk=person.pk).update(claimed_at=None)

    refused = client.get(f"/r/{person.token}/certificate.pdf")

    assert refused.status_code == 403
    assert "Content-Disposition" not in refused


def test_it_answers_not_modified_to_a_browser_that_has_the_file(
    client: Client, claimed: Recipient, renders: Renders, render_dir: Path
) -> None:
    response = client.get(f"/r/{claimed.token}/certificate.pdf")
    etag, modified = response["ETag"], response["Last-Modified"]

    by_etag = client.get(f"/r/{claimed.token}/certificate.pdf", headers={"If-None-Match": etag})
    by_date = client.get(
        f"/r/{claimed.token}/certificate.pdf", headers={"If-Modified-Since": modified}
    )
    other = client.get(f"/r/{claimed.token}/certificate.pdf", headers={"If-None-Match": '"x"'})
    stale = client.get(
        f"/r/{claimed.token}/certificate.pdf",
        headers={"If-None-Match": '"x"', "If-Modified-Since": modified},
    )

    assert response["Cache-Control"] == "private, no-cache"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert etag.startswith('"')
    assert etag.endswith('"')
    for not_modified in (by_etag, by_date):
        assert not_modified.status_code == 304
        assert not_modified.content == b""
        assert not_modified["ETag"] == etag
    # A different ETag wins over the date (RFC 9110): the whole file again.
    for full in (other, stale):
        assert full.status_code == 200
        assert full.content == response.content
    assert renders.count == 1
    assert _downloads() == 5


def test_it_answers_a_date_before_the_render_with_the_file(
    client: Client, claimed: Recipient, render_dir: Path
) -> None:
    response = client.get(
        f"/r/{claimed.token}/certificate.pdf",
        headers={"If-Modified-Since": http_date(946684800)},  # 2000-01-01
    )

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("damage", ["truncated", "flipped", "emptied"])
def test_it_renders_a_damaged_file_again(
    client: Client, claimed: Recipient, renders: Renders, render_dir: Path, damage: str
) -> None:
    _pdf(client, claimed)
    [path] = render_dir.glob("*.pdf")
    data = path.read_bytes()
    damaged = {
        "truncated": data[: len(data) // 2],
        "flipped": data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:],
        "emptied": b"",
    }[damage]
    path.write_bytes(damaged)

    again = _pdf(client, claimed)

    assert again.startswith(b"%PDF-")
    assert "Jürgen Müller-Łukasz" in pdf_text(again)
    assert renders.count == 2
    assert path.read_bytes().endswith(again)  # kept whole again
    assert _pdf(client, claimed) == again
    assert renders.count == 2


@pytest.mark.django_db(transaction=True)
def test_it_gives_every_thread_its_own_file(
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    renders: Renders,
    render_dir: Path,
) -> None:
    people = add_recipients(*((f"Person Number {n}", f"p{n}@example.org") for n in range(8)))
    for person in people:
        credential_claim(recipient=person, channel=Channel.EMAIL)

    def download(person: Recipient) -> tuple[str, str]:
        fmt = "pdf" if person.pk % 2 else "png"
        try:
            response = Client().get(f"/r/{person.token}/certificate.{fmt}")
        finally:
            connections.close_all()  # this thread's own connection
        assert response.status_code == 200
        text = pdf_text(response.content) if fmt == "pdf" else ""
        assert fmt == "png" or person.name in text
        assert fmt == "pdf" or response.content.startswith(b"\x89PNG")
        return person.name, response["ETag"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = list(pool.map(download, people * 2))

    assert first[: len(people)] == first[len(people) :]  # the same file both times
    assert len({etag for _name, etag in first}) == len(people)
    assert renders.count == len(people)

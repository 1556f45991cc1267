from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client

from conferral.certificates.models import Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.core import signing
from conferral.tracking.links import open_pixel_url
from conferral.tracking.views import PIXEL

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)


def _path(url: str) -> str:
    return urlsplit(url).path


def assert_pixel(response: HttpResponseBase) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert "no-store" in response["Cache-Control"]
    assert isinstance(response, HttpResponse)
    assert response.content == PIXEL


def test_it_records_a_human_open(client: Client, delivered: Recipient) -> None:
    response = client.get(_path(open_pixel_url(delivered)), HTTP_USER_AGENT=BROWSER)

    assert_pixel(response)
    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.OPENED
    assert delivered.opened_at is not None
    assert delivered.machine_opened_at is None
    event = Event.objects.get(recipient=delivered)
    assert event.type == EventType.EMAIL_OPENED
    assert event.machine is False
    assert event.user_agent == BROWSER
    assert event.client_hash  # the address is kept only as a keyed hash
    assert "127.0.0.1" not in event.client_hash


def test_it_records_nothing_for_a_forged_signature(client: Client, delivered: Recipient) -> None:
    response = client.get(f"/t/o/{delivered.public_id}/AAAAAAAAAAAAAAAA.gif")

    assert_pixel(response)
    assert not Event.objects.exists()
    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.DELIVERED


def test_it_records_nothing_when_the_id_is_altered(
    client: Client, delivered: Recipient, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (other,) = add_recipients(("Grace Hopper", "grace@example.org"))
    sig = signing.sign("open", delivered.public_id)

    response = client.get(f"/t/o/{other.public_id}/{sig}.gif")
    unknown = client.get(f"/t/o/{delivered.public_id}x/{sig}.gif")
    click_sig = client.get(
        f"/t/o/{delivered.public_id}/{signing.sign('click', delivered.public_id)}.gif"
    )

    for answer in (response, unknown, click_sig):
        assert_pixel(answer)
    assert not Event.objects.exists()


def test_it_answers_the_pixel_for_an_unknown_recipient_with_a_valid_signature(
    client: Client, db: None
) -> None:
    sig = signing.sign("open", "no-such-recipient")

    assert_pixel(client.get(f"/t/o/no-such-recipient/{sig}.gif"))
    assert not Event.objects.exists()


def test_it_answers_the_pixel_to_other_methods_without_recording(
    client: Client, delivered: Recipient
) -> None:
    assert_pixel(client.post(_path(open_pixel_url(delivered))))
    assert not Event.objects.exists()


def test_it_answers_the_pixel_when_recording_fails(
    client: Client, delivered: Recipient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("database is on fire")

    monkeypatch.setattr("conferral.tracking.views.hit_take", broken)

    assert_pixel(client.get(_path(open_pixel_url(delivered))))


def test_it_counts_the_first_open_once_and_keeps_every_open_event(
    client: Client, delivered: Recipient
) -> None:
    client.get(_path(open_pixel_url(delivered)), HTTP_USER_AGENT=BROWSER)
    delivered.refresh_from_db()
    first = delivered.opened_at

    client.get(_path(open_pixel_url(delivered)), HTTP_USER_AGENT=BROWSER)

    delivered.refresh_from_db()
    assert delivered.opened_at == first
    assert Event.objects.filter(type=EventType.EMAIL_OPENED).count() == 2


def test_it_never_moves_a_clicked_status_back_to_opened(
    client: Client, delivered: Recipient
) -> None:
    Recipient.objects.filter(pk=delivered.pk).update(email_status=EmailStatus.CLICKED)

    client.get(_path(open_pixel_url(delivered)), HTTP_USER_AGENT=BROWSER)

    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.CLICKED

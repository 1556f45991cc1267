from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse

from conferral.certificates.links import channel_from_mark, recipient_page_path, recipient_path
from conferral.certificates.models import Channel, Event, EventType, Recipient
from conferral.certificates.status import EmailStatus
from conferral.core import signing
from conferral.tracking.links import click_url

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _path(url: str) -> str:
    return urlsplit(url).path


def test_it_records_the_click_and_sends_the_person_to_their_own_page(
    client: Client, delivered: Recipient
) -> None:
    response = client.get(_path(click_url(delivered)), HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 302
    assert response["Location"] == recipient_path(delivered, Channel.EMAIL)
    mark = response["Location"].split("?via=", 1)[1]
    assert channel_from_mark(delivered.token, mark) == Channel.EMAIL
    event = Event.objects.get(recipient=delivered, type=EventType.EMAIL_CLICKED)
    assert event.machine is False
    assert event.channel == Channel.EMAIL


def test_it_counts_a_click_as_an_inferred_open(client: Client, delivered: Recipient) -> None:
    client.get(_path(click_url(delivered)), HTTP_USER_AGENT=FIREFOX)

    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.CLICKED
    assert delivered.clicked_at is not None
    assert delivered.opened_at == delivered.clicked_at
    opened = Event.objects.get(recipient=delivered, type=EventType.EMAIL_OPENED)
    assert opened.detail == {"inferred": True}


def test_it_infers_the_open_only_once(client: Client, delivered: Recipient) -> None:
    client.get(_path(click_url(delivered)), HTTP_USER_AGENT=FIREFOX)
    client.get(_path(click_url(delivered)), HTTP_USER_AGENT=FIREFOX)

    assert Event.objects.filter(type=EventType.EMAIL_OPENED).count() == 1
    assert Event.objects.filter(type=EventType.EMAIL_CLICKED).count() == 2


def test_it_answers_a_forged_link_with_a_safe_page_and_records_nothing(
    client: Client, delivered: Recipient
) -> None:
    response = client.get(
        f"/t/c/{delivered.public_id}/AAAAAAAAAAAAAAAA?next=https://evil.example/&url=//evil.example",
        HTTP_USER_AGENT=FIREFOX,
    )

    assert response.status_code == 404
    assert "Location" not in response
    body = response.content.decode()
    assert "This link is not valid" in body
    assert 'href="/claim"' in body
    assert "evil.example" not in body
    assert not Event.objects.exists()


def test_it_rejects_an_open_signature_on_the_click_link(
    client: Client, delivered: Recipient
) -> None:
    sig = signing.sign("open", delivered.public_id)

    response = client.get(f"/t/c/{delivered.public_id}/{sig}")

    assert response.status_code == 404
    assert not Event.objects.exists()


def test_it_ignores_query_parameters_on_a_valid_link(client: Client, delivered: Recipient) -> None:
    response = client.get(
        _path(click_url(delivered)) + "?next=https://evil.example/&redirect=//evil.example",
        HTTP_USER_AGENT=FIREFOX,
    )

    assert response.status_code == 302
    assert response["Location"] == recipient_path(delivered, Channel.EMAIL)


def test_it_flags_a_head_request_on_the_link(client: Client, delivered: Recipient) -> None:
    response = client.head(_path(click_url(delivered)), HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.email_status == EmailStatus.DELIVERED
    event = Event.objects.get(recipient=delivered)
    assert event.machine is True


def test_it_builds_the_page_path_as_the_urlconf_would(delivered: Recipient) -> None:
    for token in (delivered.token, "Ab-_9zZ0aB1cD2eF3gH4iJ5k"):
        assert recipient_page_path(token) == reverse("recipient:page", kwargs={"token": token})

"""The List-Unsubscribe link (RFC 8058): a mail client's one-click POST unsubscribes
without cookies or a CSRF token, the page's button does with its token, a GET (a link
scanner) changes nothing, and a forged or garbled link is a 404 that changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoAssertNumQueries

from conferral.accounts.models import Organization
from conferral.accounts.services import user_create
from conferral.certificates.event_details import EmailUnsubscribed
from conferral.certificates.events import detail_of
from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.core import signing
from conferral.delivery.unsubscribe import UNSUBSCRIBE, unsubscribe_url

ONE_CLICK = "List-Unsubscribe=One-Click"
GMAIL = "Mozilla/5.0 (compatible; Google-Mail-Unsubscribe)"


@pytest.fixture
def ada(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    return ada


def _path(recipient: Recipient) -> str:
    return urlsplit(unsubscribe_url(recipient)).path


def _unsubscribes(recipient: Recipient) -> list[Event]:
    return list(Event.objects.filter(recipient=recipient, type=EventType.EMAIL_UNSUBSCRIBED))


def _timeline(org: Organization, recipient: Recipient) -> str:
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)
    issuer = Client()
    assert issuer.login(username="owner@acme.test", password="correct horse battery")
    page = issuer.get(reverse("dashboard:recipient", kwargs={"recipient_id": recipient.public_id}))
    assert page.status_code == 200
    return page.content.decode()


def test_it_unsubscribes_on_a_one_click_post_as_a_mail_client_sends_it(
    org: Organization, ada: Recipient
) -> None:
    gmail = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=GMAIL)

    response = gmail.post(
        _path(ada), data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    ada.refresh_from_db()
    assert ada.unsubscribed_at is not None
    [event] = _unsubscribes(ada)
    assert detail_of(event) == EmailUnsubscribed(one_click=True)
    assert "unsubscribe button of their email program" in _timeline(org, ada)


def test_it_takes_the_one_click_post_as_multipart_form_data_too(ada: Recipient) -> None:
    response = Client(enforce_csrf_checks=True).post(_path(ada), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    ada.refresh_from_db()
    assert ada.unsubscribed_at is not None


@pytest.mark.parametrize("method", ["get", "head"])
def test_it_does_not_unsubscribe_on_a_get_or_a_head(ada: Recipient, method: str) -> None:
    response = getattr(Client(), method)(_path(ada))

    assert response.status_code == 200
    ada.refresh_from_db()
    assert ada.unsubscribed_at is None
    assert _unsubscribes(ada) == []


def test_it_shows_a_button_and_unsubscribes_when_it_is_pressed(
    org: Organization, ada: Recipient
) -> None:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(_path(ada)).content.decode()
    assert "Unsubscribe from reminders" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None

    response = browser.post(_path(ada), {"csrfmiddlewaretoken": token.group(1)})

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    [event] = _unsubscribes(ada)
    assert detail_of(event) == EmailUnsubscribed(one_click=False)
    assert "Unsubscribed from reminders on the unsubscribe page." in _timeline(org, ada)


def test_it_refuses_the_button_without_its_csrf_token(ada: Recipient) -> None:
    response = Client(enforce_csrf_checks=True).post(_path(ada), {"confirm": "1"})

    assert response.status_code == 403
    ada.refresh_from_db()
    assert ada.unsubscribed_at is None


def test_it_records_a_second_unsubscribe_as_nothing_new(ada: Recipient) -> None:
    client = Client()
    for _ in range(2):
        assert client.post(_path(ada), {"List-Unsubscribe": "One-Click"}).status_code == 200

    assert len(_unsubscribes(ada)) == 1
    assert "already unsubscribed" in client.get(_path(ada)).content.decode()


def test_it_answers_a_forged_or_garbled_link_with_a_404_page(ada: Recipient) -> None:
    real = _path(ada)
    unknown = "AAAAAAAAAAAAAAAAAAA"
    paths = [
        real[:-1] + ("A" if real[-1] != "A" else "B"),  # an altered signature
        f"/u/{unknown}/{signing.sign(UNSUBSCRIBE, unknown)}",  # signed, but nobody's
        real.rsplit("/", 1)[0],  # cut off
        real + "/more",
    ]
    client = Client()
    for path in paths:
        for response in (client.get(path), client.post(path, {"List-Unsubscribe": "One-Click"})):
            assert response.status_code == 404, path
            assert "This unsubscribe link is not valid" in response.content.decode()

    ada.refresh_from_db()
    assert ada.unsubscribed_at is None
    assert _unsubscribes(ada) == []


def test_it_shows_the_page_in_the_certificates_language(
    add_recipients: Callable[..., list[Recipient]], certificate: Certificate
) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(language="de")
    [ada] = add_recipients(("Ada", "ada@example.com"))

    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(_path(ada))

    assert response.status_code == 200
    assert response["Content-Language"] == "de"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["%00", "a%00b", "x" * 33, "%C3%BC", "a.b"])
def test_it_looks_up_no_impossible_id_even_when_its_signature_is_right(
    client: Client, value: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    signature = signing.sign(UNSUBSCRIBE, unquote(value))
    with django_assert_num_queries(0):
        response = client.post(f"/u/{value}/{signature}", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404

"""Adding one recipient by hand from the recipients tab."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from conferral.certificates.models import Certificate, Recipient
from conferral.dashboard.tests.recipients_helpers import list_url, page_text


def _url(certificate: Certificate) -> str:
    return reverse("dashboard:recipient_add", kwargs={"certificate_id": certificate.public_id})


def test_it_adds_one_recipient(user_client: Client, certificate: Certificate) -> None:
    assert 'action="' + _url(certificate) + '"' in page_text(user_client.get(list_url(certificate)))
    response = user_client.post(
        _url(certificate), {"name": "  Grace   Hopper ", "email": "Grace@Example.com"}, follow=True
    )
    assert "Grace Hopper was added." in page_text(response)
    grace = Recipient.objects.get()
    assert (grace.name, grace.email, grace.certificate) == (
        "Grace Hopper",
        "grace@example.com",
        certificate,
    )


def test_it_explains_what_is_wrong(user_client: Client, certificate: Certificate) -> None:
    response = user_client.post(_url(certificate), {"name": "Grace", "email": "grace@gmial.com"})
    assert response.status_code == 400
    assert "did you mean grace@gmail.com?" in page_text(response)
    response = user_client.post(_url(certificate), {"name": "", "email": ""})
    assert response.status_code == 400
    assert not Recipient.objects.exists()

"""The certificate's switch that lets search engines index its recipient and
verification pages: off by default, with the reason beside it; the dashboard's settings
page and the API both set it, and the pages follow it."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from conferral.certificates.credentials import credential_claim
from conferral.certificates.models import Certificate, Channel, Recipient
from conferral.certificates.services import certificate_create

LABEL = "Let search engines index recipient and verification pages"
WHY = "an indexed verification page shows the recipient's name"


def _settings_url(certificate: Certificate) -> str:
    return reverse(
        "dashboard:certificate_settings", kwargs={"certificate_id": certificate.public_id}
    )


def _form(certificate: Certificate, **extra: str) -> dict[str, str]:
    return {"name": certificate.name, "kind": certificate.kind, "language": "en", **extra}


def test_it_offers_the_switch_off_with_the_reason(
    user_client: Client, certificate: Certificate
) -> None:
    html = user_client.get(_settings_url(certificate)).content.decode()

    assert LABEL in html
    assert WHY in html
    assert 'name="allow_indexing"' in html
    assert 'name="allow_indexing" checked' not in html


def test_it_turns_indexing_on_and_off_and_the_pages_follow(
    user_client: Client, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    credential_claim(recipient=ada, channel=Channel.EMAIL)

    user_client.post(_settings_url(certificate), _form(certificate, allow_indexing="on"))
    certificate.refresh_from_db()
    assert certificate.allow_indexing is True
    assert "X-Robots-Tag" not in user_client.get(f"/v/{ada.credential_id}")

    user_client.post(_settings_url(certificate), _form(certificate))
    certificate.refresh_from_db()
    assert certificate.allow_indexing is False
    assert user_client.get(f"/v/{ada.credential_id}")["X-Robots-Tag"] == "noindex, nofollow"


def test_it_sets_indexing_through_the_api(api: Client, org: object) -> None:
    created = api.post(
        "/api/v1/certificates",
        {"name": "Open Course", "kind": "certificate", "allow_indexing": True},
        content_type="application/json",
    ).json()
    assert created["allow_indexing"] is True
    default = api.post(
        "/api/v1/certificates",
        {"name": "Private Course", "kind": "certificate"},
        content_type="application/json",
    ).json()
    assert default["allow_indexing"] is False

    path = f"/api/v1/certificates/{default['id']}"
    patched = api.patch(path, {"allow_indexing": True}, content_type="application/json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["allow_indexing"] is True
    assert patched.json()["name"] == "Private Course"
    assert api.get(path).json()["allow_indexing"] is True
    assert Certificate.objects.get(public_id=default["id"]).allow_indexing is True


def test_it_refuses_a_bad_patch_and_changes_nothing(api: Client, org: object) -> None:
    certificate = certificate_create(organization=org, name="Course")  # type: ignore[arg-type]
    path = f"/api/v1/certificates/{certificate.public_id}"

    for body in (
        {"allow_indexing": "perhaps"},
        {"name": None, "allow_indexing": True},
        {"description": None},
        {"expires_at": "2000-01-01", "allow_indexing": True},
        {"reminder_interval_days": 9999, "allow_indexing": True},
        {"unknown": 1},
    ):
        response = api.patch(path, body, content_type="application/json")
        assert response.status_code == 422, (body, response.content)
        assert response.json()["detail"], body

    certificate.refresh_from_db()
    assert (certificate.name, certificate.allow_indexing) == ("Course", False)

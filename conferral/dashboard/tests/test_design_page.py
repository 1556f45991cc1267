"""The Design tab: editors place fields and save; viewers look; a foreign certificate is
a 404; invalid or old stored JSON falls back to the built-in design, and says so."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from conferral.certificates.design import design_of
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.rendering.renderer import credential_render
from conferral.testing.pdf import pdf_text


def _url(certificate: Certificate) -> str:
    return reverse("dashboard:certificate_design", args=[certificate.public_id])


def _form(**extra: str) -> dict[str, str]:
    """The editor's form with the recipient name and the QR code placed."""
    data = {
        "page": "a4-portrait",
        "f-0-key": "name",
        "f-0-on": "1",
        "f-0-x": "20",
        "f-0-y": "60",
        "f-0-width": "170",
        "f-0-size": "28",
        "f-0-font": "serif",
        "f-0-color": "#884400",
        "f-0-align": "right",
        "f-0-bold": "1",
        "f-1-key": "certificate",
        "f-1-x": "20",
        "f-1-y": "90",
        "f-1-width": "170",
        "f-2-key": "qr",
        "f-2-on": "1",
        "f-2-x": "80",
        "f-2-y": "200",
        "f-2-width": "35",
    }
    data.update(extra)
    return data


def test_it_shows_the_design_tab_as_current(user_client: Client, certificate: Certificate) -> None:
    response = user_client.get(_url(certificate))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{_url(certificate)}" aria-current="page"' in html
    assert "dashboard/design.js" in html
    assert 'name="f-0-key" value="name"' in html
    assert "built-in design" in html


def test_it_saves_the_placed_fields_and_renders_them(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    (recipient,) = add_recipients(("Grace Hopper", "grace@example.org"))

    response = user_client.post(_url(certificate), _form(), follow=True)

    assert response.status_code == 200
    assert "The design was saved." in response.content.decode()
    certificate.refresh_from_db()
    design = design_of(certificate)
    assert design is not None
    assert [f.key for f in design.fields] == ["name", "qr"]
    name = design.fields[0]
    assert (name.x, name.y, name.size, name.color, name.align, name.bold) == (
        20.0,
        60.0,
        28.0,
        "#884400",
        "right",
        True,
    )
    recipient.refresh_from_db()
    text = pdf_text(credential_render(recipient, "pdf"))
    assert "Grace Hopper" in text
    assert "Python Fundamentals" not in text  # not ticked, so not placed


def test_it_refuses_numbers_off_the_page(user_client: Client, certificate: Certificate) -> None:
    response = user_client.post(_url(certificate), _form(**{"f-0-x": "900", "f-0-size": "x"}))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Recipient name: the left edge (mm) must be between 0 and 210." in html
    assert "Recipient name: the size (pt) must be a number." in html
    certificate.refresh_from_db()
    assert certificate.design == {}


def test_it_goes_back_to_the_built_in_design(user_client: Client, certificate: Certificate) -> None:
    user_client.post(_url(certificate), _form())

    response = user_client.post(_url(certificate), {"action": "reset"}, follow=True)

    assert "The certificate uses the built-in design again." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.design == {}


def test_it_falls_back_clearly_on_an_old_or_invalid_stored_design(
    user_client: Client,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
) -> None:
    (recipient,) = add_recipients(("Grace Hopper", "grace@example.org"))
    certificate.design = {"background": "old.png", "fields": {"name": [1, 2]}}
    certificate.save()

    html = user_client.get(_url(certificate)).content.decode()
    recipient.refresh_from_db()
    text = pdf_text(credential_render(recipient, "pdf"))

    assert "The saved design could not be read, so the built-in design is used." in html
    assert design_of(certificate) is None
    assert "This is awarded to" in text  # the built-in design


def test_it_lets_a_viewer_look_but_not_save(
    viewer_client: Client, certificate: Certificate
) -> None:
    page = viewer_client.get(_url(certificate))
    saved = viewer_client.post(_url(certificate), _form())
    uploaded = viewer_client.post(
        reverse("dashboard:certificate_design_upload", args=[certificate.public_id]), {}
    )

    assert page.status_code == 200
    assert "disabled" in page.content.decode()
    assert "Save the design" not in page.content.decode()
    assert saved.status_code == 403
    assert uploaded.status_code == 403
    certificate.refresh_from_db()
    assert certificate.design == {}


def test_it_answers_404_for_a_foreign_certificate(
    user_client: Client, foreign_certificate: Certificate
) -> None:
    preview = reverse("dashboard:certificate_design_preview", args=[foreign_certificate.public_id])
    upload = reverse("dashboard:certificate_design_upload", args=[foreign_certificate.public_id])

    assert user_client.get(_url(foreign_certificate)).status_code == 404
    assert user_client.post(_url(foreign_certificate), _form()).status_code == 404
    assert user_client.get(preview).status_code == 404
    assert user_client.post(upload, {}).status_code == 404
    foreign_certificate.refresh_from_db()
    assert foreign_certificate.design == {}

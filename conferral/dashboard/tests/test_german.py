"""The dashboard speaks the browser's language: German for `Accept-Language: de`."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from conferral.accounts.models import Organization
from conferral.accounts.services import user_create
from conferral.certificates.credentials import credential_claim
from conferral.certificates.models import Certificate, Channel, Recipient


def _get(client: Client, name: str, **kwargs: str) -> str:
    response = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    return response.content.decode()


def test_it_shows_the_login_page_in_german(client: Client, db: None) -> None:
    body = _get(client, "dashboard:login")

    assert '<html lang="de">' in body
    assert "<title>Anmelden · Conferral</title>" in body
    assert "<h1>Anmelden</h1>" in body
    assert ">E-Mail</label>" in body
    assert ">Passwort</label>" in body
    assert '<button type="submit" class="button primary">Anmelden</button>' in body
    assert "Noch keine Anmeldedaten?" in body
    for english in ("Sign in", ">Email<", ">Password<", "No login yet", "Skip to the content"):
        assert english not in body, english


def test_it_refuses_a_wrong_password_in_german(client: Client, org: Organization) -> None:
    user_create(email="owner@acme.test", password="correct horse battery", organization=org)

    response = client.post(
        reverse("dashboard:login"),
        {"username": "owner@acme.test", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="de",
    )

    body = response.content.decode()
    assert "E-Mail-Adresse und Passwort passen nicht zusammen." in body
    assert "do not match" not in body


def test_it_shows_the_certificate_list_in_german(
    user_client: Client, certificate: Certificate
) -> None:
    body = _get(user_client, "dashboard:home")

    assert "<h1>Zertifikate</h1>" in body
    for label in ("Name", "Art", "Empfänger", "Erstellt", "Organisation"):
        assert f">{label}</th>" in body, label
    assert "<td>Zertifikat</td>" in body
    assert ">Abmelden</button>" in body
    for english in ("Certificates", ">Kind<", ">Created<", ">Organization<", "Sign out"):
        assert english not in body, english


def test_it_shows_the_certificate_page_in_german(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    credential_claim(recipient=people[0], channel=Channel.ADMIN)

    body = _get(user_client, "dashboard:certificate", certificate_id=certificate.public_id)
    body += _get(
        user_client, "dashboard:certificate_recipients", certificate_id=certificate.public_id
    )

    # The blue box and the statistics.
    assert "<dt>Empfänger</dt><dd>3</dd>" in body
    assert "<dt>Erstellt</dt>" in body
    assert "<dt>ID</dt>" in body
    assert "<h2>Abgerufen</h2>" in body
    assert "<h2>Geteilt oder heruntergeladen</h2>" in body
    assert "<h2>Zum LinkedIn-Profil hinzugefügt</h2>" in body
    assert "<h2>E-Mail-Statistik</h2>" in body
    for label in ("Gesendet", "Geöffnet", "Geklickt", "Unzustellbar", "Im Versand"):
        assert f"<dt>{label}</dt>" in body, label
    assert "<dt>Nicht gesendet</dt>" in body
    assert "<dt>Keine Adresse</dt>" in body
    # The actions and the recipient list.
    assert "E-Mails senden (2)" in body
    assert "Empfänger importieren (CSV oder Excel)" in body
    assert "3 Empfänger" in body
    for label in ("Name", "Zertifikatsstatus", "E-Mail-Status", "Was passiert ist", "Token"):
        assert f'<th scope="col">{label}</th>' in body, label
    assert ">Filtern</button>" in body
    assert 'placeholder="Name, E-Mail oder Token"' in body
    assert '<span class="badge status-claimed">Abgerufen</span>' in body
    assert '<span class="badge status-not_sent">Nicht gesendet</span>' in body
    assert '<span class="badge email-not_sent">Nicht gesendet</span>' in body
    assert '<span class="badge email-not_provided">Keine E-Mail-Adresse</span>' in body
    assert ">keine Adresse</div>" in body
    assert "Die E-Mail wurde noch nicht gesendet." in body
    assert "Der Nachweis wurde noch nicht abgerufen." in body
    assert "über einen aus dem Dashboard kopierten Link" in body
    assert "Empfängeransicht öffnen" in body
    for english in (
        ">Recipients<",
        ">Created<",
        ">Claimed<",
        "Shared or downloaded",
        "Email statistics",
        "Certificate status",
        "Email status",
        "What happened",
        "Access recipient view",
        "Send emails",
        "Not sent",
        "no address",
        "has not been sent",
    ):
        assert english not in body, english


def test_it_shows_a_recipient_and_its_timeline_in_german(
    user_client: Client, people: list[Recipient]
) -> None:
    credential_claim(recipient=people[0], channel=Channel.TOKEN)

    body = _get(user_client, "dashboard:recipient", recipient_id=people[0].public_id)

    assert "<dt>E-Mail</dt>" in body
    assert "<h2>Nachweis selbst weitergeben</h2>" in body
    assert "<dt>Empfängerlink</dt>" in body
    assert "<dt>Verifizierungsseite</dt>" in body
    assert "<h2>Verlauf</h2>" in body
    assert "<strong>Nachweis abgerufen</strong>" in body
    assert "Durch Eingabe des Tokens auf der Abrufseite abgerufen" in body
    for english in ("Hand out the credential", "Recipient link", "Timeline", "Credential claimed"):
        assert english not in body, english


def test_it_asks_to_confirm_sending_in_german(
    user_client: Client, certificate: Certificate, people: list[Recipient]
) -> None:
    body = _get(user_client, "dashboard:certificate_send", certificate_id=certificate.public_id)

    assert "<h1>E-Mails senden</h1>" in body
    assert (
        "2 Empfänger von „Python Fundamentals“ haben eine E-Mail-Adresse und haben die E-Mail "
        "noch nicht erhalten."
    ) in body
    assert "1 Empfänger hat keine Adresse und erhält keine E-Mail" in body
    assert ">2 E-Mails senden</button>" in body
    assert ">Abbrechen</a>" in body
    assert "Send 2 emails" not in body


def test_it_follows_the_browser_not_the_certificate_language(
    user_client: Client, certificate: Certificate
) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(language="de")
    url = reverse("dashboard:certificate", kwargs={"certificate_id": certificate.public_id})

    body = user_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<h2>Claimed</h2>" in body
    assert "Abgerufen" not in body

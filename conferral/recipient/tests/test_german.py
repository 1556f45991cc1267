"""The public pages of a German certificate speak German, whatever the browser asks for:
the recipient page (before and after claiming), the verification page in each state,
and the pages that belong to no certificate when the browser asks for German."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from conferral.accounts.models import Organization
from conferral.certificates.credentials import credential_claim
from conferral.certificates.links import recipient_path
from conferral.certificates.models import Certificate, Channel, Kind, Recipient
from conferral.certificates.services import certificate_create

# The English labels of the recipient and verification pages; none may remain.
ENGLISH_LABELS = [
    "Skip to the content",
    "Awarded to",
    "Issued by",
    "Issue date",
    "Valid until",
    "No expiry date",
    "Credential ID",
    "About this credential",
    "Digital certificates and badges issued with Conferral.",
]


def _german(
    org: Organization,
    add_recipients: Callable[..., list[Recipient]],
    kind: str = Kind.CERTIFICATE,
) -> Recipient:
    certificate = certificate_create(
        organization=org,
        name="Python-Grundlagen",
        kind=kind,
        description="Ein Kurs über die Grundlagen von Python.",
        language="de",
    )
    (person,) = add_recipients(("Jürgen Müller", "juergen@example.org"), cert=certificate)
    return person


@pytest.fixture
def recipient(org: Organization, add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    return _german(org, add_recipients)


@pytest.fixture
def claimed(recipient: Recipient) -> Recipient:
    credential_claim(recipient=recipient, channel=Channel.EMAIL)
    return recipient


def _assert_no_english(body: str, *extra: str) -> None:
    for label in [*ENGLISH_LABELS, *extra]:
        assert label not in body, label


def test_it_shows_the_recipient_page_in_german_to_an_english_browser(
    client: Client, recipient: Recipient
) -> None:
    response = client.get(recipient_path(recipient, Channel.EMAIL), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    body = response.content.decode()
    assert '<html lang="de">' in body
    assert "Zum Inhalt springen" in body
    assert '<p class="eyebrow">Zertifikat</p>' in body
    assert "Verliehen an <strong>Jürgen Müller</strong>" in body
    assert "<dt>Ausgestellt von</dt>" in body
    assert "<dt>Ausstellungsdatum</dt>" in body
    assert "<dt>Gültig bis</dt><dd>Kein Ablaufdatum</dd>" in body
    assert "<dt>Nachweis-ID</dt>" in body
    assert "Über diesen Nachweis" in body
    assert "Ihr Zertifikat abrufen" in body
    assert "Nach dem Abrufen können Sie es als PDF oder PNG herunterladen" in body
    assert "Digitale Zertifikate und Badges, ausgestellt mit Conferral." in body
    _assert_no_english(body, "Claim your certificate", "Once claimed")


def test_it_offers_to_claim_a_badge_in_german(
    client: Client, org: Organization, add_recipients: Callable[..., list[Recipient]]
) -> None:
    badge = _german(org, add_recipients, kind=Kind.BADGE)

    body = client.get(recipient_path(badge, Channel.EMAIL)).content.decode()

    assert '<p class="eyebrow">Badge</p>' in body
    assert "Ihr Badge abrufen" in body
    assert "Claim your badge" not in body


def test_it_shows_downloads_sharing_and_verification_in_german_after_claiming(
    client: Client, recipient: Recipient
) -> None:
    path = recipient_path(recipient, Channel.EMAIL)

    response = client.post(path, {"via": path.split("?via=", 1)[1]}, follow=True)

    assert response.status_code == 200
    recipient.refresh_from_db()
    assert recipient.is_claimed
    body = response.content.decode()
    assert "Vorschau von Python-Grundlagen" in body
    assert ">Herunterladen</h2>" in body
    assert ">PDF herunterladen</a>" in body
    assert ">PNG herunterladen</a>" in body
    assert ">Teilen</h2>" in body
    for network in ("LinkedIn", "Facebook", "X"):
        assert f"Auf {network} teilen" in body
    assert "Zum LinkedIn-Profil hinzufügen" in body
    assert "(öffnet sich in einem neuen Fenster)" in body
    assert "Verifizierungslink" in body
    assert "Unter dieser Adresse kann jeder prüfen, dass dieser Nachweis echt ist:" in body
    assert "Ihr Zertifikat abrufen" not in body
    _assert_no_english(
        body,
        "Download PDF",
        "Download PNG",
        "Share on",
        "Add to LinkedIn profile",
        "opens in a new window",
        "Verification link",
        "Preview of",
    )


def test_it_explains_a_revoked_and_an_expired_credential_in_german(
    client: Client, claimed: Recipient
) -> None:
    Certificate.objects.filter(pk=claimed.certificate_id).update(expires_at=dt.date(2020, 1, 31))

    expired = client.get(recipient_path(claimed, Channel.EMAIL)).content.decode()

    assert "Dieser Nachweis ist am 31. Januar 2020 abgelaufen." in expired
    assert "<dt>Gültig bis</dt><dd>31. Januar 2020</dd>" in expired

    Recipient.objects.filter(pk=claimed.pk).update(
        revoked_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC), revoke_reason="Irrtümlich"
    )

    revoked = client.get(recipient_path(claimed, Channel.EMAIL)).content.decode()

    assert "Dieser Nachweis wurde am 1. April 2026 von Acme Academy widerrufen." in revoked
    assert "Begründung: Irrtümlich" in revoked
    assert "This credential" not in revoked


def test_it_shows_the_claim_page_in_the_browsers_german(client: Client, db: None) -> None:
    response = client.get("/claim", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    body = response.content.decode()
    assert "<title>Ihren Nachweis abrufen · Conferral</title>" in body
    assert "Geben Sie den Token aus Ihrer E-Mail ein." in body
    assert '<label for="token">Ihr Token</label>' in body
    assert '<button type="submit" class="button button-primary">Abrufen</button>' in body
    for english in ("Claim your credential", "Type the token", "Your token", ">Claim<"):
        assert english not in body, english


def test_it_explains_an_unknown_token_in_german(client: Client, db: None) -> None:
    response = client.post("/claim", {"token": "AAAA-BBBB-CCCC-DDDD"}, HTTP_ACCEPT_LANGUAGE="de")

    body = response.content.decode()
    assert "Wir konnten keinen Nachweis mit diesem Token finden." in body
    assert "We could not find" not in body


def test_it_shows_a_typed_claim_in_the_certificates_german(
    client: Client, recipient: Recipient
) -> None:
    response = client.post(
        "/claim", {"token": recipient.token.lower()}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )

    body = response.content.decode()
    assert ">PDF herunterladen</a>" in body
    assert "Download PDF" not in body


def test_it_shows_a_valid_credential_in_german(client: Client, claimed: Recipient) -> None:
    response = client.get(f"/v/{claimed.credential_id}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    body = response.content.decode()
    assert "<title>Nachweis verifizieren · Conferral</title>" in body
    assert "<strong>Gültiger Nachweis</strong>" in body
    assert "Ausgestellt von Acme Academy und nicht widerrufen." in body
    assert "<dt>Verliehen an</dt><dd>Jürgen Müller</dd>" in body
    assert "<dt>Ausgestellt von</dt>" in body
    assert "<dt>Nachweis-ID</dt>" in body
    _assert_no_english(body, "Valid credential", "Verify credential", "not revoked")


def test_it_shows_an_expired_credential_in_german(client: Client, claimed: Recipient) -> None:
    Certificate.objects.filter(pk=claimed.certificate_id).update(expires_at=dt.date(2021, 6, 30))

    body = client.get(f"/v/{claimed.credential_id}").content.decode()

    assert "<strong>Abgelaufener Nachweis</strong>" in body
    assert "Er war bis zum 30. Juni 2021 gültig." in body
    assert "Gültiger Nachweis" not in body
    _assert_no_english(body, "Expired credential", "It was valid until")


def test_it_shows_a_revoked_credential_in_german(client: Client, claimed: Recipient) -> None:
    Recipient.objects.filter(pk=claimed.pk).update(
        revoked_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC),
        revoke_reason="Prüfungsergebnis zurückgezogen",
    )

    body = client.get(f"/v/{claimed.credential_id}").content.decode()

    assert "<strong>Widerrufener Nachweis</strong>" in body
    assert "Acme Academy hat ihn am 1. April 2026 widerrufen." in body
    assert "<dt>Widerrufen am</dt><dd>1. April 2026</dd>" in body
    assert "<dt>Begründung</dt><dd>Prüfungsergebnis zurückgezogen</dd>" in body
    _assert_no_english(body, "Revoked credential", "revoked it on", "Revoked on", "Reason")


def test_it_shows_the_not_found_pages_in_the_browsers_german(client: Client, db: None) -> None:
    link = client.get("/r/NOT-A-TOKEN", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    credential = client.get("/v/not-an-id", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Wir konnten diesen Nachweis nicht finden" in link
    assert ">Zur Abrufseite</a>" in link
    assert "We could not find" not in link
    assert '<strong id="title">Nachweis nicht gefunden</strong>' in credential
    assert "Es gibt keinen Nachweis mit dieser ID." in credential
    assert "No such credential" not in credential


def test_it_keeps_an_english_certificate_in_english_for_a_german_browser(
    client: Client, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (person,) = add_recipients(("Ada Lovelace", "ada@example.org"))

    body = client.get(
        recipient_path(person, Channel.EMAIL), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    assert "Claim your certificate" in body
    assert "Ihr Zertifikat abrufen" not in body


def test_it_refuses_a_download_before_claiming_in_german(
    client: Client, recipient: Recipient
) -> None:
    response = client.get(f"/r/{recipient.token}/certificate.pdf", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    body = response.content.decode()
    assert "Zurück zu Ihrem Nachweis" in body
    assert "Rufen Sie Ihren Nachweis zuerst ab" in body


def test_it_refuses_to_claim_a_revoked_credential_in_german(
    client: Client, recipient: Recipient
) -> None:
    Recipient.objects.filter(pk=recipient.pk).update(
        revoked_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC), revoke_reason="Irrtümlich"
    )

    response = client.post(f"/r/{recipient.token}", {}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response["Content-Language"] == "de"
    body = response.content.decode()
    assert "Dieser Nachweis wurde vom Aussteller widerrufen" in body
    assert "revoked by its issuer" not in body


def test_it_refuses_to_share_before_claiming_in_german(
    client: Client, recipient: Recipient
) -> None:
    for path in ("share/linkedin", "linkedin"):
        response = client.post(f"/r/{recipient.token}/{path}", HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 403
        body = response.content.decode()
        assert "Rufen Sie Ihren Nachweis zuerst ab" in body
        assert "Claim your credential first" not in body


def test_it_refuses_to_share_a_revoked_credential_in_german(
    client: Client, claimed: Recipient
) -> None:
    Recipient.objects.filter(pk=claimed.pk).update(
        revoked_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC), revoke_reason="Irrtümlich"
    )

    responses = [
        client.post(f"/r/{claimed.token}/share/facebook", HTTP_ACCEPT_LANGUAGE="en"),
        client.post(f"/r/{claimed.token}/linkedin", HTTP_ACCEPT_LANGUAGE="en"),
        client.get(f"/r/{claimed.token}/certificate.pdf", HTTP_ACCEPT_LANGUAGE="en"),
    ]

    for response in responses:
        assert response.status_code == 410
        assert "Dieser Nachweis wurde vom Aussteller widerrufen" in response.content.decode()

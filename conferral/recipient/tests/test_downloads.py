from __future__ import annotations

from django.test import Client

from conferral.certificates.credentials import recipient_revoke
from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.recipient.tests.conftest import FIREFOX
from conferral.testing.pdf import pdf_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_it_refuses_downloads_before_the_claim(client: Client, recipient: Recipient) -> None:
    for fmt in ("pdf", "png"):
        response = client.get(f"/r/{recipient.token}/certificate.{fmt}")
        assert response.status_code == 403
        assert "Claim your credential first" in response.content.decode()
        assert "Content-Disposition" not in response
    assert client.get(f"/r/{recipient.token}/preview.png").status_code == 403
    assert not Event.objects.filter(type=EventType.CREDENTIAL_DOWNLOADED).exists()


def test_it_downloads_the_pdf_with_the_name(client: Client, claimed: Recipient) -> None:
    response = client.get(f"/r/{claimed.token}/certificate.pdf", HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert "Jürgen Müller-Łukasz" in text
    assert "Python Fundamentals" in text
    assert claimed.credential_id in text
    event = Event.objects.get(type=EventType.CREDENTIAL_DOWNLOADED)
    assert event.detail == {"format": "pdf"}
    claimed.refresh_from_db()
    assert claimed.downloaded_at is not None


def test_it_downloads_the_png(client: Client, claimed: Recipient) -> None:
    response = client.get(f"/r/{claimed.token}/certificate.png", HTTP_USER_AGENT=FIREFOX)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)
    assert Event.objects.get(type=EventType.CREDENTIAL_DOWNLOADED).detail == {"format": "png"}


def test_it_names_the_file_safely(client: Client, claimed: Recipient) -> None:
    Certificate.objects.filter(pk=claimed.certificate_id).update(name='Python "Pro"/Ünïcode')

    response = client.get(f"/r/{claimed.token}/certificate.pdf")

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="Python Pro Unicode - Jurgen Muller-Lukasz.pdf"' in disposition
    assert (
        "filename*=UTF-8''Python%20%22Pro%22%20%C3%9Cn%C3%AFcode%20-%20"
        "J%C3%BCrgen%20M%C3%BCller-%C5%81ukasz.pdf" in disposition
    )


def test_it_shows_a_preview_without_counting_a_download(client: Client, claimed: Recipient) -> None:
    response = client.get(f"/r/{claimed.token}/preview.png")

    assert response.status_code == 200
    assert response.content.startswith(PNG_SIGNATURE)
    assert not Event.objects.filter(type=EventType.CREDENTIAL_DOWNLOADED).exists()


def test_it_refuses_downloads_of_a_revoked_credential(client: Client, claimed: Recipient) -> None:
    recipient_revoke(recipient=claimed, reason="Issued in error")

    response = client.get(f"/r/{claimed.token}/certificate.pdf")

    assert response.status_code == 410
    assert "revoked" in response.content.decode()
    assert not Event.objects.filter(type=EventType.CREDENTIAL_DOWNLOADED).exists()

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus


def listing(api: Client, certificate: Certificate, query: str = "") -> Any:
    return api.get(f"/api/v1/certificates/{certificate.public_id}/recipients{query}")


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["name"] for r in response.json()["items"]]


def test_it_lists_recipients_in_order_with_a_count(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    add_recipients(*[(f"Person {i}", f"p{i}@example.com") for i in range(7)])
    response = listing(api, certificate)
    assert names(response) == [f"Person {i}" for i in range(7)]
    assert response.json()["count"] == 7
    page = listing(api, certificate, "?limit=3&offset=3")
    assert names(page) == ["Person 3", "Person 4", "Person 5"]
    assert page.json()["count"] == 7


def test_it_searches_name_email_and_token(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    ada, bob, _cy = add_recipients(
        ("Ada Lovelace", "ada@example.com"),
        ("Bob Builder", "bob@builders.test"),
        ("Cy Young", ""),
    )
    assert names(listing(api, certificate, "?q=lovelace")) == ["Ada Lovelace"]
    assert names(listing(api, certificate, "?q=BUILDERS.test")) == ["Bob Builder"]
    assert names(listing(api, certificate, f"?q={ada.token.lower()}")) == ["Ada Lovelace"]
    compact = bob.token.replace("-", "")[:8]
    assert names(listing(api, certificate, f"?q={compact}")) == ["Bob Builder"]
    response = listing(api, certificate, "?q=nobody")
    assert names(response) == []
    assert response.json()["count"] == 0


def test_it_searches_names_in_any_case_and_script(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    add_recipients(("Åsa Øberg", "asa@example.com"), ("Юрий Гагарин", "yuri@example.com"))
    assert names(listing(api, certificate, "?q=øberg")) == ["Åsa Øberg"]
    assert names(listing(api, certificate, "?q=ÅSA")) == ["Åsa Øberg"]
    assert names(listing(api, certificate, "?q=юрий")) == ["Юрий Гагарин"]
    assert listing(api, certificate, "?q=юрий").json()["count"] == 1


def test_it_filters_by_both_statuses(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    delivered, claimed, _fresh, _none = add_recipients(
        ("Delivered", "d@example.com"),
        ("Claimed", "c@example.com"),
        ("Fresh", "f@example.com"),
        ("No address", ""),
    )
    now = timezone.now()
    Recipient.objects.filter(pk__in=[delivered.pk, claimed.pk]).update(
        email_status=EmailStatus.DELIVERED, first_sent_at=now, delivered_at=now
    )
    Recipient.objects.filter(pk=claimed.pk).update(claimed_at=now, claim_channel="admin")
    assert names(listing(api, certificate, "?status=claimed")) == ["Claimed"]
    assert names(listing(api, certificate, "?status=delivered")) == ["Delivered"]
    assert names(listing(api, certificate, "?email_status=delivered")) == ["Delivered", "Claimed"]
    assert names(listing(api, certificate, "?status=not_sent")) == ["Fresh", "No address"]
    assert names(listing(api, certificate, "?email_status=not_provided")) == ["No address"]
    assert names(listing(api, certificate, "?status=not_sent&email_status=not_sent")) == ["Fresh"]
    assert names(listing(api, certificate, "?status=&email_status=")) == [
        "Delivered",
        "Claimed",
        "Fresh",
        "No address",
    ]
    claimed_row = listing(api, certificate, "?status=claimed").json()["items"][0]
    assert claimed_row["email_status"] == "delivered"
    assert claimed_row["claim_channel"] == "admin"
    assert claimed_row["claimed_at"]


def test_it_rejects_unknown_statuses_and_a_page_too_large(
    api: Client, certificate: Certificate
) -> None:
    response = listing(api, certificate, "?status=opened&email_status=lost")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [e["loc"] for e in detail] == [["query", "status"], ["query", "email_status"]]
    assert "claimed" in detail[0]["msg"]
    assert "clicked" in detail[1]["msg"]
    too_large = listing(api, certificate, "?limit=501")
    assert too_large.status_code == 422
    assert too_large.json()["detail"][0]["loc"] == ["query", "limit"]

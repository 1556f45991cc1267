from __future__ import annotations

from typing import Any

from django.test import Client

from conferral.certificates.models import Certificate, Event, Recipient


def add(api: Client, certificate: Certificate, rows: Any) -> Any:
    return api.post(
        f"/api/v1/certificates/{certificate.public_id}/recipients",
        {"recipients": rows},
        content_type="application/json",
    )


def errors_by_loc(response: Any) -> dict[tuple[Any, ...], str]:
    assert response.status_code == 422, response.content
    return {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}


def test_it_adds_recipients_and_returns_them(api: Client, certificate: Certificate) -> None:
    response = add(
        api,
        certificate,
        [
            {
                "name": "Jürgen Müller-Łukasz",
                "email": "Juergen@Example.COM",
                "attributes": {"grade": "A"},
            },
            {"name": "Åsa Øberg"},
            {"name": "Chen Wei", "email": None, "attributes": {"hours": 12}},
        ],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 3
    first, second, third = body["items"]
    assert first["name"] == "Jürgen Müller-Łukasz"
    assert first["email"] == "juergen@example.com"
    assert first["attributes"] == {"grade": "A"}
    assert first["email_status"] == "not_sent"
    assert first["status"] == "not_sent"
    assert first["certificate_id"] == certificate.public_id
    assert first["claimed_at"] is None
    assert first["downloaded"] is False
    assert first["shared"] == []
    assert first["added_to_linkedin"] is False
    assert first["revoked"] is False
    recipient = Recipient.objects.get(public_id=first["id"])
    assert first["token"] == recipient.token
    assert f"/r/{recipient.token}?via=api." in first["url"]
    assert first["verify_url"].endswith(f"/v/{recipient.credential_id}")
    assert second["email"] == ""
    assert second["email_status"] == "not_provided"
    assert third["attributes"] == {"hours": "12"}
    assert Recipient.objects.filter(certificate=certificate).count() == 3


def test_it_names_every_bad_row_and_adds_nothing(api: Client, certificate: Certificate) -> None:
    response = add(
        api,
        certificate,
        [
            {"name": "Good Person", "email": "good@example.com"},
            {"name": "Bad Syntax", "email": "not-an-address"},
            {"name": "Typo", "email": "someone@gmial.com"},
            {"name": "Again", "email": "GOOD@example.com"},
            {"name": "x" * 500, "email": "long@example.com"},
            {"email": "noname@example.com"},
            {"name": "Odd attributes", "attributes": {"grade": ["A"]}},
        ],
    )
    errors = errors_by_loc(response)
    assert set(errors) == {
        ("recipients", 1, "email"),
        ("recipients", 2, "email"),
        ("recipients", 3, "email"),
        ("recipients", 4, "name"),
        ("recipients", 5, "name"),
        ("recipients", 6, "attributes"),
    }
    assert "not a valid email" in errors[("recipients", 1, "email")]
    assert "did you mean someone@gmail.com?" in errors[("recipients", 2, "email")]
    assert "row 0" in errors[("recipients", 3, "email")]
    assert "500" in errors[("recipients", 4, "name")]
    assert not Recipient.objects.exists()
    assert not Event.objects.exists()


def test_it_rejects_an_address_already_on_the_list(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    response = add(
        api,
        certificate,
        [{"name": "New", "email": "new@example.com"}, {"name": "A", "email": "ADA@example.com"}],
    )
    errors = errors_by_loc(response)
    assert list(errors) == [("recipients", 1, "email")]
    assert "already a recipient" in errors[("recipients", 1, "email")]
    assert Recipient.objects.count() == 1


def test_it_rejects_rows_that_do_not_fit_the_schema(api: Client, certificate: Certificate) -> None:
    response = add(
        api,
        certificate,
        [
            {"name": "Ok", "emial": "typo-in-key@example.com"},
            "just a string",
            {"name": "Listy", "attributes": ["grade", "A"]},
            {"name": 42},
        ],
    )
    errors = errors_by_loc(response)
    assert set(errors) == {
        ("recipients", 0, "emial"),
        ("recipients", 1),
        ("recipients", 2, "attributes"),
        ("recipients", 3, "name"),
    }
    assert errors[("recipients", 0, "emial")] == "Unknown field."
    assert errors[("recipients", 2, "attributes")] == "Must be a JSON object."
    assert not Recipient.objects.exists()


def test_it_rejects_an_empty_or_missing_list(api: Client, certificate: Certificate) -> None:
    assert list(errors_by_loc(add(api, certificate, []))) == [("recipients",)]
    missing = api.post(
        f"/api/v1/certificates/{certificate.public_id}/recipients",
        {"people": []},
        content_type="application/json",
    )
    assert set(errors_by_loc(missing)) == {("recipients",), ("people",)}


def test_it_returns_html_in_a_name_as_is(api: Client, certificate: Certificate) -> None:
    name = "<b>Bold</b> & <img src=x onerror=alert(1)>"
    response = add(api, certificate, [{"name": name, "email": "b@example.com"}])
    assert response.status_code == 201
    assert response.json()["items"][0]["name"] == name
    listed = api.get(f"/api/v1/certificates/{certificate.public_id}/recipients").json()
    assert listed["items"][0]["name"] == name

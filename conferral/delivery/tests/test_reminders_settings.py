"""A certificate's reminder settings (remind after N days, at most M reminders, a claim
deadline) are set on the dashboard's settings page and through the API; a value that
makes no sense is refused with an error on its field, and nothing is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conferral.certificates.models import Certificate

FORM = {"name": "Python Fundamentals", "kind": "certificate", "language": "en"}


def _settings(certificate: Certificate) -> str:
    return reverse(
        "dashboard:certificate_settings", kwargs={"certificate_id": certificate.public_id}
    )


def test_it_saves_the_reminder_settings_from_the_settings_page(
    user_client: Client, certificate: Certificate
) -> None:
    today = timezone.localdate()
    deadline = today + dt.timedelta(days=30)
    page = user_client.get(_settings(certificate)).content.decode()
    assert "Remind after (days)" in page
    assert "Claim deadline" in page

    response = user_client.post(
        _settings(certificate),
        {
            **FORM,
            "issue_date": today.isoformat(),
            "reminder_interval_days": "5",
            "reminder_limit": "3",
            "claim_deadline": deadline.isoformat(),
        },
    )

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert (
        certificate.reminder_interval_days,
        certificate.reminder_limit,
        certificate.claim_deadline,
    ) == (5, 3, deadline)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reminder_interval_days", "0", "Remind after 1 to 365 days"),
        ("reminder_interval_days", "400", "Remind after 1 to 365 days"),
        ("reminder_limit", "11", "Send 1 to 10 reminders."),
        ("reminder_limit", "0", "Send 1 to 10 reminders."),
        ("claim_deadline", "2020-01-01", "The claim deadline cannot be before the issue date."),
    ],
)
def test_it_refuses_reminder_settings_that_make_no_sense(
    user_client: Client, certificate: Certificate, field: str, value: str, message: str
) -> None:
    data = {**FORM, "issue_date": "2026-01-10", "reminder_interval_days": "7", field: value}

    response = user_client.post(_settings(certificate), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.reminder_interval_days is None


def test_it_takes_and_answers_the_reminder_settings_in_the_api(api: Client) -> None:
    body: dict[str, Any] = {
        "name": "Python",
        "kind": "certificate",
        "issue_date": "2026-03-01",
        "reminder_interval_days": 7,
        "reminder_limit": 3,
        "claim_deadline": "2026-04-01",
    }

    response = api.post("/api/v1/certificates", body, content_type="application/json")

    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["reminder_interval_days"], answer["reminder_limit"]) == (7, 3)
    assert answer["claim_deadline"] == "2026-04-01"
    fetched = api.get(f"/api/v1/certificates/{answer['id']}").json()
    assert fetched["claim_deadline"] == "2026-04-01"


def test_it_refuses_invalid_reminder_settings_in_the_api_and_creates_nothing(
    api: Client,
) -> None:
    body = {
        "name": "Python",
        "kind": "certificate",
        "issue_date": "2026-03-01",
        "reminder_interval_days": 0,
        "reminder_limit": 50,
        "claim_deadline": "2026-02-01",
    }

    response = api.post("/api/v1/certificates", body, content_type="application/json")

    assert response.status_code == 422
    locations = sorted(error["loc"][0] for error in response.json()["detail"])
    assert locations == ["claim_deadline", "reminder_interval_days", "reminder_limit"]
    assert not Certificate.objects.filter(name="Python").exists()

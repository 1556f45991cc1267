"""Opens and clicks by people, by machines and all of them side by side, and null for
what the organization does not track (the dashboard's "not tracked" is tested in
conferral/dashboard/tests/test_privacy.py). Opens and a person's click go
through the tracking services; a machine's click is set on the row as the tracking
leaves it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.accounts.privacy import PrivacySettings, organization_privacy_update
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, recipients_add
from conferral.certificates.status import EmailStatus
from conferral.stats.selectors import certificate_statistics
from conferral.tracking.services import email_click_record, email_open_record

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
IMAGE_PROXY = "Mozilla/5.0"  # bare, from no known network: an image proxy


def _part(count: int, total: int = 6) -> dict[str, Any]:
    return {"count": count, "percent": round(count * 100 / total, 1)}


@pytest.fixture
def engaged(certificate: Certificate) -> Certificate:
    """Six delivered recipients: one opened, one clicked (images blocked), one opened
    by an image proxy only, one opened by a person and by a proxy, one whose link a
    scanner followed, one who did nothing."""
    rows = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(6)]
    recipients_add(certificate=certificate, rows=rows)
    delivered_at = timezone.now() - dt.timedelta(hours=1)
    Recipient.objects.filter(certificate=certificate).update(
        email_status=EmailStatus.DELIVERED, first_sent_at=delivered_at, delivered_at=delivered_at
    )
    opened, clicked, proxy, both, scanned, _idle = Recipient.objects.filter(
        certificate=certificate
    ).order_by("pk")
    email_open_record(recipient=opened, user_agent=BROWSER)
    email_click_record(recipient=clicked, user_agent=BROWSER)
    email_open_record(recipient=proxy, user_agent=IMAGE_PROXY)
    email_open_record(recipient=both, user_agent=BROWSER)
    email_open_record(recipient=both, user_agent=IMAGE_PROXY)
    Recipient.objects.filter(pk=scanned.pk).update(machine_clicked_at=timezone.now())
    return certificate


OPENS = {"human": _part(3), "machine": _part(3), "all": _part(5)}  # the scan infers an open
CLICKS = {"human": _part(1), "machine": _part(1), "all": _part(2)}


def test_it_counts_people_machines_and_all_side_by_side(engaged: Certificate) -> None:
    statistics = certificate_statistics(engaged)
    assert statistics["opens"] == OPENS
    assert statistics["clicks"] == CLICKS
    assert statistics["tracking"] == {"opens": True, "clicks": True}
    # The fields clients already read keep their meaning.
    assert statistics["email"]["opened"] == 3
    assert statistics["email"]["clicked"] == 1
    assert statistics["machine_opens"] == 1


def test_it_serves_people_machines_and_all_through_the_api(
    api: Client, engaged: Certificate
) -> None:
    body = api.get(f"/api/v1/certificates/{engaged.public_id}/statistics").json()
    assert body["opens"] == OPENS
    assert body["clicks"] == CLICKS
    assert body["tracking"] == {"opens": True, "clicks": True}


@pytest.mark.parametrize(
    ("opens", "clicks"), [(False, True), (True, False), (False, False)], ids=str
)
def test_it_gives_null_for_what_the_organization_does_not_track(
    api: Client, org: Organization, engaged: Certificate, opens: bool, clicks: bool
) -> None:
    organization_privacy_update(
        organization=org,
        values=PrivacySettings(track_opens=opens, track_clicks=clicks, event_retention_days=None),
        by="test",
    )
    body = api.get(f"/api/v1/certificates/{engaged.public_id}/statistics").json()
    assert body["tracking"] == {"opens": opens, "clicks": clicks}
    assert body["opens"] == (OPENS if opens else None)
    assert body["clicks"] == (CLICKS if clicks else None)
    assert body["email"]["opened"] == 3  # unchanged for the clients that read it

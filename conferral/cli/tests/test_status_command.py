"""`conferral status CERTIFICATE_ID`: opens and clicks by people, by machines and all,
as the overview shows them, and "not tracked" for what the organization switched off."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.accounts.privacy import PrivacySettings, organization_privacy_update
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import EmailStatus
from conferral.cli.tests.conftest import Run

OPENS = "Opens: people 2 (66.7 %) · machines 1 (33.3 %) · all 3 (100.0 %)"
CLICKS = "Clicks: people 1 (33.3 %) · machines 1 (33.3 %) · all 2 (66.7 %)"


@pytest.fixture
def engaged(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> Certificate:
    """One recipient opened, one clicked (images blocked), one was only opened by an
    image proxy and had its link followed by a scanner."""
    now = timezone.now()
    delivered = {"email_status": EmailStatus.DELIVERED, "first_sent_at": now, "delivered_at": now}
    opened, clicked, machine = add_recipients(
        ("Ada", "ada@example.com"), ("Bo", "bo@example.com"), ("Cy", "cy@example.com")
    )
    Recipient.objects.filter(pk=opened.pk).update(
        **{**delivered, "email_status": EmailStatus.OPENED}, opened_at=now
    )
    Recipient.objects.filter(pk=clicked.pk).update(
        **{**delivered, "email_status": EmailStatus.CLICKED}, clicked_at=now
    )
    Recipient.objects.filter(pk=machine.pk).update(
        **delivered, machine_opened_at=now, machine_clicked_at=now
    )
    return certificate


def _switch(organization: Organization, *, opens: bool, clicks: bool) -> None:
    organization_privacy_update(
        organization=organization,
        values=PrivacySettings(track_opens=opens, track_clicks=clicks, event_retention_days=None),
        by="test",
    )


def test_it_prints_opens_and_clicks_by_people_machines_and_all(
    run: Run, engaged: Certificate
) -> None:
    result = run("status", engaged.public_id)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert OPENS in lines
    assert CLICKS in lines
    assert "Opened: 2" in lines
    assert "Clicked: 1" in lines
    assert "Opened only by a machine (not counted as opened): 1" in lines
    assert "Delivered: 3" in lines


@pytest.mark.parametrize(("opens", "clicks"), [(False, True), (True, False), (False, False)])
def test_it_prints_not_tracked_for_what_the_organization_does_not_track(
    run: Run, org: Organization, engaged: Certificate, opens: bool, clicks: bool
) -> None:
    _switch(org, opens=opens, clicks=clicks)
    lines = run("status", engaged.public_id).stdout.splitlines()
    assert (OPENS in lines) is opens
    assert ("Opens: not tracked" in lines) is not opens
    assert ("Opened: 2" in lines) is opens
    assert ("Opened: not tracked" in lines) is not opens
    assert (CLICKS in lines) is clicks
    assert ("Clicks: not tracked" in lines) is not clicks
    assert ("Clicked: not tracked" in lines) is not clicks
    data = json.loads(run("status", engaged.public_id, "--json").stdout)
    assert data["tracking"] == {"opens": opens, "clicks": clicks}

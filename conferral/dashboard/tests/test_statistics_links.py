"""The overview's opens and clicks by people, by machines and all: each number links
to the recipients tab filtered to the fact it counts, and that list holds exactly the
recipients counted; a figure that is not tracked links nowhere."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.accounts.privacy import PrivacySettings, organization_privacy_update
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RawRow, recipients_add
from conferral.certificates.status import EmailStatus

NOW = timezone.now()

# name -> columns, as the tracking leaves them.
STATES: dict[str, dict[str, Any]] = {
    "Ada Opened": {"email_status": EmailStatus.OPENED, "opened_at": NOW},
    "Bo Clicked": {"email_status": EmailStatus.CLICKED, "clicked_at": NOW},
    "Cy Proxy": {"machine_opened_at": NOW},
    "Di Both": {"email_status": EmailStatus.OPENED, "opened_at": NOW, "machine_opened_at": NOW},
    "Ed Scanned": {"machine_clicked_at": NOW},
    "Flo Idle": {},
}

# fact -> the recipients its number counts.
COUNTED = {
    "opened": {"Ada Opened", "Bo Clicked", "Di Both"},
    # A machine's click infers a machine's open.
    "machine_opened": {"Cy Proxy", "Di Both", "Ed Scanned"},
    "opened_any": {"Ada Opened", "Bo Clicked", "Cy Proxy", "Di Both", "Ed Scanned"},
    "clicked": {"Bo Clicked"},
    "machine_clicked": {"Ed Scanned"},
    "clicked_any": {"Bo Clicked", "Ed Scanned"},
}
OPEN_FACTS = ("opened", "machine_opened", "opened_any")
CLICK_FACTS = ("clicked", "machine_clicked", "clicked_any")


@pytest.fixture
def engaged(certificate: Certificate) -> Certificate:
    rows = [RawRow(i, name, f"p{i}@example.com") for i, name in enumerate(STATES)]
    delivered_at = NOW - dt.timedelta(hours=1)
    for recipient in recipients_add(certificate=certificate, rows=rows).recipients:
        Recipient.objects.filter(pk=recipient.pk).update(
            email_status=EmailStatus.DELIVERED,
            first_sent_at=delivered_at,
            delivered_at=delivered_at,
        )
        Recipient.objects.filter(pk=recipient.pk).update(**STATES[recipient.name])
    return certificate


def _overview(client: Client, certificate: Certificate) -> str:
    return client.get(
        reverse("dashboard:certificate", args=[certificate.public_id])
    ).content.decode()


def _links(html: str, recipients_url: str) -> dict[str, str]:
    """fact -> the number shown in the side-by-side table's cell linking to it."""
    table = html[html.index("Opens and clicks: people, machines and all") :]
    table = table[: table.index("</table>")]
    pattern = rf'<a href="{re.escape(recipients_url)}\?fact=(\w+)">(\d+)</a>'
    return dict(re.findall(pattern, table))


def _listed(client: Client, recipients_url: str, fact: str) -> set[str]:
    html = client.get(recipients_url, {"fact": fact}).content.decode()
    return {name for name in STATES if f">{name}</a>" in html}


def test_it_links_every_opens_and_clicks_number_to_exactly_the_recipients_it_counts(
    user_client: Client, engaged: Certificate
) -> None:
    recipients_url = reverse("dashboard:certificate_recipients", args=[engaged.public_id])
    links = _links(_overview(user_client, engaged), recipients_url)
    assert links == {fact: str(len(names)) for fact, names in COUNTED.items()}
    for fact, names in COUNTED.items():
        assert _listed(user_client, recipients_url, fact) == names, fact


@pytest.mark.parametrize(("opens", "clicks"), [(False, True), (True, False), (False, False)])
def test_it_links_no_figure_that_is_not_tracked(
    user_client: Client, org: Organization, engaged: Certificate, opens: bool, clicks: bool
) -> None:
    organization_privacy_update(
        organization=org,
        values=PrivacySettings(track_opens=opens, track_clicks=clicks, event_retention_days=None),
        by="test",
    )
    recipients_url = reverse("dashboard:certificate_recipients", args=[engaged.public_id])
    links = _links(_overview(user_client, engaged), recipients_url)
    linked = (OPEN_FACTS if opens else ()) + (CLICK_FACTS if clicks else ())
    assert set(links) == set(linked)


def test_it_offers_the_new_facts_in_the_recipients_filter(
    user_client: Client, engaged: Certificate
) -> None:
    recipients_url = reverse("dashboard:certificate_recipients", args=[engaged.public_id])
    html = user_client.get(recipients_url).content.decode()
    for fact, label in [
        ("machine_opened", "Opened by a machine"),
        ("machine_clicked", "Clicked by a machine"),
        ("opened_any", "Opened, by a person or a machine"),
        ("clicked_any", "Clicked, by a person or a machine"),
    ]:
        assert f'<option value="{fact}">{label}</option>' in html

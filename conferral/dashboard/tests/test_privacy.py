"""Team → Privacy: owners and admins change whether emails track opens and clicks and
how long events are kept, viewers only see them, another organization's page is a
404; and the overview says "not tracked" for what is off, with a link to the setting
for those who may change it."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization, Role
from conferral.accounts.privacy import PrivacySettings, organization_privacy_update
from conferral.accounts.services import user_create
from conferral.certificates.models import Certificate
from conferral.certificates.services import RawRow, recipients_add


def _url(organization: Organization) -> str:
    return f"/organizations/{organization.public_id}/privacy/"


def _switch(organization: Organization, *, opens: bool, clicks: bool) -> None:
    organization_privacy_update(
        organization=organization,
        values=PrivacySettings(track_opens=opens, track_clicks=clicks, event_retention_days=None),
        by="test",
    )


@pytest.fixture
def admin_client(client: Client, org: Organization) -> Client:
    user_create(
        email="admin@acme.test", password="correct horse battery", organization=org, role=Role.ADMIN
    )
    client.login(username="admin@acme.test", password="correct horse battery")
    return client


def test_it_lets_an_admin_switch_tracking_off_and_keep_events_for_a_month(
    admin_client: Client, org: Organization
) -> None:
    response = admin_client.post(
        _url(org), {"track_clicks": "on", "event_retention_days": "30"}, follow=True
    )
    assert "The privacy settings were saved." in response.content.decode()
    org.refresh_from_db()
    assert (org.track_opens, org.track_clicks, org.event_retention_days) == (False, True, 30)
    response = admin_client.post(_url(org), {"track_opens": "on", "track_clicks": "on"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.track_opens, org.track_clicks, org.event_retention_days) == (True, True, None)


def test_it_explains_each_setting_and_the_installation_default(
    user_client: Client, org: Organization, settings: Settings
) -> None:
    settings.EVENT_RETENTION_DAYS = 395
    page = user_client.get(_url(org)).content.decode()
    assert "the emails carry no tracking image" in page
    assert "the emails link straight to the recipient" in page
    assert "Older events" in page
    assert "events are kept for 395 days" in page
    settings.EVENT_RETENTION_DAYS = 0
    assert "events are kept forever" in user_client.get(_url(org)).content.decode()


@pytest.mark.parametrize("days", ["0", "3651", "-5", "ten", "1.5"])
def test_it_refuses_a_retention_outside_one_to_3650_days_and_keeps_what_was_typed(
    user_client: Client, org: Organization, days: str
) -> None:
    response = user_client.post(_url(org), {"event_retention_days": days})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page or "errorlist" in page
    assert f'value="{days}"' in page
    org.refresh_from_db()
    assert (org.track_opens, org.track_clicks, org.event_retention_days) == (True, True, None)


def test_it_shows_a_viewer_the_settings_read_only_and_refuses_their_change(
    viewer_client: Client, org: Organization
) -> None:
    page = viewer_client.get(_url(org)).content.decode()
    assert page.count("disabled") >= 3
    assert "Only owners and admins can change the privacy settings." in page
    assert ">Save<" not in page
    response = viewer_client.post(_url(org), {"event_retention_days": "30"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert (org.track_opens, org.event_retention_days) == (True, None)


def test_it_answers_404_for_another_organizations_privacy_page(
    user_client: Client, other_org: Organization
) -> None:
    assert user_client.get(_url(other_org)).status_code == 404
    assert user_client.post(_url(other_org), {"event_retention_days": "30"}).status_code == 404
    other_org.refresh_from_db()
    assert other_org.event_retention_days is None


def test_it_links_the_privacy_page_from_the_team_page(
    user_client: Client, org: Organization
) -> None:
    assert f'href="{_url(org)}"' in user_client.get("/team/").content.decode()


@pytest.fixture
def sent(certificate: Certificate) -> Certificate:
    recipients_add(certificate=certificate, rows=[RawRow(0, "Ada", "ada@example.com")])
    return certificate


def test_it_shows_not_tracked_on_the_overview_with_a_link_for_an_owner(
    user_client: Client, org: Organization, sent: Certificate
) -> None:
    page = f"/certificates/{sent.public_id}/"
    shown = user_client.get(page).content.decode()
    assert "not tracked" not in shown
    assert "Opens and clicks: people, machines and all" in shown
    _switch(org, opens=False, clicks=True)
    shown = user_client.get(page).content.decode()
    assert shown.count("not tracked") == 2  # the email figures and the side-by-side row
    assert "does not track opens" in shown
    assert f'href="{_url(org)}"' in shown


def test_it_shows_a_viewer_not_tracked_without_the_settings_link(
    viewer_client: Client, org: Organization, sent: Certificate
) -> None:
    _switch(org, opens=False, clicks=False)
    shown = viewer_client.get(f"/certificates/{sent.public_id}/").content.decode()
    assert shown.count("not tracked") == 4
    assert "tracks neither opens nor clicks" in shown
    assert _url(org) not in shown

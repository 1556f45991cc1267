"""A user in several organizations switches between them in the top bar: the current
organization is kept in the session, the certificate list and the team page show it,
and an organization that is not one's own cannot be chosen."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from conferral.accounts.models import Organization, Role
from conferral.accounts.services import organization_get_or_create
from conferral.certificates.services import certificate_create
from conferral.dashboard.tests.team_support import member_add, signed_in


def test_it_switches_the_current_organization(
    client: Client, org: Organization, other_org: Organization
) -> None:
    member_add(org, "ada@example.org", Role.OWNER)
    member_add(other_org, "ada@example.org", Role.VIEWER)
    certificate_create(organization=org, name="Acme Course")
    certificate_create(organization=other_org, name="Other Course")
    strangers = organization_get_or_create(name="Strangers")
    certificate_create(organization=strangers, name="Strangers Course")
    signed_in(client, "ada@example.org")

    first = client.get(reverse("dashboard:home")).content.decode()
    switched = client.post(
        reverse("dashboard:organization_switch"), {"organization": other_org.public_id}
    )
    second = client.get(reverse("dashboard:home")).content.decode()
    team = client.get(reverse("dashboard:team")).content.decode()

    assert reverse("dashboard:organization_switch") in first
    assert "Acme Course" in first
    assert "Other Course" not in first
    assert switched.status_code == 302
    assert "Other Course" in second
    assert "Acme Course" not in second
    assert "Other Org" in team
    assert client.post(reverse("dashboard:certificate_new"), {"name": "X"}).status_code == 403
    refused = client.post(
        reverse("dashboard:organization_switch"), {"organization": strangers.public_id}
    )
    assert refused.status_code == 404
    assert "Strangers Course" not in client.get(reverse("dashboard:home")).content.decode()


def test_it_shows_only_the_name_of_a_single_organization(client: Client, org: Organization) -> None:
    member_add(org, "ada@example.org", Role.OWNER)
    signed_in(client, "ada@example.org")

    page = client.get(reverse("dashboard:home")).content.decode()

    assert reverse("dashboard:organization_switch") not in page
    assert "Acme Academy" in page
    assert reverse("dashboard:team") in page

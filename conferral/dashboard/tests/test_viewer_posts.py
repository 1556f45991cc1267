"""A viewer sees everything and changes nothing, enforced by the server: every POST of
a viewer to every dashboard URL (discovered from conferral/dashboard/urls.py, so a URL
added later is covered too), with the ids of the viewer's own organization's objects,
is refused and changes nothing. Only the URLs that act on the signed-in person
(signing out, resetting one's password, switching organizations, accepting an
invitation) are left out, and that list is checked too."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization, Role
from conferral.certificates.models import Certificate, Recipient
from conferral.dashboard.access import PERSONAL_URL_NAMES
from conferral.dashboard.tests.team_support import (
    PERSONAL,
    dashboard_routes,
    member_add,
    organization_objects,
    snapshot,
)


def test_it_refuses_every_post_of_a_viewer_to_every_dashboard_url(
    viewer_client: Client,
    org: Organization,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    settings: Settings,
) -> None:
    settings.EMAIL_URL = "mailbox:"
    member_add(org, "owner@acme.test", Role.OWNER)
    recipient, *_others = add_recipients(("Ada Lovelace", "ada@example.com"))
    values = organization_objects(org, certificate, recipient)
    routes = [route for route in dashboard_routes() if route.name not in PERSONAL]
    assert len(routes) >= 10, routes
    before = snapshot()

    answers = {}
    for route in routes:
        path = route.path(values)
        answers[path] = viewer_client.post(path, {"role": "owner", "email": "x@example.org"})

    refused = {path: response.status_code for path, response in answers.items()}
    assert set(refused.values()) <= {403, 405}, refused
    assert snapshot() == before


def test_it_leaves_out_only_the_urls_that_act_on_the_signed_in_person() -> None:
    names = {route.name for route in dashboard_routes()}
    assert names >= PERSONAL
    assert PERSONAL_URL_NAMES == PERSONAL

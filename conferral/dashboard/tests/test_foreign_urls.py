"""A member (even an owner) of another organization gets a 404 on every dashboard URL
that names one of our organization's objects, the mailbox included: every URL of
conferral/dashboard/urls.py (discovered, so a URL added later is covered too), GET and
POST; a POST that the URL does not take at all may be a 405, which tells nothing
either. Nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization, Role
from conferral.certificates.models import Certificate, Recipient
from conferral.dashboard.tests.team_support import (
    PERSONAL,
    dashboard_routes,
    member_add,
    organization_objects,
    signed_in,
    snapshot,
)


def test_it_answers_404_to_another_organization_on_every_dashboard_url(
    client: Client,
    org: Organization,
    other_org: Organization,
    certificate: Certificate,
    add_recipients: Callable[..., list[Recipient]],
    settings: Settings,
) -> None:
    settings.EMAIL_URL = "mailbox:"
    member_add(org, "owner@acme.test", Role.OWNER)
    member_add(other_org, "owner@other.test", Role.OWNER)
    recipient, *_others = add_recipients(("Ada Lovelace", "ada@example.com"))
    values = organization_objects(org, certificate, recipient)
    routes = [
        route for route in dashboard_routes() if route.arguments and route.name not in PERSONAL
    ]
    assert {"mailbox_message", "mailbox_message_html", "team_member_role"} <= {
        route.name for route in routes
    }
    foreigner = signed_in(client, "owner@other.test")
    before = snapshot()

    answers: dict[str, tuple[int, int]] = {}
    for route in routes:
        path = route.path(values)
        answers[path] = (
            foreigner.get(path).status_code,
            foreigner.post(path, {"role": "viewer"}).status_code,
        )

    for path, (get, post) in answers.items():
        assert {get, post} <= {404, 405}, (path, get, post)
        assert 404 in {get, post}, (path, get, post)
    assert snapshot() == before

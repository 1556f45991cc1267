"""Signing in through the login form in a browser test (the fixtures of
conferral.testing.browser load before Django, so this lives apart)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from conferral.accounts.models import Organization
from conferral.accounts.services import user_create

OWNER_EMAIL = "owner@acme.test"
OWNER_PASSWORD = "correct horse battery"


def sign_in_owner(page: Page, organization: Organization) -> None:
    """Create an owner of `organization` and sign in as them through the login form."""
    user_create(email=OWNER_EMAIL, password=OWNER_PASSWORD, organization=organization)
    page.goto("/login/")
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))

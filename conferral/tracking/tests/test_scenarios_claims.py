"""Whole histories of how a recipient reached and claimed their credential, through
the real interfaces (conferral.testing.histories): the certificate sent through the API
and delivered to a real SMTP server, then the person claiming through the email's link,
a link the issuer copied from the dashboard, a link an integration read from the API, or
the token typed into the claim page; and links tampered with or used again. Each history
is one case, and each case checks all that the issuer can read of it: the recipient's
status columns, every statistic of the certificate, every sentence of the timeline in
order, and the summary on the dashboard and in the API."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from conferral.accounts.models import Organization
from conferral.testing.histories import Columns
from conferral.testing.history_steps import Claim, Click, Handout, Tamper, TypeToken, Visit
from conferral.testing.scenarios import (
    DAY,
    HOUR,
    LAPTOP,
    MINUTE,
    NOT_OPENED,
    PHONE,
    SENT,
    STILL_DELIVERED,
    Figures,
    Scenario,
    scenario_play,
)
from conferral.testing.smtp import SmtpServer

SCENARIOS = [
    Scenario(
        "a claim through a link copied from the dashboard",
        steps=[Visit(DAY, LAPTOP, Handout.DASHBOARD), Claim(DAY + MINUTE, LAPTOP)],
        columns=Columns("delivered", "claimed", claimed_at=DAY + MINUTE, claim_channel="admin"),
        figures=Figures(claimed=1),
        timeline=[
            "Recipient page viewed through a link copied from the dashboard. It happened 2 "
            "times between 09:00 and 09:01 from the same network address.",
            "Claimed through a link copied from the dashboard — no email click expected.",
        ],
        summary=f"{NOT_OPENED} Claimed at March 5, 2030, 09:01 through a link copied from the "
        "dashboard (or the dashboard's recipient view), so no email open or click was needed. "
        f"{STILL_DELIVERED}",
    ),
    Scenario(
        "a claim through a link handed out by the API",
        steps=[Visit(DAY, LAPTOP, Handout.API), Claim(DAY + MINUTE, LAPTOP)],
        columns=Columns("delivered", "claimed", claimed_at=DAY + MINUTE, claim_channel="api"),
        figures=Figures(claimed=1),
        timeline=[
            "Recipient page viewed through a link handed out by the API or an integration. It "
            "happened 2 times between 09:00 and 09:01 from the same network address.",
            "Claimed through a link handed out by the API or an integration — no email click "
            "expected.",
        ],
        summary=f"{NOT_OPENED} Claimed at March 5, 2030, 09:01 through a link handed out by the "
        f"API or an integration, so no email open or click was needed. {STILL_DELIVERED}",
    ),
    Scenario(
        "a claim with the token typed into the claim page",
        steps=[TypeToken(DAY, LAPTOP)],
        columns=Columns("delivered", "claimed", claimed_at=DAY, claim_channel="token"),
        figures=Figures(claimed=1),
        timeline=[
            "Claimed by typing the token into the claim page — no email click expected.",
            "Recipient page viewed after typing the token into the claim page.",
        ],
        summary=f"{NOT_OPENED} Claimed at March 5, 2030, 09:00 by typing the token into the "
        f"claim page, so no email open or click was needed. {STILL_DELIVERED}",
    ),
    Scenario(
        "tampered tracking links record nothing, and a tampered page link is no email's",
        steps=[
            Tamper(HOUR, LAPTOP),
            Visit(HOUR + MINUTE, LAPTOP, Handout.FORGED),
            Claim(HOUR + 2 * MINUTE, LAPTOP),
        ],
        columns=Columns(
            "delivered", "claimed", claimed_at=HOUR + 2 * MINUTE, claim_channel="admin"
        ),
        figures=Figures(claimed=1),
        timeline=[
            "Recipient page viewed through a link copied from the dashboard. It happened 2 "
            "times between 10:01 and 10:02 from the same network address.",
            "Claimed through a link copied from the dashboard — no email click expected.",
        ],
        summary=f"{NOT_OPENED} Claimed at March 4, 2030, 10:02 through a link copied from the "
        "dashboard (or the dashboard's recipient view), so no email open or click was needed. "
        f"{STILL_DELIVERED}",
    ),
    Scenario(
        "the email's link used again a week later, on another device",
        steps=[Click(HOUR, LAPTOP), Claim(HOUR + MINUTE, LAPTOP), Click(7 * DAY, PHONE)],
        columns=Columns(
            "clicked",
            "claimed",
            opened_at=HOUR,
            clicked_at=HOUR,
            claimed_at=HOUR + MINUTE,
            claim_channel="email",
        ),
        figures=Figures(claimed=1, opened=1, clicked=1, opened_any=1, clicked_any=1),
        timeline=[
            "Open inferred from a click on the email's link (its images were not loaded).",
            "Clicked the “Get certificate” link in the email.",
            "Recipient page viewed through the link in our email. It happened 2 times between "
            "10:00 and 10:01 from the same network address.",
            "Claimed through the link in our email.",
            "Clicked the “Get certificate” link in the email.",
            "Recipient page viewed through the link in our email.",
        ],
        summary="The email was delivered and its “Get certificate” link clicked at March 4, "
        "2030, 10:00. Claimed at March 4, 2030, 10:01 through the link in our email.",
    ),
]


@pytest.fixture(autouse=True)
def quick_logins(settings: SettingsWrapper) -> None:
    """Every history creates the issuer's account: a fast hasher keeps that cheap."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_it_tells_how_the_credential_was_reached_and_claimed(
    scenario: Scenario, org: Organization, smtp: SmtpServer
) -> None:
    reading = scenario_play(scenario, org, smtp)

    assert reading.columns == scenario.columns
    assert reading.statistics == scenario.figures.statistics()
    assert reading.timeline == [*SENT, *scenario.timeline]
    assert reading.dashboard_summary == scenario.summary
    assert reading.summary == " ".join([scenario.summary, *scenario.advice])

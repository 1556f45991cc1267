"""Whole histories of what opened and clicked a recipient's email, through the real
interfaces (conferral.testing.histories): the certificate sent through the API and
delivered to a real SMTP server, then mail clients, image proxies, link scanners and the
person each fetching the image or following a link at their moment after delivery. Each
history is one case, and each case checks all that the issuer can read of it: the
recipient's status columns, every statistic of the certificate, every sentence of the
timeline in order, and the summary on the dashboard and in the API. (How the credential
was reached and claimed: test_scenarios_claims.py.)"""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from conferral.accounts.models import Organization
from conferral.testing.histories import Columns
from conferral.testing.history_steps import Bounce, Claim, Click, FollowHidden, Open
from conferral.testing.scenarios import (
    APPLE_PROXY,
    BARE_PROXY,
    GMAIL_PROXY,
    HOUR,
    LAPTOP,
    MILLISECOND,
    MINUTE,
    NOT_CLAIMED,
    NOT_OPENED,
    OFFICE,
    PHONE,
    SAFE_LINKS,
    SCANNER,
    SECOND,
    SENT,
    Figures,
    Scenario,
    scenario_play,
)
from conferral.testing.smtp import SmtpServer

SCENARIOS = [
    Scenario(
        "an Apple Mail Privacy Protection open seconds after delivery",
        steps=[Open(3 * SECOND, APPLE_PROXY), Open(4 * MINUTE, APPLE_PROXY)],
        columns=Columns("delivered", "delivered", machine_opened_at=3 * SECOND),
        figures=Figures(machine_opened=1, opened_any=1, machine_opened_only=1),
        timeline=[
            "Open recorded by Apple's image proxy (Mail Privacy Protection) (not proof of "
            "reading). It happened 2 times between 09:00 and 09:04 from the same network "
            "address.",
        ],
        summary=f"{NOT_OPENED} Only an automated open was recorded (an image proxy such as "
        f"Apple's), which is not proof of reading. {NOT_CLAIMED}",
    ),
    Scenario(
        "a Safe Links click on delivery, then the person reads, clicks and claims",
        steps=[
            Click(2 * SECOND, SAFE_LINKS),
            Open(20 * MINUTE, OFFICE),
            Click(21 * MINUTE, OFFICE),
            Claim(22 * MINUTE, OFFICE),
        ],
        columns=Columns(
            "clicked",
            "claimed",
            opened_at=20 * MINUTE,
            clicked_at=21 * MINUTE,
            machine_clicked_at=2 * SECOND,
            claimed_at=22 * MINUTE,
            claim_channel="email",
        ),
        figures=Figures(
            claimed=1,
            opened=1,
            clicked=1,
            machine_opened=1,
            machine_clicked=1,
            opened_any=1,
            clicked_any=1,
        ),
        timeline=[
            "Link followed by Microsoft's link scanner (Safe Links), not by a person.",
            "Recipient page fetched by Microsoft's link scanner (Safe Links), not by a person.",
            "Opened: the email's tracking image was loaded.",
            "Clicked the “Get certificate” link in the email.",
            "Recipient page viewed through the link in our email. It happened 2 times between "
            "09:21 and 09:22 from the same network address.",
            "Claimed through the link in our email.",
        ],
        summary="The email was delivered and its “Get certificate” link clicked at March 4, "
        "2030, 09:21. Claimed at March 4, 2030, 09:22 through the link in our email.",
    ),
    Scenario(
        "a person opens the email on their phone, and again later",
        steps=[Open(15 * MINUTE, PHONE), Open(2 * HOUR, PHONE)],
        columns=Columns("opened", "delivered", opened_at=15 * MINUTE),
        figures=Figures(opened=1, opened_any=1),
        timeline=[
            "Opened: the email's tracking image was loaded.",
            "Opened: the email's tracking image was loaded.",
        ],
        summary=f"The email was delivered and opened at March 4, 2030, 09:15. {NOT_CLAIMED}",
    ),
    Scenario(
        "a Gmail reader's open, through Google's image proxy, then their click",
        steps=[
            Open(25 * MINUTE, GMAIL_PROXY),
            Click(26 * MINUTE, LAPTOP),
            Claim(27 * MINUTE, LAPTOP),
        ],
        columns=Columns(
            "clicked",
            "claimed",
            opened_at=25 * MINUTE,
            clicked_at=26 * MINUTE,
            claimed_at=27 * MINUTE,
            claim_channel="email",
        ),
        figures=Figures(claimed=1, opened=1, clicked=1, opened_any=1, clicked_any=1),
        timeline=[
            "Opened through the Google image proxy: it loads the email's images only when the "
            "message is opened.",
            "Clicked the “Get certificate” link in the email.",
            "Recipient page viewed through the link in our email. It happened 2 times between "
            "09:26 and 09:27 from the same network address.",
            "Claimed through the link in our email.",
        ],
        summary="The email was delivered and its “Get certificate” link clicked at March 4, "
        "2030, 09:26. Claimed at March 4, 2030, 09:27 through the link in our email.",
    ),
    Scenario(
        "a click with images blocked, then the claim",
        steps=[Click(30 * MINUTE, LAPTOP), Claim(31 * MINUTE, LAPTOP)],
        columns=Columns(
            "clicked",
            "claimed",
            opened_at=30 * MINUTE,
            clicked_at=30 * MINUTE,
            claimed_at=31 * MINUTE,
            claim_channel="email",
        ),
        figures=Figures(claimed=1, opened=1, clicked=1, opened_any=1, clicked_any=1),
        timeline=[
            "Open inferred from a click on the email's link (its images were not loaded).",
            "Clicked the “Get certificate” link in the email.",
            "Recipient page viewed through the link in our email. It happened 2 times between "
            "09:30 and 09:31 from the same network address.",
            "Claimed through the link in our email.",
        ],
        summary="The email was delivered and its “Get certificate” link clicked at March 4, "
        "2030, 09:30. Claimed at March 4, 2030, 09:31 through the link in our email.",
    ),
    Scenario(
        "a click seconds after delivery, before any open: a link scanner's",
        steps=[Click(12 * SECOND, SCANNER, follow=False), Open(HOUR, PHONE)],
        columns=Columns("opened", "delivered", opened_at=HOUR, machine_clicked_at=12 * SECOND),
        figures=Figures(opened=1, machine_opened=1, machine_clicked=1, opened_any=1, clicked_any=1),
        timeline=[
            "Link followed within 30 seconds of delivery, before the email was opened: most "
            "likely by a link scanner, not by a person.",
            "Opened: the email's tracking image was loaded.",
        ],
        summary=f"The email was delivered and opened at March 4, 2030, 10:00. {NOT_CLAIMED}",
    ),
    Scenario(
        "a scanner that follows every link within one second, after the person opened",
        steps=[
            Open(10 * MINUTE, PHONE),
            Click(40 * MINUTE, SCANNER, link=0, follow=False),
            Click(40 * MINUTE + 300 * MILLISECOND, SCANNER, link=1, follow=False),
            Click(40 * MINUTE + 600 * MILLISECOND, SCANNER, link=2, follow=False),
        ],
        columns=Columns(
            "opened", "delivered", opened_at=10 * MINUTE, machine_clicked_at=40 * MINUTE
        ),
        figures=Figures(opened=1, machine_opened=1, machine_clicked=1, opened_any=1, clicked_any=1),
        timeline=[
            "Opened: the email's tracking image was loaded.",
            *[
                "Every link of the email was followed within the same second: most likely by a "
                "link scanner, not by a person."
            ]
            * 3,
        ],
        summary=f"The email was delivered and opened at March 4, 2030, 09:10. {NOT_CLAIMED}",
    ),
    Scenario(
        "a scanner that follows the hidden link, and the person who claims hours later",
        steps=[
            Open(5 * MINUTE, SCANNER),
            Click(5 * MINUTE + 2 * SECOND, SCANNER, follow=False),
            FollowHidden(5 * MINUTE + 3 * SECOND, SCANNER),
            Click(3 * HOUR, PHONE),
            Claim(3 * HOUR + MINUTE, PHONE),
        ],
        columns=Columns(
            "clicked",
            "claimed",
            opened_at=3 * HOUR,
            machine_opened_at=5 * MINUTE,
            clicked_at=3 * HOUR,
            machine_clicked_at=5 * MINUTE + 2 * SECOND,
            claimed_at=3 * HOUR + MINUTE,
            claim_channel="email",
        ),
        figures=Figures(
            claimed=1,
            opened=1,
            clicked=1,
            machine_opened=1,
            machine_clicked=1,
            opened_any=1,
            clicked_any=1,
        ),
        timeline=[
            "Open recorded by a client that also followed a hidden link no person can see: an "
            "automated client (not proof of reading).",
            "Link followed by a client that also followed a hidden link no person can see: an "
            "automated client, not a person.",
            "The email's hidden link was followed: no person can see or reach it, so an "
            "automated client did.",
            "Open inferred from a click on the email's link (its images were not loaded).",
            "Clicked the “Get certificate” link in the email.",
            "Recipient page viewed through the link in our email. It happened 2 times between "
            "12:00 and 12:01 from the same network address.",
            "Claimed through the link in our email.",
        ],
        summary="The email was delivered and its “Get certificate” link clicked at March 4, "
        "2030, 12:00. Claimed at March 4, 2030, 12:01 through the link in our email.",
    ),
    Scenario(
        "only machines open the email",
        steps=[
            Open(3 * SECOND, APPLE_PROXY),
            Open(5 * SECOND, BARE_PROXY),
            Open(HOUR, LAPTOP, method="HEAD"),
        ],
        columns=Columns("delivered", "delivered", machine_opened_at=3 * SECOND),
        figures=Figures(machine_opened=1, opened_any=1, machine_opened_only=1),
        timeline=[
            "Open recorded by Apple's image proxy (Mail Privacy Protection) (not proof of "
            "reading).",
            "Open recorded by an email provider's image proxy (not proof of reading).",
            "Open recorded by a HEAD request, which only checks that the link works (not proof "
            "of reading).",
        ],
        summary=f"{NOT_OPENED} Only an automated open was recorded (an image proxy such as "
        f"Apple's), which is not proof of reading. {NOT_CLAIMED}",
    ),
    Scenario(
        "a bounce report after the person opened the email",
        steps=[Open(10 * MINUTE, PHONE), Bounce(2 * HOUR)],
        columns=Columns("bounced", "bounced", opened_at=10 * MINUTE),
        figures=Figures(delivered=0, bounced=1, opened=1, opened_any=1),
        timeline=[
            "Opened: the email's tracking image was loaded.",
            "Accepted by the recipient's server at 09:00, refused later: a bounce report came "
            "back (550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown). The "
            "mailbox does not exist at this domain: check the address for typos.",
        ],
        summary="The recipient's server accepted the email at March 4, 2030, 09:00, then "
        "refused it later (550 5.1.1 <ada@example.com>: Recipient address rejected: User "
        "unknown). The mailbox does not exist at this domain: check the address for typos. "
        "The address is on the suppression list since March 4, 2030, 11:00 (it bounced for "
        f"good): every send skips it. {NOT_CLAIMED}",
        advice=[
            "Check the address for a typo (the part after the @ too), correct it and send again.",
            "If you know the address works now, use “Send anyway”: it lifts the entry.",
            "Or download the PDF and send it yourself.",
            "Or send the recipient link and the token by hand.",
        ],
    ),
]


@pytest.fixture(autouse=True)
def quick_logins(settings: SettingsWrapper) -> None:
    """Every history creates the issuer's account: a fast hasher keeps that cheap."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_it_tells_apart_who_opened_and_clicked_the_email(
    scenario: Scenario, org: Organization, smtp: SmtpServer
) -> None:
    reading = scenario_play(scenario, org, smtp)

    assert reading.columns == scenario.columns
    assert reading.statistics == scenario.figures.statistics()
    assert reading.timeline == [*SENT, *scenario.timeline]
    assert reading.dashboard_summary == scenario.summary
    assert reading.summary == " ".join([scenario.summary, *scenario.advice])

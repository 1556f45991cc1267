from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from conferral.accounts.models import Organization
from conferral.certificates.models import Event, EventType, Kind, Recipient
from conferral.certificates.services import certificate_create
from conferral.tracking.explain import event_explain
from conferral.tracking.machine import MachineReason, MachineSource, machine_verdict
from conferral.tracking.summary import recipient_summary

AT = dt.datetime(2030, 3, 4, 13, 55, tzinfo=dt.UTC)


@pytest.fixture
def ada(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    [recipient] = add_recipients(("Ada Lovelace", "ada@example.com"))
    return recipient


@pytest.fixture
def badge_holder(org: Organization, add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    badge = certificate_create(organization=org, name="Python Badge", kind=Kind.BADGE)
    [recipient] = add_recipients(("Grace Hopper", "grace@example.com"), cert=badge)
    return recipient


def explain(
    recipient: Recipient,
    type: str,
    *,
    detail: dict[str, Any] | None = None,
    channel: str = "",
    machine: bool = False,
) -> str:
    """The sentence for an event as stored: `detail` is the row's JSON, as any
    version of Conferral may have written it."""
    event = Event(
        recipient=recipient,
        certificate=recipient.certificate,
        type=type,
        at=AT,
        channel=channel,
        machine=machine,
        detail=detail or {},
    )
    return event_explain(event)


MACHINE_HITS = [EventType.EMAIL_OPENED, EventType.EMAIL_CLICKED, EventType.CREDENTIAL_VIEWED]
# What may follow "by" in a sentence: the start of a noun phrase naming who did it.
NOUN_PHRASE_STARTS = {"a", "an", "the", "Apple's", "Microsoft's"}


def assert_reads_as_a_sentence(sentence: str) -> None:
    assert sentence[:1].isupper(), sentence
    assert sentence.endswith("."), sentence
    assert "%(" not in sentence, sentence
    assert "  " not in sentence, sentence
    for word in re.findall(r"\bby (\S+)", sentence):
        assert word in NOUN_PHRASE_STARTS, sentence


@pytest.mark.parametrize(
    ("type", "kwargs", "sentence"),
    [
        (EventType.EMAIL_QUEUED, {}, "Queued for sending."),
        (
            EventType.EMAIL_QUEUED,
            {"detail": {"resend": True}},
            "Queued to be sent again (a resend).",
        ),
        (
            EventType.EMAIL_QUEUED,
            {"detail": {"scheduled_for": "2030-03-04T16:30:00+00:00"}},
            "Scheduled to be sent at 16:30.",
        ),
        (
            EventType.EMAIL_SENT,
            {"detail": {"message_id": "<a@b>", "transport": "smtp"}},
            "Handed to the mail server.",
        ),
        (
            EventType.EMAIL_DELIVERED,
            {"detail": {"reply": "250 2.0.0 Ok: queued as 4F2A1"}},
            "Accepted by the recipient's mail server (250 2.0.0 Ok: queued as 4F2A1).",
        ),
        (
            EventType.EMAIL_DEFERRED,
            {
                "detail": {
                    "reply": "451 4.7.1 Greylisted",
                    "code": 451,
                    "attempt": 2,
                    "retry_at": "2030-03-04T14:10:00+00:00",
                }
            },
            "Deferred by the server (451 4.7.1 Greylisted); retry 2 of 5 at 14:10.",
        ),
        (
            EventType.EMAIL_BOUNCED,
            {"detail": {"reply": "550 5.1.1 user unknown", "code": 550, "kind": "hard"}},
            "Bounced permanently (550 5.1.1 user unknown). The mailbox does not exist at "
            "this domain: check the address for typos.",
        ),
        (
            EventType.EMAIL_BOUNCED,
            {"detail": {"reply": "421 too busy", "code": 421, "kind": "soft", "attempts": 6}},
            "Bounced: the server kept deferring it and we gave up after 6 tries (421 too busy).",
        ),
        (
            EventType.EMAIL_OPENED,
            {
                "machine": True,
                "detail": {"machine_reason": "apple_privacy", "machine_source": "Apple"},
            },
            "Open recorded by Apple's image proxy (Mail Privacy Protection) "
            "(not proof of reading).",
        ),
        (
            EventType.EMAIL_OPENED,
            {
                "machine": True,
                "detail": {"machine_reason": "image_proxy", "machine_source": "Google image proxy"},
            },
            "Open recorded by the Google image proxy (not proof of reading).",
        ),
        (EventType.EMAIL_OPENED, {}, "Opened: the email's tracking image was loaded."),
        (
            EventType.EMAIL_OPENED,
            {"detail": {"inferred": True}},
            "Open inferred from a click on the email's link (its images were not loaded).",
        ),
        (
            EventType.EMAIL_CLICKED,
            {
                "machine": True,
                "detail": {"machine_reason": "link_scanner", "machine_source": "Microsoft"},
            },
            "Link followed by Microsoft's link scanner (Safe Links), not by a person.",
        ),
        (
            EventType.EMAIL_CLICKED,
            {"machine": True, "detail": {"machine_reason": "head_request"}},
            "Link followed by a HEAD request, which only checks that the link works, "
            "not by a person.",
        ),
        (EventType.EMAIL_CLICKED, {}, "Clicked the “Get certificate” link in the email."),
        (
            EventType.EMAIL_COMPLAINED,
            {},
            "The recipient marked the email as spam. Nothing more is emailed to this address.",
        ),
        (
            EventType.CREDENTIAL_VIEWED,
            {"channel": "email"},
            "Recipient page viewed through the link in our email.",
        ),
        (
            EventType.CREDENTIAL_CLAIMED,
            {"channel": "admin"},
            "Claimed through a link copied from the dashboard — no email click expected.",
        ),
        (
            EventType.CREDENTIAL_CLAIMED,
            {"channel": "token"},
            "Claimed by typing the token into the claim page — no email click expected.",
        ),
        (
            EventType.CREDENTIAL_CLAIMED,
            {"channel": "api"},
            "Claimed through a link handed out by the API or an integration — "
            "no email click expected.",
        ),
        (
            EventType.CREDENTIAL_CLAIMED,
            {"channel": "email"},
            "Claimed through the link in our email.",
        ),
        (EventType.CREDENTIAL_DOWNLOADED, {"detail": {"format": "pdf"}}, "Downloaded as PDF."),
        (
            EventType.CREDENTIAL_SHARED,
            {"detail": {"network": "linkedin"}},
            "Shared on LinkedIn with the recipient page's button.",
        ),
        (EventType.CREDENTIAL_LINKEDIN_ADDED, {}, "Added to the recipient's LinkedIn profile."),
        (EventType.CREDENTIAL_VERIFIED, {}, "The credential's verification page was visited."),
        (
            EventType.CREDENTIAL_REVOKED,
            {"detail": {"reason": "Issued by mistake"}},
            "Revoked by the issuer: Issued by mistake",
        ),
        (EventType.CREDENTIAL_REISSUED, {}, "The credential was reissued."),
        (
            EventType.CREDENTIAL_ERASED,
            {"detail": {"by": "owner@acme.test"}},
            "Erased by owner@acme.test: the name, address and attributes were removed, and "
            "the credential's pages say it was erased.",
        ),
        (
            EventType.CREDENTIAL_ERASED,
            {"channel": "api"},
            "Erased through the API: the name, address and attributes were removed, and the "
            "credential's pages say it was erased.",
        ),
        (
            EventType.EMAIL_QUEUED,
            {"detail": {"resend": True, "scheduled_for": "2030-03-04T16:30:00+00:00"}},
            "Scheduled to be sent again at 16:30 (a resend).",
        ),
        (
            EventType.EMAIL_CANCELLED,
            {},
            "The scheduled email was cancelled before it went out.",
        ),
        (
            EventType.EMAIL_SENT,
            {"detail": {"message_id": "<a@b>", "transport": "smtp", "attempt": 3}},
            "Handed to the mail server (attempt 3).",
        ),
        (
            EventType.EMAIL_DEFERRED,
            {"detail": {"reply": "", "code": 421, "retry_at": "2030-03-04T14:10:00+00:00"}},
            "Deferred by the server (421); next try at 14:10.",
        ),
        (
            EventType.EMAIL_DEFERRED,
            {"detail": {"reply": "452 " + "full " * 80, "code": 452, "attempt": 1}},
            "Deferred by the server (452 " + ("full " * 80)[: 300 - 5] + "…); it will be retried.",
        ),
        (
            EventType.EMAIL_BOUNCED,
            {"detail": {"reply": "550 5.1.1 gone", "code": 550, "kind": "hard", "late": True}},
            "Bounced after the server had accepted it: a bounce report came back "
            "(550 5.1.1 gone). The mailbox does not exist at this domain: check the address "
            "for typos.",
        ),
        (
            EventType.EMAIL_COMPLAINED,
            {"detail": {"feedback": "abuse"}},
            "The recipient marked the email as spam (abuse). Nothing more is emailed to this "
            "address.",
        ),
        (
            EventType.RECIPIENT_UPDATED,
            {"detail": {"fields": ["email"], "old_email": "a@x.org", "new_email": "b@x.org"}},
            "Email address changed from a@x.org to b@x.org.",
        ),
        (
            EventType.RECIPIENT_UPDATED,
            {"detail": {"fields": ["email"], "new_email": "b@x.org"}},
            "Email address added: b@x.org.",
        ),
        (
            EventType.RECIPIENT_UPDATED,
            {"detail": {"fields": ["email"], "old_email": "a@x.org"}},
            "Email address a@x.org removed.",
        ),
        (
            EventType.RECIPIENT_UPDATED,
            {"detail": {"fields": ["name"]}},
            "The recipient's details were changed.",
        ),
        (
            EventType.CREDENTIAL_VIEWED,
            {"channel": "api"},
            "Recipient page viewed through a link handed out by the API or an integration.",
        ),
        (
            EventType.CREDENTIAL_VIEWED,
            {"channel": "token"},
            "Recipient page viewed after typing the token into the claim page.",
        ),
        (
            EventType.CREDENTIAL_VIEWED,
            {"channel": "admin"},
            "Recipient page viewed through a link copied from the dashboard.",
        ),
    ],
)
@override_settings(SEND_RETRY_DELAYS=[60, 300, 1800, 7200, 21600])
def test_it_explains_each_event_in_one_sentence(
    ada: Recipient, type: str, kwargs: dict[str, Any], sentence: str
) -> None:
    assert explain(ada, type, **kwargs) == sentence


def test_it_covers_every_event_type(ada: Recipient) -> None:
    for type in EventType:
        sentence = explain(ada, type)
        assert sentence
        assert sentence != type.value
        assert sentence.endswith((".", ")"))


def test_it_shows_the_date_when_a_retry_is_on_another_day(ada: Recipient) -> None:
    sentence = explain(
        ada,
        EventType.EMAIL_DEFERRED,
        detail={"reply": "451 later", "attempt": 5, "retry_at": "2030-03-05T09:00:00+00:00"},
    )
    assert "retry 5 of" in sentence
    assert "March 5, 2030, 09:00" in sentence


def update(recipient: Recipient, **columns: Any) -> Recipient:
    Recipient.objects.filter(pk=recipient.pk).update(**columns)
    recipient.refresh_from_db()
    return recipient


def test_it_explains_delivered_but_claimed_through_the_dashboard(ada: Recipient) -> None:
    now = timezone.now()
    update(
        ada,
        email_status="delivered",
        first_sent_at=now,
        delivered_at=now,
        claimed_at=now,
        claim_channel="admin",
    )
    summary = recipient_summary(ada)
    assert "delivered" in summary
    assert "no open has been recorded" in summary
    assert "link copied from the dashboard" in summary
    assert "no email open or click was needed" in summary
    assert "“Claimed” while the email status is “Delivered, not opened”" in summary


def test_it_explains_a_claim_through_our_email_with_images_blocked(ada: Recipient) -> None:
    now = timezone.now()
    update(
        ada,
        email_status="delivered",
        first_sent_at=now,
        delivered_at=now,
        claimed_at=now,
        claim_channel="email",
    )
    summary = recipient_summary(ada)
    assert "blocks images" in summary
    assert "tracking pixel never loaded" in summary


@pytest.mark.parametrize(
    ("columns", "phrases"),
    [
        ({"email": "", "email_status": "not_provided"}, ["No email address", "token"]),
        ({}, ["has not been sent yet", "not been claimed"]),
        ({"email_status": "scheduled", "next_attempt_at": AT}, ["scheduled to be sent at"]),
        ({"email_status": "sending"}, ["being sent"]),
        (
            {
                "email_status": "sending",
                "attempts": 1,
                "last_reply": "451 greylisted",
                "next_attempt_at": AT,
            },
            ["deferred the email (451 greylisted)", "next try"],
        ),
        (
            {"email_status": "delivered", "delivered_at": AT, "machine_opened_at": AT},
            ["no open has been recorded", "not proof of reading"],
        ),
        ({"email_status": "opened", "opened_at": AT}, ["delivered and opened"]),
        (
            {
                "email_status": "bounced",
                "bounce_kind": "hard",
                "last_reply": "550 5.1.1 user unknown",
            },
            ["bounced for good (550 5.1.1 user unknown)", "typo", "download the PDF"],
        ),
        (
            {"email_status": "bounced", "bounce_kind": "soft", "last_reply": "421 busy"},
            ["kept refusing it for now (421 busy)", "Try again later"],
        ),
        (
            {
                "email_status": "clicked",
                "clicked_at": AT,
                "claimed_at": AT,
                "claim_channel": "email",
                "downloaded_at": AT,
                "shared": ["linkedin", "x"],
                "linkedin_added_at": AT,
            },
            [
                "link clicked",
                "through the link in our email",
                "downloaded",
                "LinkedIn, X",
                "LinkedIn profile",
            ],
        ),
        (
            {"claimed_at": AT, "claim_channel": "token"},
            ["typing the token", "“Claimed” while the email status is “Not sent”"],
        ),
        (
            {"claimed_at": AT, "claim_channel": "api"},
            ["handed out by the API"],
        ),
        ({"revoked_at": AT, "revoke_reason": "Issued twice"}, ["Revoked", "Issued twice"]),
    ],
)
def test_it_summarises_both_axes(
    ada: Recipient, columns: dict[str, Any], phrases: list[str]
) -> None:
    summary = recipient_summary(update(ada, **columns))
    for phrase in phrases:
        assert phrase in summary, summary


@pytest.mark.parametrize("type", MACHINE_HITS)
@pytest.mark.parametrize("reason", list(MachineReason))
def test_it_explains_each_machine_reason_in_a_sentence(
    ada: Recipient, type: EventType, reason: MachineReason
) -> None:
    sentence = explain(ada, type, machine=True, detail={"machine_reason": reason.value})

    assert_reads_as_a_sentence(sentence)
    assert "by within" not in sentence


@pytest.mark.parametrize("type", MACHINE_HITS)
@pytest.mark.parametrize(
    ("user_agent", "client_address"),
    [
        ("Mozilla/5.0", "17.58.0.1"),
        ("Mozilla/5.0", "203.0.113.9"),
        ("Some-ImageProxy/1.0", ""),
        ("Mozilla/5.0 (compatible; Trend Micro URL check)", ""),
        ("Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ BingPreview/1.0b", ""),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ""),
        ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", ""),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari", ""),
        ("Microsoft Safe Links Scanner", ""),
        ("Mozilla/5.0 (compatible; Proofpoint URL Defense)", ""),
        ("Mimecast-URL-Protect/1.0", ""),
        ("Barracuda Sentinel (EE)", ""),
        ("Symantec MessageLabs", ""),
        ("Sophos URL check", ""),
        ("Slackbot-LinkExpanding 1.0", ""),
        ("python-requests/2.32.3", ""),
        ("", ""),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "40.92.0.1"),
    ],
)
def test_it_names_each_detected_machine_in_a_sentence(
    ada: Recipient, type: EventType, user_agent: str, client_address: str
) -> None:
    verdict = machine_verdict(user_agent=user_agent, client_address=client_address)
    assert verdict

    sentence = explain(
        ada,
        type,
        machine=True,
        detail={"machine_reason": verdict.machine_reason, "machine_source": verdict.machine_source},
    )

    assert_reads_as_a_sentence(sentence)


@pytest.mark.parametrize(
    ("type", "sentence"),
    [
        (
            EventType.EMAIL_OPENED,
            "Open recorded within seconds of delivery, faster than a person reads: most "
            "likely by an automated client (not proof of reading).",
        ),
        (
            EventType.EMAIL_CLICKED,
            "Link followed within seconds of delivery, faster than a person reads: most "
            "likely by an automated client, not by a person.",
        ),
        (
            EventType.CREDENTIAL_VIEWED,
            "Recipient page fetched within seconds of delivery, faster than a person reads: "
            "most likely by an automated client, not by a person.",
        ),
    ],
)
def test_it_explains_a_hit_within_seconds_of_delivery(
    ada: Recipient, type: EventType, sentence: str
) -> None:
    detail = {"machine_reason": MachineReason.TOO_SOON.value}

    assert explain(ada, type, machine=True, detail=detail) == sentence


def test_it_names_a_detected_machine_in_german(ada: Recipient) -> None:
    detail = {
        "machine_reason": MachineReason.IMAGE_PROXY.value,
        "machine_source": MachineSource.GOOGLE_IMAGE_PROXY.value,
    }

    with translation.override("de"):
        sentence = explain(ada, EventType.EMAIL_OPENED, machine=True, detail=detail)

    assert sentence == (
        "Öffnung erfasst durch den Bild-Proxy von Google (kein Beleg dafür, dass gelesen wurde)."
    )


@pytest.mark.parametrize("type", MACHINE_HITS)
@pytest.mark.parametrize("reason", list(MachineReason))
def test_it_explains_each_machine_reason_in_german(
    ada: Recipient, type: EventType, reason: MachineReason
) -> None:
    detail = {"machine_reason": reason.value}
    english = explain(ada, type, machine=True, detail=detail)

    with translation.override("de"):
        german = explain(ada, type, machine=True, detail=detail)

    assert german != english
    assert "%(" not in german
    assert str(reason.label) not in german


def test_it_names_the_badge_link_for_a_badge(badge_holder: Recipient) -> None:
    assert (
        explain(badge_holder, EventType.EMAIL_CLICKED)
        == "Clicked the “Get badge” link in the email."
    )
    summary = recipient_summary(
        update(badge_holder, email_status="clicked", delivered_at=AT, clicked_at=AT)
    )
    assert "its “Get badge” link clicked at" in summary
    assert "Get certificate" not in summary


def test_it_names_the_badge_link_in_german(badge_holder: Recipient) -> None:
    with translation.override("de"):
        sentence = explain(badge_holder, EventType.EMAIL_CLICKED)

    assert sentence == "Auf den Link „Badge abrufen“ in der E-Mail geklickt."

"""Bounces, complaints, automatic replies, skipped sends and unsubscribes in plain
words: what happened, by bounce kind and status code, and what the issuer can do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conferral.certificates.event_details import EmailBounced
from conferral.certificates.events import event_record
from conferral.certificates.models import Event, EventType, Recipient
from conferral.delivery.advice import recipient_explain_full
from conferral.delivery.models import SuppressionReason
from conferral.delivery.suppression import suppression_add
from conferral.tracking.explain import event_explain
from conferral.tracking.feedback_explain import COMPLAINT
from conferral.tracking.summary import Remedy, recipient_summary

AT = dt.datetime(2030, 3, 4, 13, 55, tzinfo=dt.UTC)
ACCEPTED = "2030-03-04T09:12:00+00:00"
HARD = {"reply": "550 5.1.1 <ada@example.com>: user unknown", "code": 550, "kind": "hard"}
BLOCKED = {
    "reply": "550 5.7.1 Message rejected by policy: sender not allowed",
    "code": 550,
    "kind": "hard",  # as recorded before bounces were classified
}
FULL = {"reply": "452 4.2.2 Mailbox full", "code": 452, "kind": "soft", "attempts": 6}
LATE = {
    "reply": "550 5.1.1 mailbox unavailable",
    "code": None,
    "kind": "hard",
    "late": True,
    "status": "5.1.1",
    "explanation": "The mailbox does not exist at this domain: check the address for typos.",
    "source": "dsn",
    "accepted_at": ACCEPTED,
}


@pytest.fixture
def ada(add_recipients: Callable[..., list[Recipient]]) -> Recipient:
    [recipient] = add_recipients(("Ada Lovelace", "ada@example.com"))
    return recipient


def explain(recipient: Recipient, type: EventType, detail: dict[str, Any]) -> str:
    return event_explain(
        Event(
            recipient=recipient,
            certificate=recipient.certificate,
            type=type,
            at=AT,
            detail=detail,
        )
    )


@pytest.mark.parametrize(
    ("type", "detail", "sentence"),
    [
        (
            EventType.EMAIL_BOUNCED,
            HARD,
            "Bounced permanently (550 5.1.1 <ada@example.com>: user unknown). The mailbox "
            "does not exist at this domain: check the address for typos.",
        ),
        (
            EventType.EMAIL_BOUNCED,
            BLOCKED,
            "Blocked by the recipient's mail server (550 5.7.1 Message rejected by policy: "
            "sender not allowed). The recipient's mail server refused the message by its "
            "policy: the address may be fine; the recipient's IT can allow the sender.",
        ),
        (
            EventType.EMAIL_BOUNCED,
            FULL,
            "Bounced: the server kept deferring it and we gave up after 6 tries (452 4.2.2 "
            "Mailbox full). The mailbox is full: a later attempt may get through.",
        ),
        (
            EventType.EMAIL_BOUNCED,
            LATE,
            "Accepted by the recipient's server at 09:12, refused later: a bounce report came "
            "back (550 5.1.1 mailbox unavailable). The mailbox does not exist at this domain: "
            "check the address for typos.",
        ),
        (
            EventType.EMAIL_AUTO_REPLIED,
            {"subject": "Out of office until 12 March"},
            "An automatic reply came back (“Out of office until 12 March”), such as an "
            "out-of-office: not a bounce, the email arrived.",
        ),
        (
            EventType.EMAIL_COMPLAINED,
            {"feedback": "abuse", "source": "arf"},
            "The recipient marked the email as spam (abuse). Nothing more is emailed to this "
            "address.",
        ),
        (
            EventType.EMAIL_SUPPRESSED,
            {"reason": "hard_bounce", "since": "2030-03-01T08:00:00+00:00"},
            "Not sent: this address bounced for good before (March 1, 2030, 08:00), so it is on "
            "the suppression list. Correct the address, or use “Send anyway”.",
        ),
        (
            EventType.EMAIL_SUPPRESSED,
            {"reason": "complaint"},
            "Not sent: the owner of this address marked an email from us as spam, so it is "
            "on the suppression list. Use “Send anyway” only if they asked for it.",
        ),
        (
            EventType.EMAIL_UNSUBSCRIBED,
            {"one_click": True},
            "Unsubscribed from reminders with the unsubscribe button of their email program.",
        ),
        (
            EventType.EMAIL_UNSUBSCRIBED,
            {"one_click": False},
            "Unsubscribed from reminders on the unsubscribe page.",
        ),
    ],
)
def test_it_explains_each_kind_of_bounce_and_report_in_words(
    ada: Recipient, type: EventType, detail: dict[str, Any], sentence: str
) -> None:
    assert explain(ada, type, detail) == sentence


def test_it_does_not_blame_a_typo_for_a_policy_block(ada: Recipient) -> None:
    sentence = explain(ada, EventType.EMAIL_BOUNCED, BLOCKED)
    ada.email_status, ada.bounce_kind, ada.last_reply = "bounced", "blocked", str(BLOCKED["reply"])
    summary = recipient_summary(ada)

    assert "typo" not in sentence
    assert "typo" not in summary
    assert "refused the message by its policy: the address may be fine" in summary
    assert "allowlist our sending address" in summary


def test_it_reads_a_complaint_suppression_by_the_delivery_app_s_own_value() -> None:
    assert COMPLAINT == SuppressionReason.COMPLAINT


def _bounced(recipient: Recipient, detail: dict[str, Any], kind: str) -> Recipient:
    Recipient.objects.filter(pk=recipient.pk).update(
        email_status="bounced", bounce_kind=kind, last_reply=detail["reply"], attempts=6
    )
    event_record(recipient=recipient, detail=EmailBounced.from_json(detail), at=AT)
    recipient.refresh_from_db()
    return recipient


@pytest.mark.parametrize(
    ("detail", "kind", "remedies", "phrases"),
    [
        (
            HARD,
            "hard",
            [Remedy.FIX_ADDRESS, Remedy.SEND_ANYWAY, Remedy.DOWNLOAD, Remedy.HAND_OUT],
            ["bounced for good", "on the suppression list since", "Check the address for a typo"],
        ),
        (
            BLOCKED,
            "blocked",
            [Remedy.ALLOWLIST, Remedy.SENDING_DOMAIN, Remedy.DOWNLOAD, Remedy.HAND_OUT],
            ["by its policy", "certificates@conferral.localhost", "custom sending domain"],
        ),
        (
            FULL,
            "soft",
            [Remedy.RETRY_LATER, Remedy.DOWNLOAD, Remedy.HAND_OUT],
            ["we gave up after 6 tries", "The mailbox is full", "Try again later"],
        ),
        (
            LATE,
            "hard",
            [Remedy.FIX_ADDRESS, Remedy.SEND_ANYWAY, Remedy.DOWNLOAD, Remedy.HAND_OUT],
            ["accepted the email at March 4, 2030, 09:12, then refused it later"],
        ),
    ],
)
def test_it_says_what_happened_and_what_to_do_for_each_bounce_kind(
    ada: Recipient,
    detail: dict[str, Any],
    kind: str,
    remedies: list[Remedy],
    phrases: list[str],
) -> None:
    if kind == "hard":
        suppression_add(
            organization_id=ada.certificate.organization_id,
            email=ada.email,
            reason=SuppressionReason.HARD_BOUNCE,
        )
    explanation = recipient_explain_full(_bounced(ada, detail, kind))

    assert [piece.remedy for piece in explanation.advice] == remedies
    for phrase in phrases:
        assert phrase in explanation.text, explanation.text


def test_it_renders_every_new_sentence_in_german(ada: Recipient) -> None:
    details: list[tuple[EventType, dict[str, Any]]] = [
        (EventType.EMAIL_BOUNCED, HARD),
        (EventType.EMAIL_BOUNCED, BLOCKED),
        (EventType.EMAIL_BOUNCED, FULL),
        (EventType.EMAIL_BOUNCED, LATE),
        (EventType.EMAIL_AUTO_REPLIED, {"subject": "Abwesenheitsnotiz"}),
        (EventType.EMAIL_SUPPRESSED, {"reason": "complaint", "since": ACCEPTED}),
        (EventType.EMAIL_UNSUBSCRIBED, {}),
    ]
    with translation.override("de"):
        sentences = [explain(ada, type, detail) for type, detail in details]
        summary = recipient_explain_full(_bounced(ada, BLOCKED, "blocked")).text

    for sentence in [*sentences, summary]:
        assert sentence
        assert "%(" not in sentence


def test_it_links_each_remedy_to_its_button_on_the_recipient_page(
    user_client: Client, ada: Recipient
) -> None:
    _bounced(ada, BLOCKED, "blocked")

    html = user_client.get(
        reverse("dashboard:recipient", kwargs={"recipient_id": ada.public_id})
    ).content.decode()

    assert "mail server refused the email (550 5.7.1" in html
    assert "allowlist our sending address certificates@conferral.localhost" in html
    assert 'href="#hand-out"' in html
    assert 'id="hand-out"' in html
    assert "typo" not in html.split('id="edit-heading"')[0]


def test_it_links_a_late_bounce_to_the_report_it_came_from(
    user_client: Client, ada: Recipient
) -> None:
    _bounced(ada, {**LATE, "report_id": 41}, "hard")

    html = user_client.get(
        reverse("dashboard:recipient", kwargs={"recipient_id": ada.public_id})
    ).content.decode()

    assert f'href="{reverse("bounces:report", args=[41])}"' in html
    assert "The report as it came in" in html

"""Automatic replies: out-of-office and vacation messages, autoresponders. They show the
message reached a mailbox that is read (or will be), so they are findings of their own
kind, never failures.

What tells them:
- RFC 3834 `Auto-Submitted` with any value but `no` (auto-replied, auto-generated,
  auto-notified); a DSN carries it too, which is why the caller looks for a DSN first;
- the older `X-Autoreply`, `X-Autorespond`, `X-Autoresponder` headers and
  `Precedence: auto_reply`;
- the subject an autoresponder writes, in the languages recipients use ("Automatic
  reply:", "Out of Office", "Abwesenheitsnotiz", "Réponse automatique", …), and for a
  reply that kept the original subject, an out-of-office sentence at its start.

`X-Auto-Response-Suppress` is not evidence: it asks *others* not to answer
automatically, and Outlook puts it on ordinary messages too. Neither is
`X-MS-Exchange-Inbox-Rules-Loop` alone: an inbox rule also forwards or files mail."""

from __future__ import annotations

import re
from email.message import Message

from django.utils.translation import gettext_noop

from conferral.bounces.mime import address, header
from conferral.bounces.report import Finding
from conferral.core.refusals import ReportKind

AUTOMATIC_REPLY = gettext_noop(
    "An automatic reply (out of office or vacation): the message reached the mailbox."
)

_FLAG_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
_SUBJECT = re.compile(
    r"out of (the )?office|\bOOO\b|auto(matic|matische)?[- ]?(reply|response|respon[ds]er|"
    r"antwort)|abwesen|nicht im b(ü|ue)ro|r(é|e)ponse automatique|absence|absent|"
    r"vacation|urlaub|respuesta autom(á|a)tica|fuera de la oficina|risposta automatica|"
    r"fuori sede|automatisch antwoord|afwezig|resposta autom(á|a)tica|ausente|"
    r"automatyczna odpowied|自动回复|自動応答|不在",
    re.IGNORECASE,
)
_OPENING = re.compile(
    r"\b(I am|I'm|I will be) (currently )?(out of (the )?office|away|on (annual )?leave|"
    r"on vacation|on holiday)|\bich bin (bis|vom|derzeit|zurzeit|nicht)|\bje suis absent",
    re.IGNORECASE,
)


def is_autoreply(message: Message, text: str) -> bool:
    """Whether a message that is not a DSN is an automatic reply."""
    submitted = header(message, "Auto-Submitted").lower()
    if submitted and not submitted.startswith("no"):
        return True
    if any(header(message, name) for name in _FLAG_HEADERS):
        return True
    if header(message, "Precedence").lower() == "auto_reply":
        return True
    if _SUBJECT.search(header(message, "Subject")):
        return True
    return bool(_OPENING.search(text[:600]))


def autoreply_finding(message: Message) -> Finding:
    """The finding for an automatic reply: the address that answered."""
    sender = address(header(message, "From")) or address(header(message, "Reply-To"))
    return Finding(
        recipient=sender,
        kind=ReportKind.AUTOREPLY,
        status="",
        explanation=AUTOMATIC_REPLY,
        diagnostic=header(message, "Subject"),
    )

"""Bounces without a delivery-status part: Exchange and Lotus notices, qmail's "failure
notice", old Exim and Sendmail, Yahoo and many more, each in its own words. flufl.bounce
knows these formats and finds the failed addresses (telling temporary from permanent);
the reason is then classified from the lines around each address, where all of these
formats put the remote server's reply."""

from __future__ import annotations

import re
from email.message import Message

from flufl.bounce import all_failures

from conferral.bounces.mime import header
from conferral.bounces.report import Finding
from conferral.core.refusals import TEMPORARY, ReportKind, classify

_SENDER = re.compile(r"mailer-?daemon|postmaster|mail delivery (system|subsystem)", re.I)
_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status notification|failure|has failed|problem|report"
    r"|notification)|failure notice|returned mail|mail delivery failed|could not be deliver"
    r"|non[- ]?deliver|nondeliverable|mail system error|unzustellbar|nicht zustellbar|"
    r"non remis|no entregado|returned to sender|message not delivered|delivery failed|"
    r"warning: could not send|delayed mail|delivery delayed",
    re.I,
)
_ADDRESS = re.compile(r"[\w.+=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_VERP = re.compile(r"bounces\+", re.I)
# Where a bounce's own words end and the copy of the original begins.
_ORIGINAL_STARTS = re.compile(
    r"^.*(copy of (the|your) (original )?message|original message|message header(s)? follow|"
    r"below this line|returned mail|----- ?original|message follows).*$",
    re.I | re.M,
)
_SMTP_CODE = re.compile(r"(?<![\d.\w])([245]\d\d)(?=[ -][\d#A-Za-z<(])")
LINES_BEFORE = 2
LINES_AFTER = 6
WINDOW_CHARS = 800
WHOLE_TEXT_CHARS = 4000


def looks_like_bounce(message: Message) -> bool:
    """Sent by a mail system about a delivery, by its sender or subject."""
    sender = f"{header(message, 'From')} {header(message, 'Return-Path')}"
    return bool(_SENDER.search(sender) or _SUBJECT.search(header(message, "Subject")))


def _around(text: str, address: str, others: list[str]) -> tuple[str, str]:
    """The lines from the first mention of the address on, up to the next failed
    address, and the same with the lines before it: every format puts the reason after
    the address or just before it."""
    lines = text.splitlines()
    needle = address.lower()
    for number, line in enumerate(lines):
        if needle in line.lower():
            after = [line]
            for following in lines[number + 1 : number + LINES_AFTER + 1]:
                if any(other in following.lower() for other in others):
                    break
                if _ORIGINAL_STARTS.match(following):
                    break
                after.append(following)
            before = lines[max(0, number - LINES_BEFORE) : number]
            return "\n".join(after)[:WINDOW_CHARS], "\n".join([*before, *after])[:WINDOW_CHARS]
    return text[:WHOLE_TEXT_CHARS], text[:WHOLE_TEXT_CHARS]


def _finding(recipient: str, words: str, *, temporary: bool) -> Finding:
    code = _SMTP_CODE.search(words)
    classification = classify(int(code.group(1)) if code else None, words)
    kind, explanation = classification.kind, classification.explanation
    if temporary and kind != ReportKind.SOFT:
        kind, explanation = ReportKind.SOFT, TEMPORARY
    return Finding(
        recipient=recipient,
        kind=kind,
        status=classification.status,
        explanation=explanation,
        diagnostic=" ".join(words.split())[:WINDOW_CHARS],
        action="delayed" if temporary else "failed",
    )


def _mentioned(message: Message, text: str) -> frozenset[bytes]:
    """The addresses a bounce names before the copy of the original message starts:
    Exim's X-Failed-Recipients, else those in its own words that are not its sender's
    or ours. For the formats flufl.bounce does not know."""
    failed = _ADDRESS.findall(header(message, "X-Failed-Recipients"))
    if not failed:
        own = {
            found.lower()
            for name in ("From", "To", "Reply-To")
            for found in _ADDRESS.findall(header(message, name))
        }
        words = own_words(text)
        failed = [
            found
            for found in _ADDRESS.findall(words)
            if found.lower() not in own and not _SENDER.search(found) and not _VERP.match(found)
        ]
    return frozenset(found.encode("ascii", "replace") for found in dict.fromkeys(failed))


def plain_findings(message: Message, text: str) -> list[Finding]:
    """The failed addresses flufl.bounce finds (or, failing that, the ones the bounce
    names), each with the reason near it."""
    temporary, permanent = all_failures(message)
    if not temporary and not permanent:
        permanent = _mentioned(message, text)
    failed = [
        *((value.decode("ascii", "replace").strip("<>"), False) for value in sorted(permanent)),
        *(
            (value.decode("ascii", "replace").strip("<>"), True)
            for value in sorted(temporary - permanent)
        ),
    ]
    findings = []
    for recipient, is_temporary in failed:
        others = [other.lower() for other, _ in failed if other != recipient]
        after, around = _around(text, recipient, others)
        finding = _finding(recipient, after, temporary=is_temporary)
        if finding.kind == ReportKind.UNKNOWN:
            finding = _finding(recipient, around, temporary=is_temporary)
        findings.append(finding)
    return findings


def own_words(text: str) -> str:
    """The text before the copy of the original message starts."""
    return _ORIGINAL_STARTS.split(text, maxsplit=1)[0]


def unnamed_finding(text: str) -> Finding:
    """A bounce whose failed address cannot be found: the reason alone (the receiver
    still ties it to the recipient by our ids in it)."""
    return _finding("", own_words(text)[:WHOLE_TEXT_CHARS], temporary=False)

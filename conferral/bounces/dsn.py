"""Delivery status notifications (RFC 3464): a multipart/report whose
message/delivery-status part holds one block of fields for the message, then one per
recipient: Final-Recipient (or Original-Recipient), Action, Status, Diagnostic-Code and
Remote-MTA.

Only failures are findings: `failed`, and `delayed` (always soft: the reporting server
is still trying). `delivered`, `relayed` and `expanded` are successes and are skipped.
A block without an Action is judged by its Status class."""

from __future__ import annotations

import email.parser
import email.policy
import re
from email.message import Message

from conferral.bounces.mime import address, decoded, header
from conferral.bounces.plain import own_words
from conferral.bounces.report import Finding
from conferral.core.refusals import TEMPORARY, ReportKind, classify, reply_code

SUCCESSES = frozenset({"delivered", "relayed", "expanded"})
WORDS_CHARS = 4000
_BLOCK_BREAK = re.compile(r"\r?\n[ \t]*\r?\n")


def delivery_status_part(message: Message) -> Message | None:
    """The message/delivery-status part, if the message has one."""
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            return part
    return None


def _blocks(part: Message) -> list[Message]:
    """The part's field blocks. The email package parses them itself when the part is
    well formed; a part it kept as text (a missing blank line, a wrong transfer encoding)
    is split here."""
    payload = part.get_payload()
    if isinstance(payload, list) and all(isinstance(block, Message) for block in payload):
        blocks = list(payload)
        # A part whose only block holds everything: the blank lines were lost.
        if len(blocks) > 1 or (blocks and _recipient_field(blocks[0])):
            return blocks
    text = decoded(part)
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    return [parser.parsestr(chunk.strip() + "\n") for chunk in _BLOCK_BREAK.split(text) if chunk]


def _recipient_field(block: Message) -> str:
    """The address as we sent it (Original-Recipient) when the report keeps it, else the
    one the last server tried; only an rfc822 address (an X.400 one is no use to us)."""
    for name in ("Original-Recipient", "Final-Recipient", "X-Actual-Recipient"):
        value = header(block, name)
        kind, _, rest = value.partition(";")
        if rest and kind.strip().lower() != "rfc822":
            continue
        found = address(value)
        if "@" in found:
            return found
    return ""


def dsn_names_recipients(part: Message) -> bool:
    """Whether the part has a per-recipient block at all (a DSN of successes only has
    them, and no finding; a broken one has none, and other ways must be tried)."""
    return any(_recipient_field(block) for block in _blocks(part))


def dsn_findings(part: Message, text: str) -> list[Finding]:
    """One finding per failed or delayed recipient of a delivery-status part. When its
    fields tell no reason ("Status: 5.0.0" alone), the report's own words (`text`) may."""
    findings: list[Finding] = []
    for block in _blocks(part):
        recipient = _recipient_field(block)
        status_field = header(block, "Status")
        status = status_field.split(" ")[0]
        action = header(block, "Action").lower().split(" ")[0]
        if not recipient and not status and not action:
            continue  # the per-message block
        if action in SUCCESSES or (not action and status.startswith("2")):
            continue
        diagnostic = header(block, "Diagnostic-Code")
        words = diagnostic.partition(";")[2].strip() if ";" in diagnostic else diagnostic
        code = reply_code(words)
        # The Status field goes first: the reporting server vouches for it; a more
        # specific code in the server's words (Status 5.0.0, "550 5.1.1 ...") wins.
        classification = classify(code, f"{status_field} {words}".strip())
        if classification.kind == ReportKind.UNKNOWN and text:
            classification = classify(code, f"{status_field} {own_words(text)[:WORDS_CHARS]}")
        kind, explanation = classification.kind, classification.explanation
        if action == "delayed":
            kind = ReportKind.SOFT
            if classification.kind != ReportKind.SOFT:
                explanation = TEMPORARY
        finding = Finding(
            recipient=recipient,
            kind=kind,
            status=classification.status or status,
            explanation=explanation,
            diagnostic=words,
            action=action or "failed",
        )
        if finding not in findings:  # some servers repeat a block
            findings.append(finding)
    return findings

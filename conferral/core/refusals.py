"""What an SMTP reply or a DSN status means for the recipient: `classify(code, text)`.

The enhanced status code (RFC 3463, "class.subject.detail") decides when it is specific;
the words decide when there is no such code, when it is a catch-all (x.0.0, x.y.0) and
in the few places where servers are known to use one code for several reasons. Many
servers give no enhanced code, or a generic one, and say what happened in words.

- Class 4 is temporary by definition: always soft, whatever the subject.
- X.1.x is the address: a bad mailbox (5.1.1), domain (5.1.2, 5.1.10 null MX), syntax
  (5.1.3) or a moved recipient (5.1.6) is hard. 5.1.7 and 5.1.8 are about *our* sender
  address, so they are blocked: a set-up problem on the sending side, not a bad address.
- 5.2.1 "mailbox disabled" is hard: in practice it is what providers (Gmail among them)
  answer for a deactivated account, a former employee or a closed mailbox, and those do
  not come back; retrying them only costs reputation. 5.2.2 "mailbox full" and 5.3.x
  (the receiving system's own trouble) are soft: time fixes them.
- 5.4.x network and routing trouble is soft, except Postfix's "5.4.4 Host or domain name
  not found", which is a domain that does not exist: hard.
- 5.6.x content and 5.7.x security, policy, reputation and authentication refusals
  (Gmail's "5.7.1 unsolicited", "5.7.26 unauthenticated", Microsoft's "5.7.606 banned
  sending IP") are blocked: the address is fine and must not be suppressed.
- A permanent failure nothing above recognises is unknown.

The explanations are plain English marked for translation (gettext_noop): they are
stored as they are, in English, and translated where they are shown. Pure functions of
the reply's text: the sending loop, the bounce parser, the providers' webhooks and the
timeline's words all classify here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_noop


class ReportKind(StrEnum):
    """What a failed recipient's line means. `hard`: the address itself is bad (unknown
    user or domain, moved). What time, a corrected set-up or the recipient's IT could
    fix is not hard: `soft` (mailbox full, greylisting, rate limits, temporary
    failures) or `blocked` (policy and reputation refusals, spam and content blocks)."""

    HARD = "hard"
    SOFT = "soft"
    BLOCKED = "blocked"
    AUTOREPLY = "autoreply"  # out of office, vacation, other automatic replies
    COMPLAINT = "complaint"  # an ARF feedback report (RFC 5965)
    UNKNOWN = "unknown"  # a failure whose reason cannot be told


@dataclass(frozen=True, slots=True)
class Classification:
    """One SMTP reply or DSN status, classified."""

    kind: ReportKind
    status: str  # the enhanced status code (RFC 3463), e.g. "5.1.1", or ""
    explanation: str  # plain English words for the reason (translated where shown)


BAD_MAILBOX = gettext_noop(
    "The mailbox does not exist at this domain: check the address for typos."
)
BAD_DOMAIN = gettext_noop(
    "The domain does not exist or does not receive email: check the part after the @."
)
BAD_SYNTAX = gettext_noop("The address is not a valid email address: check how it is written.")
MOVED = gettext_noop("The recipient has moved and left no forwarding address.")
DISABLED = gettext_noop(
    "The mailbox has been disabled or closed (a former employee or a deleted account)."
)
FULL = gettext_noop("The mailbox is full: a later attempt may get through.")
TOO_LARGE = gettext_noop("The message is larger than the recipient's mail server accepts.")
TEMPORARY = gettext_noop("Temporarily refused (greylisting or a rate limit): it will be retried.")
SYSTEM = gettext_noop(
    "The recipient's mail system has a problem of its own: a later attempt may get through."
)
ROUTING = gettext_noop(
    "The recipient's mail server could not be reached, or the delivery took too long."
)
POLICY = gettext_noop(
    "The recipient's mail server refused the message by its policy: the address may be "
    "fine; the recipient's IT can allow the sender."
)
SPAM = gettext_noop("The recipient's mail server took the message for spam or refused its content.")
REPUTATION = gettext_noop(
    "The recipient's mail server refused the sending server (its IP address or domain is "
    "on a blocklist or has a poor reputation)."
)
AUTHENTICATION = gettext_noop(
    "The message failed the recipient's sender checks (SPF, DKIM or DMARC): the sending "
    "domain's DNS records need fixing."
)
RELAY = gettext_noop(
    "The recipient's mail server does not handle mail for this address (relaying denied)."
)
SENDER = gettext_noop("The recipient's mail server refused the sender address.")
UNKNOWN = gettext_noop("The message was refused for good, and the server's reply does not say why.")
NOT_A_FAILURE = gettext_noop("The server reported success, not a failure.")

# class.subject.detail of a failure, as replies write it ("550 5.1.1 <a@b>: ...",
# "#5.1.1"); a success (class 2) is never what a refusal is classified by.
_STATUS = re.compile(r"(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")
_REPLY_CODE = re.compile(r"^\s*([245]\d\d)[\s-]")


@dataclass(frozen=True, slots=True)
class _Words:
    """A reason told in words, for replies without a (specific) enhanced code."""

    pattern: re.Pattern[str]
    kind: ReportKind
    explanation: str


def _words(pattern: str, kind: ReportKind, explanation: str) -> _Words:
    return _Words(re.compile(pattern, re.IGNORECASE), kind, explanation)


# Checked in order: the first that matches wins. Authentication and reputation come
# before the address words because a refusal often quotes the address ("<a@b>: sender
# blocked"); full mailboxes and rate limits come before "mailbox unavailable".
_WORDS = (
    _words(
        r"\b(spf|dkim|dmarc)\b|unauthenticated|not authenticated|authentication (failed|fail"
        r"ure|required)",
        ReportKind.BLOCKED,
        AUTHENTICATION,
    ),
    _words(
        r"black ?list|block ?list|blocked using|listed (at|on|by)|listed in (an? |the )?(rbl|"
        r"dnsbl|block|black|spam)|spamhaus|spamcop|"
        r"\brbl\b|\bdnsbl\b|banned sending ip|reputation|poor reputation|sending ip",
        ReportKind.BLOCKED,
        REPUTATION,
    ),
    _words(
        r"\bspam\b|spamassassin|unsolicited|junk mail|content (rejected|refused|filter)|"
        r"\bvirus\b|malware|suspicious|phishing|"
        r"message (rejected|refused) (due to|because of) content",
        ReportKind.BLOCKED,
        SPAM,
    ),
    _words(
        r"relay(ing)? (access )?(denied|not permitted|prohibited)|unable to relay|"
        r"not permitted to relay|we do not relay|no relaying",
        ReportKind.BLOCKED,
        RELAY,
    ),
    _words(
        r"sender (address )?(rejected|refused|denied|blocked|verify failed)|"
        r"bad sender|sender domain",
        ReportKind.BLOCKED,
        SENDER,
    ),
    _words(
        r"mailbox (is )?full|(mailbox|mail box|disk|storage)( \w+)? (quota|full)|over ?quota|"
        r"quota|mail ?folder is full|"
        r"quota exceeded|exceeded (the )?(storage|quota)|insufficient (system )?storage|"
        r"out of (disk )?space|too much mail",
        ReportKind.SOFT,
        FULL,
    ),
    _words(
        r"not found, try again|gr[ae]y ?list|try (again )?later|temporar(il)?y|rate limit|"
        r"too many (connections|messages|recipients|emails|concurrent)|"
        r"exceeded.{0,40}rate|throttl|please retry|deferred|resources (are )?unavailable",
        ReportKind.SOFT,
        TEMPORARY,
    ),
    _words(
        r"(message|mail) (size|too (big|large))|size (limit|exceeds)|exceeds.{0,40}(size|"
        r"limit)|too large",
        ReportKind.BLOCKED,
        TOO_LARGE,
    ),
    _words(
        r"\b(is|has been|was|been) (disabled|deactivated|suspended|closed|locked|terminated|"
        r"deleted)|(account|mailbox|user|address|recipient)( \w+)? (disabled|deactivated|"
        r"inactive|suspended|closed|expired)|no longer (active|available|valid|in use|with)|"
        r"discontinued|not active",
        ReportKind.HARD,
        DISABLED,
    ),
    _words(
        r"host (or domain name )?not found|domain (name )?not found|no such domain|"
        r"unrouteable (mail )?domain|domain (does not|doesn't) exist|unknown (domain|host)|"
        r"name service error|nxdomain|no mx|null mx|domain.{0,20}not (exist|found|valid)|"
        r"unable to look up host|name or service not known|"
        r"invalid domain|bad destination system",
        ReportKind.HARD,
        BAD_DOMAIN,
    ),
    _words(
        r"user( name)? unknown|unknown (user|recipient|local[- ]part|mailbox|address)|"
        r"no such (user|recipient|mailbox|address|account|person|local user)|"
        r"(mailbox|user|recipient|address|account)( \w+)? (does not|doesn't|did not) exist|"
        r"(does not|doesn't) exist|not (a )?(valid|known) (user|recipient|mailbox|address)|"
        r"invalid (recipient|mailbox|user|address)|(recipient|user|mailbox|address)"
        r"( \w+)? (not found|unknown|invalid)|unrouteable address|"
        r"(mailbox|user) unavailable|mailbox not (found|available)|bad destination mailbox|"
        r"not listed in|no mailbox|address not present|undeliverable address|"
        r"is not a valid|unknown or illegal|account that you tried to reach|"
        r"(does not|doesn't) have an? [\w.-]+ account|not known|not recogni[sz]ed|"
        r"invalid (final )?(delivery )?userid|no matches to nameserver|did not (exactly )?match|"
        r"no final (e-?mail )?delivery point|does not have a final",
        ReportKind.HARD,
        BAD_MAILBOX,
    ),
    _words(r"moved|no forwarding", ReportKind.HARD, MOVED),
    _words(r"syntax|malformed address|bad address", ReportKind.HARD, BAD_SYNTAX),
    _words(
        r"polic(y|ies)|not (authori[sz]ed|allowed|permitted)|access denied|refused|"
        r"not accepting (mail|messages|e-?mail)|"
        r"blocked|prohibited|administrative(ly)? (prohibit|reject)|rejected",
        ReportKind.BLOCKED,
        POLICY,
    ),
    _words(
        r"command died|child status|local configuration error|system (error|failure)|"
        r"internal (server )?error",
        ReportKind.SOFT,
        SYSTEM,
    ),
    _words(
        r"timed? ?out|connection (refused|reset|lost)|could not (be )?(reach|connect)|"
        r"unreachable|routing loop|loops? back|looping|too many hops|delivery time expired|"
        r"not (been )?collected|not (reachable|responding)|queue (period|too long)|in the "
        r"queue|aborted after|failed \d+ attempts",
        ReportKind.SOFT,
        ROUTING,
    ),
)


# The class 5 codes that say enough on their own (subject, detail).
_BY_CODE: dict[tuple[int, int], tuple[ReportKind, str]] = {
    (1, 1): (ReportKind.HARD, BAD_MAILBOX),
    (1, 2): (ReportKind.HARD, BAD_DOMAIN),
    (1, 3): (ReportKind.HARD, BAD_SYNTAX),
    (1, 4): (ReportKind.HARD, BAD_MAILBOX),
    (1, 6): (ReportKind.HARD, MOVED),
    (1, 7): (ReportKind.BLOCKED, SENDER),
    (1, 8): (ReportKind.BLOCKED, SENDER),
    (1, 10): (ReportKind.HARD, BAD_DOMAIN),
    (2, 1): (ReportKind.HARD, DISABLED),
    (2, 2): (ReportKind.SOFT, FULL),
    (2, 3): (ReportKind.BLOCKED, TOO_LARGE),
    (3, 1): (ReportKind.SOFT, SYSTEM),
    (3, 2): (ReportKind.SOFT, SYSTEM),
    (3, 4): (ReportKind.BLOCKED, TOO_LARGE),
    (4, 4): (ReportKind.SOFT, ROUTING),
    (7, 1): (ReportKind.BLOCKED, POLICY),
    (7, 25): (ReportKind.BLOCKED, AUTHENTICATION),
    (7, 26): (ReportKind.BLOCKED, AUTHENTICATION),
    (7, 27): (ReportKind.BLOCKED, AUTHENTICATION),
}
# Any other detail of these subjects; X.2.x and X.5.x say too little, words decide.
_BY_SUBJECT: dict[int, tuple[ReportKind, str]] = {
    1: (ReportKind.HARD, BAD_MAILBOX),
    3: (ReportKind.SOFT, SYSTEM),
    4: (ReportKind.SOFT, ROUTING),
    6: (ReportKind.BLOCKED, SPAM),
    7: (ReportKind.BLOCKED, POLICY),
}
# Words so general ("refused", "timed out") that a code's subject says more.
_WEAK = frozenset({POLICY, ROUTING})


def _by_code(klass: str, subject: int, detail: int) -> tuple[ReportKind, str] | None:
    """What a specific class 5 code says on its own; None where the words must decide."""
    if klass != "5" or detail == 0:
        return None
    return _BY_CODE.get((subject, detail), _BY_SUBJECT.get(subject))


def _fallback(klass: str, subject: int | None) -> tuple[ReportKind, str]:
    """No words recognised: what the class and subject alone allow to say."""
    if klass == "2":
        return ReportKind.UNKNOWN, NOT_A_FAILURE
    return _BY_SUBJECT.get(subject or 0, (ReportKind.UNKNOWN, UNKNOWN))


def enhanced_status(code: int | None, text: str) -> str:
    """The most telling enhanced status code in a reply: the first specific one (not
    x.0.0) of the reply's own class, else the first of its class, else ""."""
    klass = str(code)[0] if code else ""
    found = [match.groups() for match in _STATUS.finditer(text)]
    same_class = [parts for parts in found if not klass or parts[0] == klass] or found
    specific = [parts for parts in same_class if parts[1:] != ("0", "0")]
    chosen = specific or same_class
    return ".".join(chosen[0]) if chosen else ""


def reply_code(text: str) -> int | None:
    """The three-digit SMTP reply code a text starts with ("550 5.1.1 ..."), if any."""
    match = _REPLY_CODE.match(text)
    return int(match.group(1)) if match else None


def classify(code: int | None, text: str) -> Classification:
    """Classify one refusal: the SMTP reply code (if known) and the server's words, in
    which an enhanced status code is looked for (a DSN's Status field may be put first)."""
    text = " ".join(text.split())  # folded lines, indentation: words are what count
    code = code if code is not None else reply_code(text)
    status = enhanced_status(code, text)
    klass = status[:1] or (str(code)[0] if code else "5")
    subject, detail = (int(part) for part in status.split(".")[1:]) if status else (None, None)
    words = next((rule for rule in _WORDS if rule.pattern.search(text)), None)
    if klass == "4":
        if subject == 2 and detail == 2:
            return Classification(ReportKind.SOFT, status, FULL)
        explanation = words.explanation if words and words.kind == ReportKind.SOFT else None
        return Classification(ReportKind.SOFT, status, explanation or TEMPORARY)
    if subject is not None and detail is not None:
        known = _by_code(klass, subject, detail)
        if known is not None and not _overruled(subject, detail, words):
            kind, explanation = known
            if words is not None and words.kind == kind:
                explanation = words.explanation  # the same verdict, told more precisely
            return Classification(kind, status, explanation)
    if words is not None and not (words.explanation in _WEAK and subject in _BY_SUBJECT):
        return Classification(words.kind, status, words.explanation)
    kind, explanation = _fallback(klass, subject)
    return Classification(kind, status, explanation)


def _overruled(subject: int, detail: int, words: _Words | None) -> bool:
    """Where a code is known to be used for more than its meaning, the words decide:
    Postfix's 5.4.4 for a domain that does not exist, 5.2.1 for a rate limit."""
    if words is None:
        return False
    if (subject, detail) == (4, 4):
        return words.explanation == BAD_DOMAIN
    if (subject, detail) == (2, 1):
        return words.kind == ReportKind.SOFT
    return False

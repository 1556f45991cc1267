"""The `detail` of each event type, typed: producers build one of these classes and the
timeline reads the same class back (`detail_of(event)`), so a key is written and read
under one definition. Each class names its event type, and the event seam
(conferral.certificates.events) takes the type from the detail it is given.

Stored as JSON: a field left at its default is not written, and reading tolerates rows
written before a field existed (it takes the default) and values of the wrong type
(the field's empty value), so an old or odd row never breaks a timeline."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from django.utils.dateparse import parse_datetime

from conferral.certificates.models import EventType


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EventDetail:
    TYPE: ClassVar[EventType]
    # The fields that may hold personal data (an address, a name, a mail server's or a
    # report's words that quote them, a pointer to a stored copy of a message): blanked
    # when the issuer erases the recipient (conferral.certificates.erasure).
    PERSONAL: ClassVar[frozenset[str]] = frozenset()

    def anonymised(self) -> Self:
        """This detail without its personal fields (each at its default or empty value);
        the facts a statistic or the timeline needs stay."""
        blank = {
            field: _empty(_kinds(type(self))[field])
            if _defaults(type(self))[field] is dataclasses.MISSING
            else _defaults(type(self))[field]
            for field in self.PERSONAL
        }
        return dataclasses.replace(self, **blank)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for field, default in _defaults(type(self)).items():
            value = getattr(self, field)
            if value == default and default is not dataclasses.MISSING:
                continue
            data[field] = value.isoformat() if isinstance(value, dt.datetime) else value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        values: dict[str, Any] = {}
        for field, kind in _kinds(cls).items():
            values[field] = _coerce(data.get(field), kind, _defaults(cls)[field])
        return cls(**values)


_KINDS: dict[type[EventDetail], dict[str, Any]] = {}
_DEFAULTS: dict[type[EventDetail], dict[str, Any]] = {}


def _kinds(cls: type[EventDetail]) -> dict[str, Any]:
    """Each field's type, resolved once per class."""
    if cls not in _KINDS:
        hints = typing.get_type_hints(cls)
        _KINDS[cls] = {field.name: hints[field.name] for field in dataclasses.fields(cls)}
    return _KINDS[cls]


def _defaults(cls: type[EventDetail]) -> dict[str, Any]:
    """Each field's default (dataclasses.MISSING for a required field)."""
    if cls not in _DEFAULTS:
        _DEFAULTS[cls] = {field.name: field.default for field in dataclasses.fields(cls)}
    return _DEFAULTS[cls]


# The class itself, taken once: test clocks (freezegun) swap `datetime.datetime` for a
# subclass while they run, so the field types are compared by subclass, never by identity.
_DATETIME = dt.datetime


def _is_datetime(option: Any) -> bool:
    return isinstance(option, type) and issubclass(option, _DATETIME)


def _empty(kind: Any) -> Any:
    """The value a field takes when a stored row lacks it or holds the wrong type."""
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    if type(None) in options:
        return None
    base = typing.get_origin(options[0]) or options[0]
    return None if _is_datetime(base) else base()


def _coerce(value: Any, kind: Any, default: Any) -> Any:
    if value is None:
        return _empty(kind) if default is dataclasses.MISSING else default
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    if any(_is_datetime(option) for option in options):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        return parsed if parsed is not None else _empty(kind)
    for option in options:
        base = typing.get_origin(option) or option
        if base is int and isinstance(value, bool):
            continue
        if isinstance(base, type) and isinstance(value, base):
            return value
    return _empty(kind) if default is dataclasses.MISSING else default


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class MachineVerdict(EventDetail):
    """Why a hit looks machine-made (empty for a person's): a reason of
    conferral.tracking.machine.MachineReason and, when known, who made it."""

    machine_reason: str = ""
    machine_source: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailQueued(EventDetail):
    TYPE = EventType.EMAIL_QUEUED
    resend: bool = False
    scheduled_for: dt.datetime | None = None
    reminder: bool = False  # an automatic reminder (conferral.delivery.reminders)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailCancelled(EventDetail):
    TYPE = EventType.EMAIL_CANCELLED


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailSent(EventDetail):
    TYPE = EventType.EMAIL_SENT
    PERSONAL = frozenset({"message_id"})
    message_id: str
    transport: str
    attempt: int = 1  # 1 for the first try, 2 after one deferral, …


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailDelivered(EventDetail):
    TYPE = EventType.EMAIL_DELIVERED
    PERSONAL = frozenset({"reply"})
    reply: str


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailDeferred(EventDetail):
    TYPE = EventType.EMAIL_DEFERRED
    PERSONAL = frozenset({"reply"})
    reply: str
    code: int | None
    attempt: int
    max_attempts: int = 0  # 0: not recorded (rows written before it was)
    retry_at: dt.datetime | None


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailBounced(EventDetail):
    TYPE = EventType.EMAIL_BOUNCED
    PERSONAL = frozenset({"reply", "explanation", "report_id"})
    reply: str
    code: int | None
    kind: str  # a BounceKind
    attempts: int = 0  # how many times it was tried (0 for a bounce reported later)
    late: bool = False  # reported after the server had accepted the message
    status: str = ""  # the enhanced status code (RFC 3463), e.g. "5.1.1"
    explanation: str = ""  # the classifier's words for the reason, in English
    source: str = ""  # where a late bounce came from: "dsn", "imap", a provider's name
    report_id: int | None = None  # the stored inbound report (its raw message)
    accepted_at: dt.datetime | None = None  # when the server had accepted the message


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailOpened(MachineVerdict):
    TYPE = EventType.EMAIL_OPENED
    inferred: bool = False  # implied by a click: the images were not loaded
    count: int = 1  # machine opens from one client folded into this one (see `event_fold`)
    last_at: dt.datetime | None = None  # the last of them (None: only the one)
    # A person's open seen through an email provider's image proxy that fetches when the
    # message is opened (a conferral.tracking.machine.MachineSource value; empty: direct).
    via: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailClicked(MachineVerdict):
    TYPE = EventType.EMAIL_CLICKED
    # Which of the message's tracked links (conferral.tracking.links.Link); 0 for the
    # one link of a message sent before its links were told apart, and for the honeypot.
    link: int = 0
    honeypot: bool = False  # the hidden link no person can see was followed


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailComplained(EventDetail):
    TYPE = EventType.EMAIL_COMPLAINED
    PERSONAL = frozenset({"report_id"})
    feedback: str = ""  # what the report says, e.g. an ARF feedback type or a provider's
    source: str = ""  # "arf", a provider's name
    report_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailAutoReplied(EventDetail):
    """An out-of-office or other automatic reply came back: not a bounce."""

    TYPE = EventType.EMAIL_AUTO_REPLIED
    PERSONAL = frozenset({"subject", "report_id"})
    subject: str = ""
    report_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailSuppressed(EventDetail):
    """A send skipped: the address hard-bounced or complained before."""

    TYPE = EventType.EMAIL_SUPPRESSED
    reason: str  # a conferral.delivery.models.SuppressionReason
    since: dt.datetime | None = None


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EmailUnsubscribed(EventDetail):
    TYPE = EventType.EMAIL_UNSUBSCRIBED
    one_click: bool = True  # RFC 8058 POST (False: the page's button)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialViewed(MachineVerdict):
    TYPE = EventType.CREDENTIAL_VIEWED
    count: int = 1  # views from one client folded into this one (see `event_fold`)
    last_at: dt.datetime | None = None  # the last of them (None: only the one)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialClaimed(EventDetail):
    TYPE = EventType.CREDENTIAL_CLAIMED


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialDownloaded(MachineVerdict):
    TYPE = EventType.CREDENTIAL_DOWNLOADED
    format: str  # a DownloadFormat


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialShared(EventDetail):
    TYPE = EventType.CREDENTIAL_SHARED
    network: str  # a Network


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialLinkedinAdded(EventDetail):
    TYPE = EventType.CREDENTIAL_LINKEDIN_ADDED


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialVerified(MachineVerdict):
    TYPE = EventType.CREDENTIAL_VERIFIED
    count: int = 1  # visits from one client folded into this one (see `event_fold`)
    last_at: dt.datetime | None = None  # the last of them (None: only the one)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialRevoked(EventDetail):
    TYPE = EventType.CREDENTIAL_REVOKED
    PERSONAL = frozenset({"reason"})
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialReissued(EventDetail):
    TYPE = EventType.CREDENTIAL_REISSUED
    PERSONAL = frozenset({"reason"})
    reason: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class RecipientUpdated(EventDetail):
    TYPE = EventType.RECIPIENT_UPDATED
    PERSONAL = frozenset({"old_email", "new_email"})
    fields: list[str]  # the names of the fields that changed
    old_email: str = ""  # set when the address changed
    new_email: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CredentialErased(EventDetail):
    """The issuer erased the recipient: who did it (a member's sign-in address, empty
    through the API), never anything of the recipient's."""

    TYPE = EventType.CREDENTIAL_ERASED
    by: str = ""


# Details of hits that repeat without changing a status: the event seam folds a repeat
# from the same client into the earlier event (conferral.certificates.events.event_fold).
Foldable = EmailOpened | CredentialViewed | CredentialVerified

DETAILS: dict[str, type[EventDetail]] = {
    cls.TYPE.value: cls
    for cls in (
        EmailQueued,
        EmailCancelled,
        EmailSent,
        EmailDelivered,
        EmailDeferred,
        EmailBounced,
        EmailOpened,
        EmailClicked,
        EmailComplained,
        EmailAutoReplied,
        EmailSuppressed,
        EmailUnsubscribed,
        CredentialViewed,
        CredentialClaimed,
        CredentialDownloaded,
        CredentialShared,
        CredentialLinkedinAdded,
        CredentialVerified,
        CredentialRevoked,
        CredentialReissued,
        CredentialErased,
        RecipientUpdated,
    )
}

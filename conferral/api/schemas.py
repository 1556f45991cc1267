"""Request and response bodies of the REST API v1 (docs/api.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.utils.translation import gettext_lazy
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from conferral.certificates.links import recipient_url, verify_url
from conferral.certificates.models import (
    NAME_MAX_LENGTH,
    Certificate,
    Channel,
    Event,
    Kind,
    Language,
    Recipient,
)
from conferral.certificates.selectors import certificate_recipients_count
from conferral.certificates.status import EmailStatus, Status
from conferral.delivery.reminders import INTERVAL_DAYS_MAX, LIMIT_MAX
from conferral.tracking.explain import event_explain

MAX_BATCH = 10_000
MAX_REASON_LENGTH = 2000

# What text the API takes, as patterns in the OpenAPI document, so a client's schema
# refuses what the server refuses. One line (a name, a subject): no control character
# at all. Free text (a description, an email body, a reason): tabs and line breaks too.
# NUL and lone surrogates never get this far (conferral.api.parser).
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
FREE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# Something other than spaces, on one line: a certificate's name (it is stripped).
ONE_LINE_NOT_BLANK = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
# A revoke reason is stripped, and needs more than spaces.
FREE_TEXT_NOT_BLANK = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
)
# A recipient's name as conferral.certificates.validation takes it: whitespace (line
# breaks included) collapses to one space, other control characters are refused. That
# module checks it, so one answer names every bad row; the pattern only documents it.
RECIPIENT_NAME = r"^[^\x00-\x08\x0e-\x1b]*[^\s\x00-\x08\x0e-\x1b][^\x00-\x08\x0e-\x1b]*$"
PATTERN_MESSAGES = {
    ONE_LINE: gettext_lazy("Must be one line without control characters."),
    FREE_TEXT: gettext_lazy("Must not contain control characters other than tabs and line breaks."),
    ONE_LINE_NOT_BLANK: gettext_lazy(
        "Must not be blank, and must be one line without control characters."
    ),
    FREE_TEXT_NOT_BLANK: gettext_lazy(
        "Must not be blank, nor contain control characters other than tabs and line breaks."
    ),
}

# Dates and times are ISO 8601 text: a number would be read as seconds since 1970. A
# certificate's dates are in the years 1900 to 2999, far enough for any real one; a
# send time's range is the view's (conferral.api.certificates).
_YEARS = r"^(19|2[0-9])[0-9]{2}-"
_YEARS_MATCH = re.compile(_YEARS)


def _date_text(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "Must be ISO 8601 text.")
    if not _YEARS_MATCH.match(value):
        raise PydanticCustomError("year_range", "Must be in the years 1900 to 2999.")
    return value


def _datetime_text(value: Any) -> Any:
    if value is None or isinstance(value, dt.datetime | str):
        return value
    raise PydanticCustomError("datetime_type", "Must be ISO 8601 text.")


IsoDate = Annotated[
    dt.date,
    BeforeValidator(_date_text),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _YEARS}),
]
IsoDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_datetime_text),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class ErrorOut(Schema):
    detail: str


class ErrorLocation(Schema):
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    detail: list[ErrorLocation]


class CertificateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH, pattern=ONE_LINE_NOT_BLANK)
    kind: Kind
    description: str = Field("", pattern=FREE_TEXT)
    criteria: str = Field("", pattern=FREE_TEXT)
    issue_date: IsoDate | None = Field(None, description="Default: today.")
    expires_at: IsoDate | None = Field(None, description="Not before the issue date.")
    language: Language = Language.EN
    email_subject: str = Field("", max_length=300, pattern=ONE_LINE)
    email_body: str = Field("", pattern=FREE_TEXT)
    # The ranges are checked by conferral.delivery.reminders, which the dashboard's
    # form asks too; here they are only documented.
    reminder_interval_days: int | None = Field(
        None,
        description="Remind unclaimed recipients this many days after the last email.",
        json_schema_extra={"minimum": 1, "maximum": INTERVAL_DAYS_MAX},
    )
    reminder_limit: int = Field(
        2,
        description="At most this many reminders per recipient.",
        json_schema_extra={"minimum": 1, "maximum": LIMIT_MAX},
    )
    claim_deadline: IsoDate | None = Field(
        None,
        description="The last reminder goes out before it; none after it. Not before the "
        "issue date.",
    )
    allow_indexing: bool = Field(
        False,
        description="Let search engines index the recipient and verification pages (an "
        "indexed verification page shows the recipient's name to anyone who searches).",
    )


class CertificatePatch(Schema):
    """Only the fields present change, checked as a whole like a new certificate (a
    null where the certificate needs a value is a 422)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(
        None, min_length=1, max_length=NAME_MAX_LENGTH, pattern=ONE_LINE_NOT_BLANK
    )
    kind: Kind | None = None
    description: str | None = Field(None, pattern=FREE_TEXT)
    criteria: str | None = Field(None, pattern=FREE_TEXT)
    issue_date: IsoDate | None = None
    expires_at: IsoDate | None = None
    language: Language | None = None
    email_subject: str | None = Field(None, max_length=300, pattern=ONE_LINE)
    email_body: str | None = Field(None, pattern=FREE_TEXT)
    reminder_interval_days: int | None = Field(
        None, json_schema_extra={"minimum": 1, "maximum": INTERVAL_DAYS_MAX}
    )
    reminder_limit: int | None = Field(None, json_schema_extra={"minimum": 1, "maximum": LIMIT_MAX})
    claim_deadline: IsoDate | None = None
    allow_indexing: bool | None = None


class CertificateOut(Schema):
    id: str
    name: str
    kind: Kind
    state: str
    created_at: dt.datetime
    recipients_count: int
    description: str
    criteria: str
    issue_date: dt.date | None
    expires_at: dt.date | None
    language: Language
    email_subject: str
    email_body: str
    reminder_interval_days: int | None
    reminder_limit: int
    claim_deadline: dt.date | None
    allow_indexing: bool

    @staticmethod
    def resolve_id(obj: Certificate) -> str:
        return obj.public_id

    @staticmethod
    def resolve_recipients_count(obj: Certificate) -> int:
        count = getattr(obj, "recipients_count", None)
        return certificate_recipients_count(obj) if count is None else int(count)


class CertificateList(Schema):
    items: list[CertificateOut]
    count: int


class RecipientIn(Schema):
    """One recipient; `name` is required. Once the body fits this schema, the values
    are checked like a CSV import's rows, so one answer names every bad row (a missing
    name included)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"required": ["name"]})

    name: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "minLength": 1, "pattern": RECIPIENT_NAME}),
    ] = None
    email: str | None = None
    attributes: dict[str, Any] | None = Field(
        None, description="Custom attributes: names and text or number values."
    )


class RecipientsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    recipients: list[RecipientIn] = Field(min_length=1, max_length=MAX_BATCH)


class RecipientPatch(Schema):
    """Only the fields present change; `"email": null` or `""` removes the address. A
    name is checked like an added recipient's (conferral.certificates.validation)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "minLength": 1, "pattern": RECIPIENT_NAME}),
    ] = None
    email: str | None = None
    attributes: dict[str, Any] | None = None


class RecipientOut(Schema):
    id: str
    certificate_id: str
    name: str
    email: str
    attributes: dict[str, str]
    token: str
    url: str = Field(description="The recipient link, marked as handed out through the API.")
    status: Status = Field(description="The certificate status: claimed wins.")
    email_status: EmailStatus
    claimed_at: dt.datetime | None
    claim_channel: Channel | None
    downloaded: bool
    shared: list[str]
    added_to_linkedin: bool
    revoked: bool
    erased: bool = Field(
        description="Erased by the issuer: name, email and attributes are empty, its links "
        "answer 410, and it can no longer be changed, sent or revoked."
    )
    erased_at: dt.datetime | None
    verify_url: str
    last_reply: str = Field(description="The mail server's last answer.")
    created_at: dt.datetime

    @staticmethod
    def resolve_id(obj: Recipient) -> str:
        return obj.public_id

    @staticmethod
    def resolve_certificate_id(obj: Recipient) -> str:
        return obj.certificate.public_id

    @staticmethod
    def resolve_url(obj: Recipient) -> str:
        return recipient_url(obj, Channel.API)

    @staticmethod
    def resolve_claim_channel(obj: Recipient) -> str | None:
        return obj.claim_channel or None

    @staticmethod
    def resolve_downloaded(obj: Recipient) -> bool:
        return obj.downloaded_at is not None

    @staticmethod
    def resolve_added_to_linkedin(obj: Recipient) -> bool:
        return obj.linkedin_added_at is not None

    @staticmethod
    def resolve_revoked(obj: Recipient) -> bool:
        return obj.revoked_at is not None

    @staticmethod
    def resolve_erased(obj: Recipient) -> bool:
        return obj.erased_at is not None

    @staticmethod
    def resolve_verify_url(obj: Recipient) -> str:
        return verify_url(obj)


class RecipientsAdded(Schema):
    items: list[RecipientOut]
    count: int


class RecipientList(Schema):
    items: list[RecipientOut]
    count: int


class SendIn(Schema):
    model_config = ConfigDict(extra="forbid")

    recipient_ids: list[str] | None = Field(
        None,
        min_length=1,
        max_length=MAX_BATCH,
        description="Recipients to send to; default: every not-sent one with an address.",
    )
    at: IsoDateTime | None = Field(
        None, description="When to send (ISO 8601; without an offset it is UTC); default: now."
    )


class Queued(Schema):
    queued: int


class SendOut(Schema):
    queued: int
    skipped: dict[str, int] = Field(
        description="Recipients not queued because their address is on the suppression "
        "list (it hard-bounced or complained before), by reason: hard_bounce, complaint."
    )


class RevokeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=MAX_REASON_LENGTH, pattern=FREE_TEXT_NOT_BLANK)


class Part(Schema):
    count: int
    percent: float


class SocialShares(Schema):
    linkedin: int
    facebook: int
    x: int


class EmailStatistics(Schema):
    not_provided: int
    not_sent: int
    scheduled: int
    sending: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    bounced: int
    complained: int


class Tracking(Schema):
    opens: bool = Field(description="Whether the organization tracks opens now.")
    clicks: bool = Field(description="Whether the organization tracks clicks now.")


class HumanMachineAll(Schema):
    human: Part = Field(description="What a person did (a click infers an open).")
    machine: Part = Field(description="What machines did: image proxies, link scanners.")
    all: Part = Field(description="Both: what tools counting every hit report.")


class StatisticsOut(Schema):
    recipients: int
    created_at: dt.datetime
    claimed: Part
    shared_or_downloaded: Part
    added_to_linkedin: Part
    social_shares: SocialShares
    email: EmailStatistics
    machine_opens: int = Field(description="Recipients with only a machine's open.")
    tracking: Tracking
    opens: HumanMachineAll | None = Field(description="null: opens are not tracked.")
    clicks: HumanMachineAll | None = Field(description="null: clicks are not tracked.")


class EventOut(Schema):
    type: str
    at: dt.datetime
    channel: str
    machine: bool
    detail: dict[str, Any]
    explanation: str

    @staticmethod
    def resolve_explanation(obj: Event) -> str:
        return event_explain(obj)


class EventList(Schema):
    summary: str = Field(description="Where the recipient stands on both status axes, and why.")
    items: list[EventOut]
    count: int

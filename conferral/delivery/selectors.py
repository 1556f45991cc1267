"""Reads of sending: where a certificate's sending stands, and the local mailbox (the
captured messages a user may read, newest first, and the parts of one message for
display). Access is checked before these are called, except in the mailbox's access
helper `mailbox_visible`, which the mailbox reads start from."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import ngettext

from conferral.accounts.emails import INVITATION_MESSAGE_ID_PREFIX
from conferral.accounts.selectors import organizations_for_user, organizations_owned_by
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.status import DELIVERED, EmailStatus
from conferral.certificates.tallies import Tallies, email_tallies
from conferral.delivery.breaker import outage_of
from conferral.delivery.models import MailboxMessage, Suppression
from conferral.tracking.wording import when_text

MAILBOX_PAGE_SIZE = 50


@dataclass(frozen=True)
class MailboxParts:
    """What a mailbox page shows of one stored message (headers decoded)."""

    subject: str
    sender: str
    to: str
    date: str
    message_id: str
    text: str
    html: str


def certificate_sendable_count(certificate: Certificate) -> int:
    """How many recipients *Send emails* would queue: not sent yet, with an address,
    not revoked."""
    return Recipient.objects.filter(
        certificate=certificate, email_status=EmailStatus.NOT_SENT, revoked_at__isnull=True
    ).count()


def certificate_suppressed_count(certificate: Certificate) -> int:
    """How many of those *Send emails* would skip: their address is on the
    organization's suppression list (it hard-bounced or complained before)."""
    listed = Suppression.objects.filter(
        organization_id=certificate.organization_id, email=OuterRef("email")
    )
    return (
        Recipient.objects.filter(
            certificate=certificate, email_status=EmailStatus.NOT_SENT, revoked_at__isnull=True
        )
        .filter(Exists(listed))
        .count()
    )


@dataclass(frozen=True)
class SendProgress:
    """Where a certificate's sending stands. `due`: queued and due now, or being sent;
    `retrying`: deferred by the receiving server, waiting for the next attempt;
    `later`: scheduled for a time still to come; `outage_since`: when our own mail
    service stopped answering, if it is down (conferral.delivery.breaker)."""

    due: int
    retrying: int
    later: int
    delivered: int
    bounced: int
    outage_since: dt.datetime | None = None

    @property
    def pending(self) -> int:
        return self.due + self.retrying

    @property
    def outage(self) -> str:
        """What the dashboard and `conferral status` say while our mail service is
        down and emails wait for it ("" otherwise)."""
        if self.outage_since is None or not self.pending:
            return ""
        return ngettext(
            "The mail server has been unreachable since %(time)s; %(count)s email is waiting.",
            "The mail server has been unreachable since %(time)s; %(count)s emails are waiting.",
            self.pending,
        ) % {
            "time": when_text(self.outage_since, same_day_as=timezone.now()),
            "count": self.pending,
        }


def certificate_send_progress(certificate: Certificate) -> SendProgress:
    return send_progress(email_tallies(certificate, now=timezone.now()), certificate)


def send_progress(tallies: Tallies, certificate: Certificate | None = None) -> SendProgress:
    """The progress the tallies show; with the `certificate`, also whether the mail
    service its emails go out through is down."""
    sending, scheduled = tallies[EmailStatus.SENDING], tallies[EmailStatus.SCHEDULED]
    progress = SendProgress(
        due=sending.recipients - sending.waiting + scheduled.recipients - scheduled.waiting,
        retrying=sending.waiting,
        later=scheduled.waiting,
        delivered=tallies.total("recipients", DELIVERED),
        bounced=tallies[EmailStatus.BOUNCED].recipients,
    )
    if certificate is None or not progress.pending:
        return progress
    outage = outage_of(certificate.organization)
    if outage is None:
        return progress
    return dataclasses.replace(progress, outage_since=outage.since)


def mailbox_visible(user: AbstractBaseUser | AnonymousUser) -> QuerySet[MailboxMessage]:
    """The captured messages the user may read (the mailbox's access helper): the mail
    of their organizations, except invitations, which only the organization's owners
    see (their link lets whoever reads it join); and system mail (no organization, such
    as a password reset) and invitations only when addressed to the user."""
    if not user.is_authenticated:
        return MailboxMessage.objects.none()
    invitation = Q(message_id__startswith=INVITATION_MESSAGE_ID_PREFIX)
    visible = (
        Q(organization__in=organizations_for_user(user)) & ~invitation
        | Q(organization__in=organizations_owned_by(user)) & invitation
    )
    address = str(getattr(user, "email", "") or "").strip()
    if address:
        visible |= Q(to__iexact=address) & (Q(organization__isnull=True) | invitation)
    return MailboxMessage.objects.filter(visible)


def mailbox_messages(
    user: AbstractBaseUser | AnonymousUser,
    *,
    page: int | str = 1,
    per_page: int = MAILBOX_PAGE_SIZE,
) -> Page[MailboxMessage]:
    """A page of the messages the user may read, newest first (without their raw bytes)."""
    messages = mailbox_visible(user).defer("raw").order_by("-created_at", "-id")
    return Paginator(messages, per_page).get_page(page)


def mailbox_message_get(user: AbstractBaseUser | AnonymousUser, pk: int | str) -> MailboxMessage:
    """One message the user may read; a foreign or unknown one is a 404."""
    try:
        return mailbox_visible(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, MailboxMessage.DoesNotExist) as error:
        raise Http404("No such message.") from error


def _content(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


def mailbox_message_parts(message: MailboxMessage) -> MailboxParts:
    """Parse a stored raw message: decoded headers, the text part and the HTML part
    (an empty string for a part the message does not have)."""
    parsed = email.message_from_bytes(bytes(message.raw), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return MailboxParts(
        subject=str(parsed.get("Subject", "")),
        sender=str(parsed.get("From", message.sender)),
        to=str(parsed.get("To", message.to)),
        date=str(parsed.get("Date", "")),
        message_id=str(parsed.get("Message-ID", message.message_id)),
        text=_content(parsed, "plain"),
        html=_content(parsed, "html"),
    )

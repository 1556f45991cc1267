"""Sending: queue recipients for delivery. The recipient rows are the outbox; a worker
claims due rows (conferral.delivery.outbox) and the deliver task sends them."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conferral.certificates.event_details import EmailQueued, EmailSuppressed
from conferral.certificates.events import events_insert
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.services import RecipientsInvalid, ServiceError, certificate_publish
from conferral.certificates.status import QUEUEABLE, EmailStatus, Step, transition
from conferral.certificates.validation import RowError
from conferral.delivery.models import Suppression, SuppressionReason
from conferral.delivery.outbox import DUE_FIELDS
from conferral.delivery.statements import statistics_refresh
from conferral.delivery.suppression import (
    normalized,
    suppressed_among,
    suppression_lift,
    suppression_of,
    suppressions_exist,
)
from conferral.delivery.tasks import deliver_enqueue

QUEUE_CHUNK = 1000
# A big send is shared by up to this many deliver tasks, so several workers work on it.
DELIVER_FANOUT = 4
ANALYZE_AFTER_QUEUED = 1000
"""Queueing at least this many recipients refreshes the statistics of the outbox."""


@dataclass(frozen=True)
class SendResult:
    """What a send did: how many recipients were queued, and how many were skipped
    because their address is on the organization's suppression list, by
    SuppressionReason (each skip is an `email.suppressed` event on their timeline)."""

    queued: int
    skipped: Mapping[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skipped_text(self) -> str:
        """The sentence that tells the issuer about the skipped addresses ("" if none)."""
        count = self.skipped_total
        if not count:
            return ""
        return ngettext(
            "%(count)s address was skipped: it bounced or complained before. Its "
            "recipient's page says why and has “Send anyway”.",
            "%(count)s addresses were skipped: they bounced or complained before. Each "
            "recipient's page says why and has “Send anyway”.",
            count,
        ) % {"count": count}


class AddressSuppressed(ServiceError):
    """A resend refused: the address hard-bounced or complained before. Resending with
    `override_suppression` lifts the entry."""

    def __init__(self, entry: Suppression) -> None:
        when = formats.date_format(timezone.localtime(entry.created_at), "DATETIME_FORMAT")
        if entry.reason == SuppressionReason.COMPLAINT:
            text = _(
                "%(email)s is on the suppression list: its owner marked an email from us as "
                "spam (%(time)s). Send anyway to lift the entry and send."
            )
        else:
            text = _(
                "%(email)s is on the suppression list: it bounced for good (%(time)s). "
                "Correct the address, or send anyway to lift the entry and send."
            )
        super().__init__(text % {"email": entry.email, "time": when})


def _not_archived(certificate: Certificate) -> None:
    if certificate.archived_at is not None:
        raise ServiceError(_("This certificate is archived: restore it to send its emails."))


def _sendable(queryset: QuerySet[Recipient]) -> QuerySet[Recipient]:
    return queryset.filter(revoked_at__isnull=True, email_status__in=QUEUEABLE).exclude(email="")


def _resolve(certificate: Certificate, recipient_ids: list[str]) -> Iterator[list[int]]:
    """The primary keys of the named recipients, a chunk at a time; every unknown,
    foreign, address-less, revoked or complained id is reported at once and nothing is
    queued."""
    errors: list[RowError] = []
    seen: set[str] = set()
    unique: list[tuple[int, str]] = []
    for index, public_id in enumerate(recipient_ids):
        if public_id not in seen:
            seen.add(public_id)
            unique.append((index, str(public_id)))
    chunks: list[list[int]] = []
    for start in range(0, len(unique), QUEUE_CHUNK):
        part = unique[start : start + QUEUE_CHUNK]
        found = {
            public_id: (pk, email, revoked_at, status)
            for public_id, pk, email, revoked_at, status in Recipient.objects.filter(
                certificate=certificate, public_id__in=[public_id for _i, public_id in part]
            ).values_list("public_id", "pk", "email", "revoked_at", "email_status")
        }
        pks: list[int] = []
        for index, public_id in part:
            if public_id not in found:
                message = _("There is no recipient %(id)s on this certificate.")
            elif not found[public_id][1]:
                message = _("Recipient %(id)s has no email address.")
            elif found[public_id][2] is not None:
                message = _("The credential of recipient %(id)s is revoked.")
            elif found[public_id][3] == EmailStatus.COMPLAINED:
                message = _("Recipient %(id)s marked our email as spam; it is not sent again.")
            else:
                pks.append(found[public_id][0])
                continue
            errors.append(RowError(index, "recipient_ids", message % {"id": public_id}))
        chunks.append(pks)
    if errors:
        raise RecipientsInvalid(errors)
    yield from chunks


def _default_chunks(certificate: Certificate) -> Iterator[list[int]]:
    """Every not-sent recipient with an address, not revoked, a chunk at a time."""
    candidates = _sendable(
        Recipient.objects.filter(certificate=certificate, email_status=EmailStatus.NOT_SENT)
    )
    last_pk = 0
    while True:
        pks = list(
            candidates.filter(pk__gt=last_pk)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)[:QUEUE_CHUNK]
        )
        if not pks:
            return
        last_pk = pks[-1]
        yield pks


def _skips_record(
    certificate: Certificate, skipped: list[tuple[int, Suppression]], now: dt.datetime
) -> None:
    """One `email.suppressed` event per skipped recipient, all in one write."""
    events_insert(
        recipient_ids=[pk for pk, _entry in skipped],
        certificate_id=certificate.pk,
        detail=[
            EmailSuppressed(reason=entry.reason, since=entry.created_at) for _pk, entry in skipped
        ],
        at=now,
    )


def _queue(
    *,
    certificate: Certificate,
    chunks: Iterator[list[int]],
    at: dt.datetime | None,
    resend: bool,
) -> SendResult:
    """Mark the recipients due (conditional UPDATE, a chunk at a time) and record an
    `email.queued` event for each; a recipient whose address is suppressed is skipped
    and gets an `email.suppressed` event instead. The caller holds the transaction."""
    now = timezone.now()
    scheduled = at is not None and at > now
    due = at if scheduled and at is not None else now
    step = transition(Step.SCHEDULE if scheduled else Step.QUEUE)
    detail = EmailQueued(resend=resend, scheduled_for=due if scheduled else None)
    queued = 0
    skipped: Counter[str] = Counter()
    any_suppressed = suppressions_exist(certificate.organization_id)
    for pks in chunks:
        if not pks:
            continue
        rows = list(
            _sendable(Recipient.objects.filter(pk__in=pks))
            .select_for_update()
            .values_list("pk", "email")
        )
        entries = (
            suppressed_among(certificate.organization_id, [email for _pk, email in rows])
            if any_suppressed
            else {}
        )
        suppressed = [
            (pk, entries[normalized(email)]) for pk, email in rows if normalized(email) in entries
        ]
        _skips_record(certificate, suppressed, now)
        skipped.update(entry.reason for _pk, entry in suppressed)
        locked = [pk for pk, email in rows if normalized(email) not in entries]
        updated = Recipient.objects.filter(pk__in=locked).update(
            email_status=step.expression(),
            bounce_kind="",
            next_attempt_at=due,
            attempts=0,
        )
        events_insert(recipient_ids=locked, certificate_id=certificate.pk, detail=detail, at=now)
        queued += updated
    if queued:
        certificate_publish(certificate=certificate, scheduled=scheduled)
        if queued >= ANALYZE_AFTER_QUEUED:
            # PostgreSQL's planner learns of the rows just made due before a worker
            # claims them. Until autovacuum analyses the table (within a minute or so)
            # it estimated a due row or two and read and sorted every due row for each
            # claim (19 ms a claim of 200 among 10,000 queued, growing with the queue;
            # 0.5 ms through `recipient_outbox_due` once it knows). The refresh took 44
            # to 55 ms at 10,000 rows.
            transaction.on_commit(partial(statistics_refresh, Recipient, DUE_FIELDS))
        tasks = min(DELIVER_FANOUT, math.ceil(queued / max(1, settings.SEND_BATCH_SIZE)))
        transaction.on_commit(
            partial(deliver_enqueue, run_after=due if scheduled else None, count=tasks)
        )
    return SendResult(queued=queued, skipped=dict(skipped))


def certificate_send(
    *,
    certificate: Certificate,
    recipient_ids: list[str] | None = None,
    at: dt.datetime | None = None,
) -> SendResult:
    """Send the certificate's email now, or at `at`, to the named recipients (public
    ids) or, by default, to every not-sent recipient with an address. Says how many
    were queued and how many suppressed addresses were skipped; the deliver task does
    the sending."""
    if at is not None and timezone.is_naive(at):
        raise ServiceError(_("The send time must include a time zone."))
    _not_archived(certificate)
    if recipient_ids is not None and not recipient_ids:
        raise ServiceError(_("No recipients were selected: there are no recipients to send to."))
    with transaction.atomic():
        chunks = (
            _default_chunks(certificate)
            if recipient_ids is None
            else _resolve(certificate, recipient_ids)
        )
        result = _queue(certificate=certificate, chunks=chunks, at=at, resend=False)
    # Raised once the skips are written: they stay on the timelines.
    if not result.queued and result.skipped_total:
        raise ServiceError(
            _("There are no recipients to send to. %(skipped)s")
            % {"skipped": result.skipped_text()}
        )
    if not result.queued:
        raise ServiceError(
            _(
                "There are no recipients to send to: every recipient with an email "
                "address has already been sent this certificate (use resend), or "
                "none has an address."
            )
        )
    return result


def recipient_resend(*, recipient: Recipient, override_suppression: bool = False) -> None:
    """Send one recipient their email again (a nudge), now. A suppressed address is
    refused (AddressSuppressed, after its `email.suppressed` event is written) unless
    `override_suppression`: the issuer's explicit choice lifts the entry."""
    _not_archived(recipient.certificate)
    if recipient.revoked_at is not None:
        raise ServiceError(_("This credential is revoked; its email cannot be sent."))
    if not recipient.email:
        raise ServiceError(_("This recipient has no email address; add one, then send."))
    if recipient.email_status == EmailStatus.COMPLAINED:
        raise ServiceError(
            _("This recipient marked our email as spam, so it is not sent to them again.")
        )
    organization_id = recipient.certificate.organization_id
    with transaction.atomic():
        if override_suppression:
            suppression_lift(organization_id=organization_id, email=recipient.email)
        result = _queue(
            certificate=recipient.certificate,
            chunks=iter([[recipient.pk]]),
            at=None,
            resend=True,
        )
    entry = suppression_of(organization_id, recipient.email) if result.skipped_total else None
    if entry is not None:
        raise AddressSuppressed(entry)
    if not result.queued:
        raise ServiceError(_("This recipient cannot be sent an email."))


def recipients_resend(*, certificate: Certificate, recipient_ids: list[int]) -> SendResult:
    """Send the email again, now, to many recipients of one certificate at once (the
    dashboard's "resend to not opened"). Recipients who cannot be sent to (no address,
    revoked, marked as spam) are left out; suppressed addresses are skipped and counted."""
    _not_archived(certificate)
    with transaction.atomic():
        chunks = (
            list(
                Recipient.objects.filter(
                    certificate=certificate, pk__in=recipient_ids[start : start + QUEUE_CHUNK]
                ).values_list("pk", flat=True)
            )
            for start in range(0, len(recipient_ids), QUEUE_CHUNK)
        )
        return _queue(certificate=certificate, chunks=chunks, at=None, resend=True)

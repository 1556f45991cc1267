"""Writes to certificates and recipients. Each service validates, writes in one
transaction, records its events and starts side effects on commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conferral.accounts.models import Organization
from conferral.certificates.created import recipients_created_dispatch
from conferral.certificates.event_details import RecipientUpdated
from conferral.certificates.events import event_record
from conferral.certificates.models import Certificate, CertificateState, Kind, Language, Recipient
from conferral.certificates.statements import recipients_copy, recipients_insert
from conferral.certificates.status import Step, transition
from conferral.certificates.validation import (
    CleanRow,
    RowError,
    row_validate,
)

CHUNK_SIZE = 1000
MAX_REPORTED_ERRORS = 1000


class RecipientsInvalid(Exception):
    """Some rows are bad; nothing was added. `errors` names each bad row."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        self.errors = errors
        self.total = total if total is not None else len(errors)
        super().__init__(
            ngettext(
                "%(count)s problem found; nothing was added.",
                "%(count)s problems found; nothing was added.",
                self.total,
            )
            % {"count": self.total}
        )


class ServiceError(Exception):
    """A request that cannot be carried out, with a message for the user."""


@dataclass
class RawRow:
    row: int
    name: Any
    email: Any = ""
    attributes: Any = None


@dataclass
class AddResult:
    count: int = 0
    recipients: list[Recipient] = field(default_factory=list)


def certificate_create(
    *,
    organization: Organization,
    name: str,
    kind: str = Kind.CERTIFICATE,
    description: str = "",
    criteria: str = "",
    issue_date: dt.date | None = None,
    expires_at: dt.date | None = None,
    language: str = Language.EN,
    email_subject: str = "",
    email_body: str = "",
    reminder_interval_days: int | None = None,
    reminder_limit: int = 2,
    claim_deadline: dt.date | None = None,
    allow_indexing: bool = False,
) -> Certificate:
    certificate = Certificate(
        organization=organization,
        name=name.strip(),
        kind=kind,
        description=description,
        criteria=criteria,
        issue_date=issue_date or timezone.localdate(),
        expires_at=expires_at,
        language=language,
        email_subject=email_subject,
        email_body=email_body,
        reminder_interval_days=reminder_interval_days,
        reminder_limit=reminder_limit,
        claim_deadline=claim_deadline,
        allow_indexing=allow_indexing,
    )
    certificate.full_clean()
    certificate.save()
    return certificate


def _chunks(rows: Iterable[RawRow]) -> Iterator[list[RawRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_SIZE)):
        yield chunk


@dataclass
class _Problems:
    """The bad rows found so far: the first MAX_REPORTED_ERRORS, and how many in all."""

    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    def add(self, number: int, name: str, msg: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(number, name, msg))

    def extend(self, errors: list[RowError]) -> None:
        self.total += len(errors)
        self.errors.extend(errors[: max(0, MAX_REPORTED_ERRORS - len(self.errors))])


def _listed_emails(certificate: Certificate) -> set[str]:
    """The addresses already on a certificate's list, read once per call of
    `recipients_add` from the partial unique index (one query, where one per chunk
    cost a large import a third of its time on PostgreSQL)."""
    return set(
        Recipient.objects.filter(certificate=certificate)
        # Repeats the condition of the partial unique index, so the look-up uses it.
        .exclude(email="")
        .values_list("email", flat=True)
        .order_by()
        .iterator(chunk_size=10_000)
    )


def recipients_add(
    *, certificate: Certificate, rows: Iterable[RawRow], keep: bool = True, write: bool = True
) -> AddResult:
    """Add recipients all-or-nothing. Rows are read, checked and written a chunk at a
    time, so a list of any length is never held in memory (only the set of the
    certificate's addresses is); if any row is bad the transaction is rolled back and
    RecipientsInvalid names every bad row (the first MAX_REPORTED_ERRORS of them, with
    the total). With `write=False` every row is checked exactly as it would be, but
    nothing is written (a preview): `count` is how many would be added."""
    result = AddResult()
    problems = _Problems()
    public_ids: list[str] = []
    with transaction.atomic():
        listed = _listed_emails(certificate)
        with recipients_copy() if write else nullcontext() as copy:
            for chunk in _chunks(rows):
                clean = _checked(chunk, listed, problems)
                if problems.total:
                    continue  # keep reading: the user gets every bad row at once
                if not write:
                    result.count += len(clean)
                    continue
                written = recipients_insert(certificate, clean, copy)
                recipients_created_dispatch(certificate_id=certificate.pk, public_ids=written)
                result.count += len(written)
                if keep:
                    public_ids.extend(written)
        if problems.total:
            problems.errors.sort(key=lambda e: e.row)
            transaction.set_rollback(True)
            raise RecipientsInvalid(problems.errors, problems.total)
        # Read once the COPY (PostgreSQL) is over, in the order written.
        for start in range(0, len(public_ids), CHUNK_SIZE):
            part = public_ids[start : start + CHUNK_SIZE]
            result.recipients.extend(Recipient.objects.filter(public_id__in=part).order_by("id"))
    return result


def _checked(chunk: list[RawRow], listed: set[str], problems: _Problems) -> list[CleanRow]:
    """A chunk's rows checked on their own and for addresses that repeat one of the
    chunk's or one of `listed`: the clean rows, with their addresses added to `listed`,
    if the chunk has no problem; otherwise every problem is added to `problems`."""
    clean: list[CleanRow] = []
    numbers: list[int] = []
    for raw in chunk:
        row, row_errors = row_validate(raw.row, raw.name, raw.email, raw.attributes)
        if row is None:
            problems.extend(row_errors)
        else:
            clean.append(row)
            numbers.append(raw.row)
    seen: dict[str, int] = {}
    for number, row in zip(numbers, clean, strict=True):
        email = row.email
        if not email:
            continue
        if email in seen:
            problems.add(
                number,
                "email",
                _("%(email)s is already in row %(other)s.")
                % {"email": email, "other": seen[email]},
            )
        else:
            seen[email] = number
    for email in sorted(listed.intersection(seen), key=seen.__getitem__):
        problems.add(
            seen[email],
            "email",
            _("%(email)s is already a recipient of this certificate.") % {"email": email},
        )
    if not problems.total:
        listed.update(seen)
    return clean


def recipient_update(
    *,
    recipient: Recipient,
    name: str | None = None,
    email: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> Recipient:
    """Edit a recipient. A new address on a bounced or address-less recipient makes
    it sendable again (status `not_sent`); clearing the address cancels a queued email.
    The change is recorded (`recipient.updated`); the bounce stays in the timeline."""
    row, errors = row_validate(
        0,
        recipient.name if name is None else name,
        recipient.email if email is None else email,
        recipient.attributes if attributes is None else attributes,
    )
    if row is None:
        raise RecipientsInvalid(errors)
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
        old_email = recipient.email
        changed = [
            field
            for field, new in (
                ("name", row.name),
                ("email", row.email),
                ("attributes", row.attributes),
            )
            if getattr(recipient, field) != new
        ]
        if "email" in changed and row.email:
            _unique_email(recipient, row.email)
        fields = list(changed)
        recipient.name, recipient.email, recipient.attributes = row.name, row.email, row.attributes
        if "email" in changed:
            step = transition(Step.ADDRESS_ADD if row.email else Step.ADDRESS_REMOVE)
            status = step.apply(recipient.email_status)
            if status != recipient.email_status:
                recipient.email_status, recipient.bounce_kind = status, ""
                fields += ["email_status", "bounce_kind"]
            if not row.email:  # nothing can be sent any more: a queued email is cancelled
                recipient.next_attempt_at = None
                fields.append("next_attempt_at")
        if changed:
            recipient.save(update_fields=fields)
            moved = "email" in changed
            event_record(
                recipient=recipient,
                detail=RecipientUpdated(
                    fields=changed,
                    old_email=old_email if moved else "",
                    new_email=row.email if moved else "",
                ),
            )
    recipient.refresh_from_db()
    return recipient


def _unique_email(recipient: Recipient, email: str) -> None:
    if (
        Recipient.objects.filter(certificate_id=recipient.certificate_id, email=email)
        .exclude(pk=recipient.pk)
        .exists()
    ):
        raise RecipientsInvalid(
            [
                RowError(
                    0,
                    "email",
                    _("%(email)s is already a recipient of this certificate.") % {"email": email},
                )
            ]
        )


def recipient_delete(*, recipient: Recipient) -> None:
    recipient.delete()


def certificate_publish(*, certificate: Certificate, scheduled: bool = False) -> None:
    """Mark a certificate published once its first emails go out, or scheduled when
    they are set to go out later (a published certificate stays published)."""
    state = CertificateState.SCHEDULED if scheduled else CertificateState.PUBLISHED
    if certificate.state == CertificateState.PUBLISHED or certificate.state == state:
        return
    certificate.state = state
    certificate.save(update_fields=["state", "updated_at"])


DELETE_CHUNK = 1000


def recipients_delete(*, certificate: Certificate, recipient_ids: Iterable[int]) -> int:
    """Delete many recipients of one certificate (with their events), all at once;
    returns how many were deleted. Ids of other certificates are ignored."""
    ids = list(recipient_ids)
    deleted = 0
    with transaction.atomic():
        for start in range(0, len(ids), DELETE_CHUNK):
            part = ids[start : start + DELETE_CHUNK]
            _total, per_model = Recipient.objects.filter(
                certificate=certificate, pk__in=part
            ).delete()
            deleted += per_model.get(Recipient._meta.label, 0)
    return deleted

"""Writes to certificates and recipients. Each service validates, writes in one
transaction, records its events and starts side effects on commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conferral.accounts.models import Organization
from conferral.certificates.models import (
    Certificate,
    CertificateState,
    EmailStatus,
    Kind,
    Language,
    Recipient,
)
from conferral.certificates.validation import (
    CleanRow,
    RowError,
    row_validate,
)
from conferral.tracking.models import EventType
from conferral.tracking.services import event_record

CHUNK_SIZE = 1000
# Recipient columns whose default must be drawn anew for every row.
FRESH_PER_ROW = ("public_id", "credential_id", "token")
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
    )
    certificate.full_clean()
    certificate.save()
    return certificate


def _initial_email_status(email: str) -> str:
    return EmailStatus.NOT_SENT if email else EmailStatus.NOT_PROVIDED


def _chunks(rows: Iterable[RawRow]) -> Iterator[list[RawRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_SIZE)):
        yield chunk


def _recipients_insert(certificate: Certificate, rows: list[CleanRow]) -> list[str]:
    """Insert clean rows with one executemany and return their public ids.

    `bulk_create` prepares every one of a recipient's ~30 fields through the ORM, which
    made it most of the cost of a large import. Here the fields a new recipient leaves
    at their default are prepared once per call, and only the per-row values (name,
    address, attributes, status, and a fresh token and public ids) are set for each row.
    On PostgreSQL the rows go in through COPY, several times faster than INSERTs."""
    if not rows:
        return []
    now = timezone.now()
    fields = [f for f in Recipient._meta.concrete_fields if not f.primary_key and not f.generated]
    position = {f.attname: index for index, f in enumerate(fields)}
    given = ("certificate_id", "name", "email", "attributes", "email_status", "public_id")
    unique = [(position[f.attname], f.get_default) for f in fields if f.attname in FRESH_PER_ROW]
    template: list[Any] = []
    for f in fields:
        auto_now = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        template.append(f.get_db_prep_save(now if auto_now else f.get_default(), connection))
    at = [position[name] for name in given]
    adapt_json = connection.ops.adapt_json_value
    params = []
    public_ids = []
    for row in rows:
        values = template.copy()
        for index, make in unique:
            values[index] = make()
        public_id = values[at[5]]
        values[at[0]] = certificate.pk
        values[at[1]] = row.name
        values[at[2]] = row.email
        values[at[3]] = adapt_json(row.attributes, None)
        values[at[4]] = _initial_email_status(row.email)
        public_ids.append(public_id)
        params.append(values)
    quote = connection.ops.quote_name
    table = quote(Recipient._meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)
    return public_ids


def recipients_add(
    *, certificate: Certificate, rows: Iterable[RawRow], keep: bool = True
) -> AddResult:
    """Add recipients all-or-nothing. Rows are read, checked and written a chunk at a
    time, so a list of any length is never held in memory; if any row is bad the
    transaction is rolled back and RecipientsInvalid names every bad row (the first
    MAX_REPORTED_ERRORS of them, with the total)."""
    result = AddResult()
    errors: list[RowError] = []
    total_errors = 0
    with transaction.atomic():
        for chunk in _chunks(rows):
            clean: list[tuple[int, CleanRow]] = []
            for raw in chunk:
                row, row_errors = row_validate(raw.row, raw.name, raw.email, raw.attributes)
                if row is None:
                    total_errors += len(row_errors)
                    errors.extend(row_errors[: max(0, MAX_REPORTED_ERRORS - len(errors))])
                else:
                    clean.append((raw.row, row))
            seen: dict[str, int] = {}
            for number, row in clean:
                if not row.email:
                    continue
                if row.email in seen:
                    total_errors += 1
                    if len(errors) < MAX_REPORTED_ERRORS:
                        errors.append(
                            RowError(
                                number,
                                "email",
                                _("%(email)s is already in row %(other)s.")
                                % {"email": row.email, "other": seen[row.email]},
                            )
                        )
                else:
                    seen[row.email] = number
            existing = set(
                Recipient.objects.filter(certificate=certificate, email__in=list(seen))
                # Repeats the condition of the partial unique index, so the look-up uses it.
                .exclude(email="")
                .values_list("email", flat=True)
                .order_by()
            )
            for email in sorted(existing, key=seen.__getitem__):
                total_errors += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append(
                        RowError(
                            seen[email],
                            "email",
                            _("%(email)s is already a recipient of this certificate.")
                            % {"email": email},
                        )
                    )
            if total_errors:
                continue  # keep reading: the user gets every bad row at once
            public_ids = _recipients_insert(certificate, [row for _number, row in clean])
            result.count += len(public_ids)
            if keep:
                result.recipients.extend(
                    Recipient.objects.filter(public_id__in=public_ids).order_by("id")
                )
        if total_errors:
            errors.sort(key=lambda e: e.row)
            transaction.set_rollback(True)
            raise RecipientsInvalid(errors, total_errors)
    return result


def recipient_update(
    *,
    recipient: Recipient,
    name: str | None = None,
    email: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> Recipient:
    """Edit a recipient. A new address on a bounced or address-less recipient makes
    it sendable again (status `not_sent`); the bounce stays in the timeline."""
    row, errors = row_validate(
        0,
        recipient.name if name is None else name,
        recipient.email if email is None else email,
        recipient.attributes if attributes is None else attributes,
    )
    if row is None:
        raise RecipientsInvalid(errors)
    fields = ["name", "attributes"]
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
        recipient.name, recipient.attributes = row.name, row.attributes
        if row.email != recipient.email:
            if (
                row.email
                and Recipient.objects.filter(
                    certificate_id=recipient.certificate_id, email=row.email
                )
                .exclude(pk=recipient.pk)
                .exists()
            ):
                raise RecipientsInvalid(
                    [
                        RowError(
                            0,
                            "email",
                            _("%(email)s is already a recipient of this certificate.")
                            % {"email": row.email},
                        )
                    ]
                )
            recipient.email = row.email
            fields.append("email")
            if recipient.next_attempt_at is None and recipient.email_status in (
                EmailStatus.BOUNCED,
                EmailStatus.NOT_PROVIDED,
                EmailStatus.NOT_SENT,
            ):
                recipient.email_status = _initial_email_status(row.email)
                recipient.bounce_kind = ""
                fields += ["email_status", "bounce_kind"]
        recipient.save(update_fields=fields)
    recipient.refresh_from_db()
    return recipient


def recipient_delete(*, recipient: Recipient) -> None:
    recipient.delete()


def recipient_revoke(*, recipient: Recipient, reason: str) -> Recipient:
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("A reason is required to revoke a credential."))
    now = timezone.now()
    with transaction.atomic():
        updated = Recipient.objects.filter(pk=recipient.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoke_reason=reason[:2000], next_attempt_at=None
        )
        if updated:
            event_record(
                recipient=recipient,
                type=EventType.CREDENTIAL_REVOKED,
                at=now,
                detail={"reason": reason[:2000]},
            )
    recipient.refresh_from_db()
    return recipient


def certificate_publish(*, certificate: Certificate) -> None:
    """Mark a certificate published once its first emails go out."""
    if certificate.state != CertificateState.PUBLISHED:
        certificate.state = CertificateState.PUBLISHED
        certificate.save(update_fields=["state", "updated_at"])

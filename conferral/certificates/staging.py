"""An uploaded recipient list, previewed before anything is imported.

The upload is kept in the database under a random name, for its certificate only
(never a copy the browser sends back), checked without adding anyone (`staged_preview`:
the same checks as the import itself, in a transaction that is rolled back), and
imported only when the issuer confirms (`staged_import`, which checks every row again:
the list may have changed in between). Any web server can answer the confirmation. A
staged upload expires after STAGED_MAX_AGE; each new upload removes the expired ones."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.certificates.csvtext import CHUNK_BYTES, ImportFileInvalid, too_big_message
from conferral.certificates.importing import (
    CsvRecipients,
    import_transaction,
    recipients_add_listed,
)
from conferral.certificates.models import Certificate, StagedUpload
from conferral.certificates.services import (
    MAX_REPORTED_ERRORS,
    RawRow,
    RecipientsInvalid,
)
from conferral.certificates.validation import DOMAIN_TYPOS, RowError, email_normalize
from conferral.certificates.xlsx import list_open

STAGED_MAX_AGE = 3600  # seconds
PREVIEW_ROWS = 10
_NAME = re.compile(r"[A-Za-z0-9_-]{32}")


class StagedExpired(Exception):
    """The staged upload is gone: it expired, was imported already, or is another
    certificate's."""


def _oldest_kept() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=STAGED_MAX_AGE)


def staged_data(*, certificate: Certificate, name: str) -> bytes:
    """The bytes of a staged upload of `certificate`; StagedExpired when there is none
    (or the name is not one we make)."""
    if not _NAME.fullmatch(name):
        raise StagedExpired()
    staged = StagedUpload.objects.filter(name=name, certificate=certificate).first()
    if staged is None:
        raise StagedExpired()
    if staged.created_at < _oldest_kept():
        staged.delete()
        raise StagedExpired()
    return bytes(staged.data)


def staged_sweep() -> None:
    """Remove staged uploads older than STAGED_MAX_AGE."""
    StagedUpload.objects.filter(created_at__lt=_oldest_kept()).delete()


def staged_discard(name: str) -> None:
    if _NAME.fullmatch(name):
        StagedUpload.objects.filter(name=name).delete()


def upload_stage(upload: UploadedFile[Any], *, certificate: Certificate) -> str:
    """Keep an upload for `certificate` (bounded by CONFERRAL_IMPORT_MAX_BYTES); returns
    its random name."""
    max_bytes: int = settings.IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise ImportFileInvalid(too_big_message(max_bytes))
    staged_sweep()
    buffer = io.BytesIO()
    for chunk in upload.chunks(CHUNK_BYTES):
        if buffer.tell() + len(chunk) > max_bytes:
            raise ImportFileInvalid(too_big_message(max_bytes))
        buffer.write(chunk)
    if not buffer.tell():
        raise ImportFileInvalid(_("The file is empty."))
    name = secrets.token_urlsafe(24)
    StagedUpload.objects.create(
        name=name, certificate=certificate, data=buffer.getvalue(), created_at=timezone.now()
    )
    return name


@dataclass
class Preview:
    """What importing a staged list would do: how many would be added, every problem
    (the first MAX_REPORTED_ERRORS, with the total), the suggested fixes of likely
    typos by row, and the first rows as read."""

    rows: int = 0
    problems: list[RowError] = field(default_factory=list)
    total_problems: int = 0
    suggestions: dict[int, str] = field(default_factory=dict)
    first_rows: list[RawRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.total_problems and self.rows > 0

    @property
    def bad_rows(self) -> set[int]:
        return {problem.row for problem in self.problems}


def email_suggestion(raw: Any) -> str | None:
    """The address that was almost certainly meant, for a well-known domain's typo."""
    email = email_normalize(str(raw or ""))
    if "@" not in email:
        return None
    user, domain = email.rsplit("@", 1)
    return f"{user}@{DOMAIN_TYPOS[domain]}" if domain in DOMAIN_TYPOS else None


def _watched(rows: CsvRecipients, preview: Preview) -> Iterator[RawRow]:
    for raw in rows:
        if len(preview.first_rows) < PREVIEW_ROWS:
            preview.first_rows.append(raw)
        suggestion = email_suggestion(raw.email)
        if suggestion and len(preview.suggestions) < MAX_REPORTED_ERRORS:
            preview.suggestions[raw.row] = suggestion
        yield raw


def _open(data: bytes) -> tuple[IO[bytes], CsvRecipients]:
    stream = io.BytesIO(data)
    return stream, list_open(stream, size=len(data))


def staged_preview(*, certificate: Certificate, name: str) -> Preview:
    """Check a staged list against the certificate without adding anyone. Raises
    ImportFileInvalid for a file that cannot be a list, StagedExpired when it is gone."""
    preview = Preview()
    stream, rows = _open(staged_data(certificate=certificate, name=name))
    with stream, import_transaction():
        try:
            preview.rows = recipients_add_listed(
                certificate=certificate, rows=rows, source=_watched(rows, preview), write=False
            )
        except RecipientsInvalid as invalid:
            preview.problems, preview.total_problems = invalid.errors, invalid.total
        transaction.set_rollback(True)  # a preview adds no one, come what may
    return preview


def staged_import(*, certificate: Certificate, name: str) -> int:
    """Import a staged list, all or nothing (every row checked again), then remove the
    upload; returns how many recipients were added."""
    stream, rows = _open(staged_data(certificate=certificate, name=name))
    with stream, import_transaction():
        added = recipients_add_listed(certificate=certificate, rows=rows)
        staged_discard(name)
    return added

"""The recipient list as a spreadsheet (CSV or XLSX): both statuses, engagement, the
links. Rows are read a chunk at a time and written as they come, so a list of 100,000
recipients is never held in memory.

Safe to open in a spreadsheet: a value that starts with = + - @, a tab or a carriage
return would be taken for a formula (CSV or formula injection), so it is written with a
leading apostrophe, which spreadsheets show as text. XLSX cells are always written as
text or dates, never as formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from conferral.certificates.links import CHANNEL_PURPOSE
from conferral.certificates.models import Channel, Recipient
from conferral.certificates.status import BounceKind, EmailStatus, Status
from conferral.core import signing

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_CHUNK = 2000


def cell_safe(value: str) -> str:
    """A text value a spreadsheet shows as it is and never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _headers() -> list[str]:
    return [
        _("Name"),
        _("Email"),
        _("Certificate status"),
        _("Email status"),
        _("Bounce"),
        _("Sent"),
        _("Delivered"),
        _("Opened"),
        _("Clicked"),
        _("Viewed"),
        _("Claimed"),
        _("Claimed through"),
        _("Downloaded"),
        _("Shared on"),
        _("Added to LinkedIn"),
        _("Revoked"),
        _("Revocation reason"),
        _("Emails sent"),
        _("Token"),
        _("Recipient link"),
        _("Verification page"),
        _("Added"),
    ]


# The columns read for each row, in the order of _headers() (the links are built from
# the token and the credential id; an erased recipient's name reads "Erased").
COLUMNS = (
    "name",
    "email",
    "status",
    "email_status",
    "bounce_kind",
    "first_sent_at",
    "delivered_at",
    "opened_at",
    "clicked_at",
    "viewed_at",
    "claimed_at",
    "claim_channel",
    "downloaded_at",
    "shared",
    "linkedin_added_at",
    "revoked_at",
    "revoke_reason",
    "sends",
    "token",
    "credential_id",
    "created_at",
    "erased_at",
)

Value = str | dt.datetime | int | None


class _Rows:
    """Turns the columns of a recipient into the export's values. Labels, URL prefixes
    and the time zone are looked up once per export, not once per row: an export of
    100,000 rows spends its time on the rows."""

    def __init__(self) -> None:
        self.labels: dict[str, dict[str, str]] = {
            "status": {value: str(label) for value, label in Status.choices},
            "email_status": {value: str(label) for value, label in EmailStatus.choices},
            "bounce_kind": {value: str(label) for value, label in BounceKind.choices},
            "claim_channel": {value: str(label) for value, label in Channel.choices},
        }
        self.erased = _("Erased")
        placeholder = "TOKEN"
        page = settings.BASE_URL + reverse("recipient:page", kwargs={"token": placeholder})
        self.page_prefix, self.page_suffix = page.split(placeholder, 1)
        verify = settings.BASE_URL + reverse(
            "recipient:verify", kwargs={"credential_id": placeholder}
        )
        self.verify_prefix, self.verify_suffix = verify.split(placeholder, 1)

    def link(self, token: str) -> str:
        """The same link as links.recipient_url(recipient, Channel.ADMIN)."""
        mark = signing.sign(CHANNEL_PURPOSE, f"{token}:{Channel.ADMIN.value}")
        return f"{self.page_prefix}{token}{self.page_suffix}?via={Channel.ADMIN.value}.{mark}"

    def values(self, row: tuple[Any, ...]) -> list[Value]:
        data = dict(zip(COLUMNS, row, strict=True))
        for column, labels in self.labels.items():
            data[column] = labels.get(data[column], data[column] or "")
        token, credential_id = data.pop("token"), data.pop("credential_id")
        created = data.pop("created_at")
        if data.pop("erased_at") is not None:
            data["name"] = self.erased
        data["shared"] = ", ".join(str(network) for network in data["shared"] or [])
        return [
            *data.values(),
            token,
            self.link(token),
            f"{self.verify_prefix}{credential_id}{self.verify_suffix}",
            created,
        ]


def _rows(recipients: QuerySet[Recipient]) -> Iterator[list[Value]]:
    rows = _Rows()
    for row in (
        recipients.select_related(None).values_list(*COLUMNS).iterator(chunk_size=EXPORT_CHUNK)
    ):
        yield rows.values(row)


def _text(value: Value, zone: dt.tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).isoformat(timespec="seconds")
    if isinstance(value, int):
        return str(value)
    return cell_safe(value)


class _Line:
    """A file-like object for csv.writer that hands back what was written."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def take(self) -> str:
        value = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return value


def export_csv_rows(recipients: QuerySet[Recipient]) -> Iterator[str]:
    """The list as CSV text, a few rows at a time (UTF-8 with a byte-order mark, which
    Excel needs to read it as UTF-8)."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([cell_safe(header) for header in _headers()])
    yield "\ufeff" + line.take()
    zone = timezone.get_current_timezone()
    for count, values in enumerate(_rows(recipients), start=1):
        writer.writerow([_text(value, zone) for value in values])
        if count % 200 == 0:
            yield line.take()
    yield line.take()


def _xlsx_value(value: Value, zone: dt.tzinfo) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).replace(tzinfo=None)
    if isinstance(value, str):
        return cell_safe(value)
    return value


def export_xlsx_file(recipients: QuerySet[Recipient]) -> IO[bytes]:
    """The list as an XLSX workbook in a temporary file (write-only mode: rows go
    straight to disk), open and at its start."""
    from openpyxl import Workbook  # imported here: only an XLSX export needs it
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Recipients")[:31])
    sheet.append([cell_safe(header) for header in _headers()])
    zone = timezone.get_current_timezone()
    for values in _rows(recipients):
        row = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value, zone))
            if isinstance(value, str):
                cell.data_type = "s"  # text, even if it looks like a formula
            elif isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            row.append(cell)
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle

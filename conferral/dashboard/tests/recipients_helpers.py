"""Helpers for the recipients tab's tests: uploading a list, building an XLSX file,
reaching one recipient's pages."""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from conferral.certificates.models import Certificate, Recipient

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(*rows: list[Any]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_url(certificate: Certificate) -> str:
    return reverse("dashboard:certificate_import", kwargs={"certificate_id": certificate.public_id})


def confirm_url(certificate: Certificate) -> str:
    return reverse(
        "dashboard:certificate_import_confirm", kwargs={"certificate_id": certificate.public_id}
    )


def upload(client: Client, certificate: Certificate, data: bytes, name: str = "list.csv") -> Any:
    kind = XLSX_TYPE if name.endswith(".xlsx") else "text/csv"
    return client.post(import_url(certificate), {"file": SimpleUploadedFile(name, data, kind)})


def staged_name(html: str) -> str:
    found = re.search(r'name="staged" value="([^"]+)"', html)
    assert found is not None, "no staged upload in the preview"
    return found.group(1)


def list_url(certificate: Certificate) -> str:
    return reverse(
        "dashboard:certificate_recipients", kwargs={"certificate_id": certificate.public_id}
    )


def bulk_url(certificate: Certificate) -> str:
    return reverse(
        "dashboard:certificate_recipients_bulk", kwargs={"certificate_id": certificate.public_id}
    )


def export_url(certificate: Certificate) -> str:
    return reverse(
        "dashboard:certificate_recipients_export", kwargs={"certificate_id": certificate.public_id}
    )


def recipient_action_url(name: str, recipient: Recipient) -> str:
    return reverse(f"dashboard:{name}", kwargs={"recipient_id": recipient.public_id})


def page_text(response: Any) -> str:
    return str(response.content.decode())

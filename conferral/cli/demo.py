"""`conferral demo`: an organization, a dashboard login and a certificate with recipients
whose names cover several scripts, so a newcomer sees the whole flow at once.

Idempotent: a second run changes nothing but the login's password, which it sets again
to the same value. That password is CONFERRAL_DEMO_PASSWORD when set; otherwise one is
generated on the first run and kept in DATA_DIR/demo-password (readable by its owner
only), so every run prints the same login."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import typer
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from conferral.accounts.models import Organization
from conferral.accounts.services import organization_get_or_create, user_create
from conferral.certificates.models import Certificate
from conferral.certificates.services import RawRow, certificate_create, recipients_add

DEMO_ORGANIZATION = "Demo Academy"
DEMO_EMAIL = "demo@example.com"
DEMO_CERTIFICATE = "Digital Credentials Essentials"
DEMO_DESCRIPTION = (
    "A short course on issuing, sending and verifying digital certificates and badges."
)
DEMO_CRITERIA = "Attended all four sessions and passed the final quiz."
KEPT_LOGIN_FILE = "demo-password"
DEMO_RECIPIENTS = [
    ("Jürgen Müller-Łukasz", "juergen.mueller@example.com", "Berlin"),
    ("Åsa Øberg", "asa.oberg@example.com", "Oslo"),
    ("Zoë Ñúñez", "zoe.nunez@example.com", "Madrid"),
    ("Σωκράτης Παπαδόπουλος", "sokratis.papadopoulos@example.com", "Athens"),
    ("Анна Иванова", "anna.ivanova@example.com", "Riga"),
    ("王小明", "xiaoming.wang@example.com", "Shanghai"),
    ("ليلى حداد", "layla.haddad@example.com", "Beirut"),
    ("Mateo García", "", "Buenos Aires"),
]


@dataclass(frozen=True)
class DemoLogin:
    organization: Organization
    certificate: Certificate
    email: str
    password: str


def demo_password() -> str:
    """CONFERRAL_DEMO_PASSWORD, or the one kept in the data directory (made once)."""
    configured = os.environ.get("CONFERRAL_DEMO_PASSWORD", "")
    if configured:
        return configured
    path = Path(settings.DATA_DIR) / KEPT_LOGIN_FILE
    if path.exists():
        kept = path.read_text(encoding="utf-8").strip()
        if kept:
            return kept
    password = secrets.token_urlsafe(12)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(password + "\n")
    return password


def demo_install(*, password: str) -> DemoLogin:
    """Create (or find) the demo organization, login and certificate."""
    with transaction.atomic():
        organization = organization_get_or_create(name=DEMO_ORGANIZATION)
        user_create(email=DEMO_EMAIL, password=password, organization=organization)
        certificate = Certificate.objects.filter(
            organization=organization, name=DEMO_CERTIFICATE
        ).first()
        if certificate is None:
            certificate = certificate_create(
                organization=organization,
                name=DEMO_CERTIFICATE,
                description=DEMO_DESCRIPTION,
                criteria=DEMO_CRITERIA,
            )
            recipients_add(
                certificate=certificate,
                rows=[
                    RawRow(row, name, email, {"City": city})
                    for row, (name, email, city) in enumerate(DEMO_RECIPIENTS, start=1)
                ],
                keep=False,
            )
    return DemoLogin(organization, certificate, DEMO_EMAIL, password)


def demo() -> None:
    """Set up a demo organization, login and certificate (safe to run again)."""
    call_command("migrate", interactive=False, verbosity=0)
    login = demo_install(password=demo_password())
    dashboard = settings.BASE_URL + reverse("dashboard:home")
    typer.echo(_("The demo is ready."))
    label = _("Dashboard")
    typer.echo(f"  {label}: {dashboard}")
    typer.echo(f"  {_('Email')}:     {login.email}")
    typer.echo(f"  {_('Password')}:  {login.password}")
    typer.echo(
        _("Certificate “%(name)s”: %(id)s")
        % {"name": login.certificate.name, "id": login.certificate.public_id}
    )

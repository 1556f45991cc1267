"""The DNS records an organization publishes for its sending domain, exactly as they
are to be entered: the two DKIM keys, SPF for the return path and for the From domain,
DMARC, and the MX that brings bounces back to `conferral bounces serve`.

SPF names the host that hands the messages to the internet. CONFERRAL_SPF_INCLUDE says
it outright (e.g. "include:spf.provider.example" or "ip4:203.0.113.7"); without it, it
is assumed to be the SMTP host of the domain's own mail service URL, else of
CONFERRAL_EMAIL_URL, else the host in CONFERRAL_BASE_URL (Conferral sending directly).
Each record says which assumption it rests on."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from conferral.delivery.domains import keys
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.email_url import EmailKind, email_url_parse

DKIM_RSA = "dkim-rsa"
DKIM_ED25519 = "dkim-ed25519"
SPF_RETURN_PATH = "spf-return-path"
SPF_FROM = "spf-from"
DMARC = "dmarc"
MX = "mx"
MX_PREFERENCE = 10


@dataclass(frozen=True)
class Record:
    key: str
    type: str  # "TXT" or "MX"
    name: str
    value: str
    purpose: str
    # What the check compares: the SPF mechanism, the DKIM p=, the MX host.
    expected: str = ""


def _mechanism_for_host(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"a:{host}"
    return f"ip{address.version}:{address}"


def spf_mechanism(domain: SendingDomain) -> tuple[str, str]:
    """The SPF mechanism that authorizes the sending host, and what it assumes."""
    configured = settings.SPF_INCLUDE.strip()
    if configured:
        return configured, _("as set in CONFERRAL_SPF_INCLUDE")
    for url, source in (
        (domain.email_url, _("the SMTP host of this domain's mail service")),
        (settings.EMAIL_URL, _("the SMTP host of CONFERRAL_EMAIL_URL")),
    ):
        if not url:
            continue
        try:
            config = email_url_parse(url)
        except ImproperlyConfigured:
            continue
        if config.kind == EmailKind.SMTP:
            return _mechanism_for_host(config.host), _(
                "assuming %(source)s sends the messages; a provider gives its own "
                "include: set CONFERRAL_SPF_INCLUDE"
            ) % {"source": source}
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    return _mechanism_for_host(host), _(
        "assuming this Conferral server sends the messages itself; set "
        "CONFERRAL_SPF_INCLUDE otherwise"
    )


def bounce_host() -> str:
    """The host that runs `conferral bounces serve`: CONFERRAL_BOUNCE_MX, else the host
    of CONFERRAL_BASE_URL."""
    host = settings.BOUNCE_MX.strip() or urlsplit(settings.BASE_URL).hostname or "localhost"
    return host.rstrip(".").lower()


def dkim_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"


def records_for(domain: SendingDomain) -> list[Record]:
    mechanism, assumption = spf_mechanism(domain)
    mx_host = bounce_host()
    return [
        Record(
            DKIM_RSA,
            "TXT",
            dkim_name(domain.dkim_selector_rsa, domain.domain),
            keys.dkim_record(domain.dkim_private_key_rsa),
            _("The RSA key that signs every message (DKIM)."),
            keys.public_value(domain.dkim_private_key_rsa),
        ),
        Record(
            DKIM_ED25519,
            "TXT",
            dkim_name(domain.dkim_selector_ed25519, domain.domain),
            keys.dkim_record(domain.dkim_private_key_ed25519),
            _("The Ed25519 key (RFC 8463) that signs every message as well."),
            keys.public_value(domain.dkim_private_key_ed25519),
        ),
        Record(
            SPF_RETURN_PATH,
            "TXT",
            domain.return_path_domain,
            f"v=spf1 {mechanism} -all",
            _("Lets the sending host use the return path (SPF), %(assumption)s.")
            % {"assumption": assumption},
            mechanism,
        ),
        Record(
            SPF_FROM,
            "TXT",
            domain.domain,
            f"v=spf1 {mechanism} ~all",
            _(
                "Lets the sending host use the From domain (SPF), %(assumption)s. If the "
                "domain has an SPF record already, add %(mechanism)s to it instead: a "
                "domain has one SPF record."
            )
            % {"assumption": assumption, "mechanism": mechanism},
            mechanism,
        ),
        Record(
            DMARC,
            "TXT",
            f"_dmarc.{domain.domain}",
            f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain.domain}",
            _(
                "Tells receivers what to do with mail that fails DKIM and SPF. Start "
                "with p=none and the reports (rua), tighten it once they are clean; an "
                "existing DMARC record is fine as it is."
            ),
        ),
        Record(
            MX,
            "MX",
            domain.return_path_domain,
            f"{MX_PREFERENCE} {mx_host}.",
            _("Brings bounces back to Conferral (the host that runs `conferral bounces serve`)."),
            mx_host,
        ),
    ]

"""Building each recipient's email, fast.

Python's `EmailMessage` costs about 3 ms a message, which would cap sending near 250/s.
Instead the certificate's subject and body are rendered once per certificate (Django
templates, translated into the certificate's language) into format strings with a slot for
each per-recipient value; each message is then a few `str.format` calls, the
quoted-printable encoding of its values (conferral.delivery.message_parts) and a join
of raw RFC 5322 bytes with CRLF line endings: multipart/alternative with a text and an
HTML part, RFC 2047 headers, its own Message-ID, and a per-recipient envelope sender
(VERP) so a later bounce can be matched.

The organization's tracking switches are read when the template is compiled (the
delivery run compiles each certificate's anew, so a changed switch applies to the next
run): without open tracking there is no pixel; without click tracking the links go
straight to the recipient's page and there is no honeypot."""

from __future__ import annotations

import email.utils
import functools
import html
import os
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from conferral.accounts.models import Organization
from conferral.certificates.links import recipient_url
from conferral.certificates.models import Certificate, Channel, Kind, Recipient
from conferral.delivery import headers
from conferral.delivery.domains.selectors import domain_in_use
from conferral.delivery.message_parts import SLOT, SignedLink, SlotFormat
from conferral.delivery.unsubscribe import UNSUBSCRIBE, unsubscribe_url
from conferral.tracking import links

PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.-]*)\}")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
RECIPIENT_PREFIX = "recipient."
# The slots of the tracking URLs: each tracked link's own, the honeypot's, the pixel's,
# and the recipient's page when clicks are not tracked.
CLICK_URLS = {link: f"click_url.{link.value}" for link in links.Link}
HONEYPOT_URL = "honeypot_url"
PIXEL_URL = "pixel_url"
PAGE_URL = "page_url"
# Every client that ignores the styles of <body> and <td> (Outlook mobile, Yahoo, Proton)
# still reads a paragraph's own.
PARAGRAPH_STYLE = (
    "margin:0 0 16px 0;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;"
    "color:#1f2933;"
)
VERP_PREFIX = "bounces+"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One recipient's message: the raw bytes for SMTP, and its parts for providers."""

    recipient_id: int
    envelope_from: str
    to: str
    to_name: str
    to_header: str
    from_address: str
    from_name: str
    from_header: str
    subject: str
    message_id: str
    text: str
    html: str
    raw: bytes
    list_unsubscribe: str = ""  # the one-click unsubscribe URL (RFC 8058)
    reply_to: str = ""


def default_subject(kind: str) -> str:
    if kind == Kind.BADGE:
        return _("Your badge: {certificate.name}")
    return _("Your certificate: {certificate.name}")


def default_body(kind: str) -> str:
    if kind == Kind.BADGE:
        return _(
            "Hello {recipient.name},\n\n"
            "{organization.name} has awarded you the badge “{certificate.name}” "
            "on {issue_date}.\n\n"
            "Use the button below to view your badge, download it and share it."
        )
    return _(
        "Hello {recipient.name},\n\n"
        "{organization.name} has issued you the certificate “{certificate.name}” "
        "on {issue_date}.\n\n"
        "Use the button below to view your certificate, download it as a PDF and share it."
    )


def button_label(kind: str) -> str:
    return _("Get badge") if kind == Kind.BADGE else _("Get certificate")


def sender_parts() -> tuple[str, str]:
    """The display name and address of CONFERRAL_FROM_EMAIL."""
    name, address = email.utils.parseaddr(settings.FROM_EMAIL)
    if "@" not in address:
        address = "certificates@conferral.localhost"
    return name, headers.address(address)


def organization_sender(organization: Organization) -> str:
    """The address an organization's messages go out from: its own sending domain's
    once its check passed, else CONFERRAL_FROM_EMAIL's (what a recipient's IT is asked
    to allowlist)."""
    domain = domain_in_use(organization)
    return headers.address(domain.from_address) if domain is not None else sender_parts()[1]


def verp_address(public_id: str, from_address: str) -> str:
    """The per-recipient return path: bounces+<public id>@<the From domain>."""
    return f"{VERP_PREFIX}{public_id}@{from_address.rpartition('@')[2]}"


def verp_public_id(address: str) -> str | None:
    """The recipient public id in a return path built by `verp_address`, if any."""
    local = address.strip("<>").rpartition("@")[0]
    if local.startswith(VERP_PREFIX) and len(local) > len(VERP_PREFIX):
        return local[len(VERP_PREFIX) :]
    return None


_date_cache: tuple[int, str] = (0, "")


def _date_header() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, email.utils.formatdate(now, usegmt=True))
    return _date_cache[1]


class MessageTemplate:
    """A certificate's email, compiled once; `build(recipient)` makes each message."""

    def __init__(self, certificate: Certificate) -> None:
        organization = certificate.organization
        self.certificate_id = certificate.pk
        language = certificate.language or settings.LANGUAGE_CODE
        with translation.override(language):
            static = self._static_values(certificate)
            subject_source = self._subject_source(certificate)
            body_source = self._body_source(certificate)
            subject = self._mark(headers.clean(subject_source), static)
            body = self._mark(body_source.replace("\r\n", "\n"), static)
            context: dict[str, Any] = {
                "language": language,
                "organization_name": organization.name,
                "certificate_name": certificate.name,
                "body_text": body,
                "body_html": mark_safe(self._paragraphs(body)),  # noqa: S308 (escaped below)
                "button_label": button_label(certificate.kind),
                **self._tracking_slots(organization),
                "footer": _(
                    "You receive this email because %(organization)s issued you a "
                    "credential with Conferral."
                )
                % {"organization": organization.name},
            }
            text = render_to_string("delivery/email.txt", context)
            page = render_to_string("delivery/email.html", context)
        self.keys: list[str] = []
        self._subject = SlotFormat(subject, self.keys, crlf=False)
        self._text = SlotFormat(text.strip() + "\n", self.keys, crlf=True)
        self._html = SlotFormat(page, self.keys, crlf=True)
        self._static_subject = "" if self._subject.has_slots else subject
        self._subject_header = "" if self._subject.has_slots else headers.unstructured(subject)
        self._attribute_keys = {
            key: key[len(RECIPIENT_PREFIX) :]
            for key in self.keys
            if key.startswith(RECIPIENT_PREFIX)
        }
        # The organization's own domain once its DNS check passed (From, Reply-To,
        # return path, DKIM in the pipeline), else the installation's sender.
        self.sending_domain = domain_in_use(organization)
        sender_name, self.from_address = sender_parts()
        self.from_name = headers.clean(organization.name or sender_name)
        self.return_path_domain = self.from_address.rpartition("@")[2]
        self.reply_to = ""
        self._reply_to = ""
        if self.sending_domain is not None:
            self.from_address = headers.address(self.sending_domain.from_address)
            self.from_name = headers.clean(self.sending_domain.from_name or self.from_name)
            self.return_path_domain = self.sending_domain.return_path_domain
            if self.sending_domain.reply_to:
                self.reply_to = headers.address(self.sending_domain.reply_to)
                self._reply_to = f"Reply-To: {self.reply_to}\r\n"
        self.from_header = headers.mailbox(self.from_name, self.from_address)
        self.domain = self.from_address.rpartition("@")[2]
        self.boundary = "=_cf_" + os.urandom(12).hex()
        self._link_urls = {
            CLICK_URLS[link]: SignedLink(
                functools.partial(links.click_url, link=link), links.click_purpose(link)
            )
            for link in links.Link
        }
        self._link_urls[HONEYPOT_URL] = SignedLink(links.honeypot_url, links.HONEYPOT)
        self._link_urls[PIXEL_URL] = SignedLink(links.open_pixel_url, links.OPEN)
        self._mime_head = (
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            "\r\n"
            f"--{self.boundary}\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
        ).encode()
        self._mime_middle = (
            f"\r\n--{self.boundary}\r\n"
            'Content-Type: text/html; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
        ).encode()
        self._mime_tail = f"\r\n--{self.boundary}--\r\n".encode()

    @staticmethod
    def _tracking_slots(organization: Organization) -> dict[str, str]:
        """The template's link and pixel URLs as slots, as the organization tracks."""
        if organization.track_clicks:
            urls = {
                "button_url": CLICK_URLS[links.Link.BUTTON],
                "address_url": CLICK_URLS[links.Link.ADDRESS],
                "text_url": CLICK_URLS[links.Link.TEXT],
                "honeypot_url": HONEYPOT_URL,
            }
        else:
            urls = dict.fromkeys(("button_url", "address_url", "text_url"), PAGE_URL)
        if organization.track_opens:
            urls["pixel_url"] = PIXEL_URL
        return {name: SLOT + key + SLOT for name, key in urls.items()}

    def _subject_source(self, certificate: Certificate) -> str:
        return certificate.email_subject.strip() or default_subject(certificate.kind)

    def _body_source(self, certificate: Certificate) -> str:
        return certificate.email_body.strip() or default_body(certificate.kind)

    @functools.cached_property
    def _unsubscribe_url(self) -> SignedLink:
        return SignedLink(unsubscribe_url, UNSUBSCRIBE)

    @staticmethod
    def _static_values(certificate: Certificate) -> dict[str, str]:
        def date(value: Any) -> str:
            return formats.date_format(value, "DATE_FORMAT") if value else ""

        return {
            "certificate.name": certificate.name,
            "certificate.kind": str(Kind(certificate.kind).label),
            "certificate.description": certificate.description,
            "issue_date": date(certificate.issue_date),
            "expiry_date": date(certificate.expires_at),
            "organization.name": certificate.organization.name,
        }

    @staticmethod
    def _mark(source: str, static: dict[str, str]) -> str:
        """Fill in the certificate's own placeholders now; mark the recipient's as slots.
        An unknown placeholder is left as it was written."""

        def replace(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in static:
                return static[key].replace(SLOT, "")
            if key.startswith(RECIPIENT_PREFIX) and len(key) > len(RECIPIENT_PREFIX):
                return SLOT + key + SLOT
            return match.group(0)

        return PLACEHOLDER.sub(replace, source.replace(SLOT, ""))

    @staticmethod
    def _paragraphs(body: str) -> str:
        return "\n".join(
            f'<p style="{PARAGRAPH_STYLE}">'
            + html.escape(part.strip()).replace("\n", "<br>\n")
            + "</p>"
            for part in PARAGRAPH_BREAK.split(body.strip())
            if part.strip()
        )

    def _value(self, key: str, recipient: Recipient) -> str:
        link = self._link_urls.get(key)
        if link is not None:
            return link(recipient)
        if key == PAGE_URL:
            return recipient_url(recipient, Channel.EMAIL)
        name = self._attribute_keys[key]
        if name == "name":
            return recipient.name
        if name == "email":
            return recipient.email
        if name == "credential_id":
            return recipient.credential_id
        return str(recipient.attributes.get(name, "")) if recipient.attributes else ""

    def build(self, recipient: Recipient) -> OutgoingMessage:
        values = [headers.clean(self._value(key, recipient)) for key in self.keys]
        escaped = [html.escape(value) for value in values]
        text = self._text.format(values)
        page = self._html.format(escaped)
        if self._subject_header:
            subject_header = self._subject_header
            subject = self._static_subject
        else:
            subject = self._subject.format(values)
            subject_header = headers.unstructured(subject)
        public_id = recipient.public_id
        message_id = f"<{os.urandom(8).hex()}.{public_id}@{self.domain}>"
        to_header = headers.mailbox(recipient.name, recipient.email)
        unsubscribe = self._unsubscribe_url(recipient)
        head = (
            f"From: {self.from_header}\r\n"
            f"To: {to_header}\r\n"
            f"Subject: {subject_header}\r\n"
            f"Date: {_date_header()}\r\n"
            f"Message-ID: {message_id}\r\n"
            f"{self._reply_to}"
            f"X-Conferral-Recipient: {public_id}\r\n"
            # RFC 8058: mail clients show an unsubscribe button that POSTs to the URL.
            f"List-Unsubscribe: <{unsubscribe}>\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        )
        raw = b"".join(
            (
                head.encode("utf-8"),
                self._mime_head,
                self._text.qp(values),
                self._mime_middle,
                self._html.qp(escaped),
                self._mime_tail,
            )
        )
        return OutgoingMessage(
            recipient_id=recipient.pk,
            envelope_from=verp_address(public_id, "@" + self.return_path_domain),
            to=headers.address(recipient.email),
            to_name=headers.clean(recipient.name),
            to_header=to_header,
            from_address=self.from_address,
            from_name=self.from_name,
            from_header=self.from_header,
            subject=subject,
            message_id=message_id,
            text=text,
            html=page,
            raw=raw,
            list_unsubscribe=unsubscribe,
            reply_to=self.reply_to,
        )


def reminder_intro(certificate: Certificate) -> str:
    """The paragraph a reminder starts with, in the active language."""
    if certificate.claim_deadline is not None:
        deadline = formats.date_format(certificate.claim_deadline, "DATE_FORMAT")
        if certificate.kind == Kind.BADGE:
            text = _("A reminder: your badge is waiting for you. Please claim it by %(date)s.")
        else:
            text = _(
                "A reminder: your certificate is waiting for you. Please claim it by %(date)s."
            )
        return text % {"date": deadline}
    if certificate.kind == Kind.BADGE:
        return _("A reminder: your badge is waiting for you. You have not claimed it yet.")
    return _("A reminder: your certificate is waiting for you. You have not claimed it yet.")


class ReminderTemplate(MessageTemplate):
    """The certificate's email as a reminder: the subject prefixed ("Reminder: …") and
    a first paragraph that says why it comes again, in the certificate's language.
    Compiled once per certificate beside the first message's template."""

    def _subject_source(self, certificate: Certificate) -> str:
        subject = super()._subject_source(certificate)
        return _("Reminder: %(subject)s") % {"subject": subject}

    def _body_source(self, certificate: Certificate) -> str:
        return reminder_intro(certificate) + "\n\n" + super()._body_source(certificate)

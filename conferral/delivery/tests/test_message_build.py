"""Each recipient's message is raw RFC 5322 bytes built from a per-certificate template;
the stdlib parser must read back exactly what was meant."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage

import pytest

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Kind, Language, Recipient
from conferral.certificates.services import certificate_create
from conferral.delivery.message import MessageTemplate, verp_address, verp_public_id
from conferral.tracking import links
from conferral.tracking.links import Link, click_url, open_pixel_url

NAMES = [
    "Jürgen Müller-Łukasz",
    "Åsa Øberg",
    "王小明",
    '<b>Eve</b> & "Mallory"',
    "Zoë O'Brien",
    "Émile =?utf-8?q?Zola?=",
    "محمد علي",
    "x" * 200,
]


def _parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _parts(parsed: EmailMessage) -> tuple[str, str]:
    text = parsed.get_body(preferencelist=("plain",))
    page = parsed.get_body(preferencelist=("html",))
    assert text is not None
    assert page is not None
    return text.get_content(), page.get_content()


def _build(certificate: Certificate, recipient: Recipient) -> EmailMessage:
    certificate = Certificate.objects.select_related("organization").get(pk=certificate.pk)
    return _parse(MessageTemplate(certificate).build(recipient).raw)


@pytest.mark.parametrize("name", NAMES)
def test_it_round_trips_any_name_through_the_stdlib_parser(
    name: str, certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [recipient] = add_recipients((name, "person@example.com"))
    parsed = _build(certificate, recipient)

    [to] = parsed["To"].addresses
    assert to.display_name == recipient.name
    assert to.addr_spec == "person@example.com"
    assert parsed.defects == []
    text, page = _parts(parsed)
    assert f"Hello {recipient.name}," in text
    from html import escape

    assert f"Hello {escape(recipient.name)}," in page
    if "<b>" in name:
        assert "<b>Eve</b>" not in page


def test_it_writes_crlf_seven_bit_lines_no_longer_than_the_limit(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [recipient] = add_recipients(("王小明 " * 20, "wang@example.com"))
    certificate = Certificate.objects.select_related("organization").get(pk=certificate.pk)
    raw = MessageTemplate(certificate).build(recipient).raw

    assert raw.isascii()
    lines = raw.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 78


def test_it_carries_the_tracked_button_the_pixel_and_a_unique_message_id(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    [ada, bob] = add_recipients(("Ada", "ada@example.com"), ("Bob", "bob@example.com"))
    certificate = Certificate.objects.select_related("organization").get(pk=certificate.pk)
    template = MessageTemplate(certificate)
    first, second, again = template.build(ada), template.build(bob), template.build(ada)

    parsed = _parse(first.raw)
    text, page = _parts(parsed)
    assert f'href="{click_url(ada, Link.BUTTON)}"' in page
    assert ">Get certificate</a>" in page
    assert f'href="{click_url(ada, Link.ADDRESS)}"' in page
    assert f'<img src="{open_pixel_url(ada)}"' in page
    assert click_url(ada, Link.TEXT) in text
    assert click_url(bob) not in page
    assert parsed["Message-ID"] == first.message_id
    assert len({first.message_id, second.message_id, again.message_id}) == 3
    assert parsed["Date"].datetime is not None
    assert parsed["X-Conferral-Recipient"] == ada.public_id
    assert first.envelope_from == verp_address(ada.public_id, "certificates@conferral.localhost")
    assert verp_public_id(first.envelope_from) == ada.public_id
    assert parsed["From"].addresses[0].display_name == certificate.organization.name
    assert parsed.get_content_type() == "multipart/alternative"


def test_it_uses_the_german_defaults_for_a_german_badge(
    org: Organization, add_recipients: Callable[..., list[Recipient]]
) -> None:
    import datetime as dt

    badge = certificate_create(
        organization=org,
        name="Datenschutz",
        kind=Kind.BADGE,
        language=Language.DE,
        issue_date=dt.date(2026, 3, 5),
    )
    [recipient] = add_recipients(("Jürgen Müller", "j@example.com"), cert=badge)
    parsed = _build(badge, recipient)

    text, page = _parts(parsed)
    assert parsed["Subject"] == "Ihr Badge: Datenschutz"
    assert text.startswith("Hallo Jürgen Müller,")
    assert "5. März 2026" in text
    assert ">Badge abrufen</a>" in page
    assert 'lang="de"' in page


def test_it_fills_in_custom_subject_and_body_placeholders(
    org: Organization, add_recipients: Callable[..., list[Recipient]]
) -> None:
    certificate = certificate_create(
        organization=org,
        name="Kurs <Python>",
        email_subject="{recipient.name}, {certificate.name} is ready",
        email_body=(
            "Dear {recipient.name} from {recipient.company},\n\n"
            "{organization.name} congratulates you.\nSee {unknown} {recipient.missing}."
        ),
    )
    [recipient] = add_recipients(("Åsa <Øberg>", "asa@example.com"), cert=certificate)
    Recipient.objects.filter(pk=recipient.pk).update(attributes={"company": "R&D <Labs>"})
    recipient.refresh_from_db()
    parsed = _build(certificate, recipient)

    text, page = _parts(parsed)
    assert parsed["Subject"] == "Åsa <Øberg>, Kurs <Python> is ready"
    assert "Dear Åsa <Øberg> from R&D <Labs>," in text
    assert "See {unknown} ." in text
    assert "Dear Åsa &lt;Øberg&gt; from R&amp;D &lt;Labs&gt;," in page
    assert f"{org.name} congratulates you.<br>" in page
    assert "<Python>" not in page


def test_it_falls_back_to_the_link_function_when_the_link_shape_is_unknown(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    from conferral.delivery.message_parts import SignedLink

    [ada] = add_recipients(("Ada", "ada@example.com"))
    fast = SignedLink(click_url, links.click_purpose(links.Link.BUTTON))
    unusual = SignedLink(lambda r: f"https://example.org/{r.public_id[::-1]}", links.CLICK)

    assert fast.fmt is not None
    assert fast(ada) == click_url(ada)
    assert unusual.fmt is None
    assert unusual(ada) == f"https://example.org/{ada.public_id[::-1]}"

"""CONFERRAL_EMAIL_URL: every supported form, and a clear error for a bad one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from conferral.delivery.email_url import EmailKind, Security, email_url_parse
from conferral.delivery.transports import (
    BackendTransport,
    MailboxTransport,
    SmtpTransport,
    backend_check,
    transport_for,
)


def test_it_parses_smtp_with_credentials_starttls_and_timeout() -> None:
    config = email_url_parse(
        "smtp://mailer%40acme.test:p%3Ass@mail.acme.test:587?starttls=1&timeout=7.5"
    )
    assert config.kind == EmailKind.SMTP
    assert (config.host, config.port) == ("mail.acme.test", 587)
    assert (config.username, config.password) == ("mailer@acme.test", "p:ss")
    assert config.security == Security.STARTTLS
    assert config.timeout == 7.5
    assert "p:ss" not in config.describe()
    assert isinstance(transport_for(config), SmtpTransport)


def test_it_defaults_ports_and_reads_implicit_tls() -> None:
    assert email_url_parse("smtp://localhost").port == 25
    smtps = email_url_parse("smtps://u:p@mail.example.org")
    assert (smtps.port, smtps.security) == (465, Security.SSL)
    assert email_url_parse("smtp://localhost:2525").security == Security.NONE


def test_it_reads_the_mailbox_console_and_backend_forms() -> None:
    assert email_url_parse("mailbox:").kind == EmailKind.MAILBOX
    assert isinstance(transport_for(email_url_parse("mailbox:")), MailboxTransport)
    console = email_url_parse("console:")
    assert console.backend == "django.core.mail.backends.console.EmailBackend"
    provider = email_url_parse("django://anymail.backends.postmark.EmailBackend")
    assert provider.backend == "anymail.backends.postmark.EmailBackend"
    assert isinstance(transport_for(provider), BackendTransport)
    backend_check(provider)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("smpt://localhost", "use mailbox:, smtp://"),
        ("localhost:25", "use mailbox:, smtp://"),
        ("smtp://", "a host is required"),
        ("smtp://localhost:99999", "port must be a number"),
        ("smtp://localhost?timeout=soon", "timeout must be a number"),
        ("smtp://localhost?timeout=0", "timeout must be between"),
        ("smtp://localhost?starttls=maybe", "must be 1 or 0"),
        ("smtp://localhost?tls=1", "unknown option(s) tls"),
        ("smtps://localhost?starttls=1", "not both"),
        ("django://", "name the backend class"),
    ],
)
def test_it_rejects_a_bad_url_with_a_clear_message(url: str, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        email_url_parse(url)
    assert problem in str(raised.value)
    assert "CONFERRAL_EMAIL_URL=" in str(raised.value)


def test_it_hides_the_password_in_errors() -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        email_url_parse("smtp://user:hunter2@localhost?timeout=x")
    assert "hunter2" not in str(raised.value)


def test_it_rejects_a_backend_that_cannot_be_imported() -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
        backend_check(email_url_parse("django://no.such.module.EmailBackend"))

"""CONFERRAL_EMAIL_URL: where mail goes.

- ``mailbox:`` (the default): the built-in local mailbox, readable in the dashboard;
- ``smtp://user:pass@host:port`` (``?starttls=1`` to upgrade the connection with STARTTLS),
  ``smtps://user:pass@host:port`` (TLS from the first byte), both with ``?timeout=SECONDS``;
- ``console:``: print every message to standard output;
- ``django://dotted.path.EmailBackend``: any Django email backend, e.g. a django-anymail
  provider (``django://anymail.backends.postmark.EmailBackend``), configured by its own
  settings.

A URL that cannot be used is an ImproperlyConfigured error at start-up, naming the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

DEFAULT_TIMEOUT = 30.0
SMTP_PORT = 25
SMTPS_PORT = 465
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


class EmailKind(StrEnum):
    MAILBOX = "mailbox"
    SMTP = "smtp"
    BACKEND = "backend"


class Security(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


@dataclass(frozen=True)
class EmailConfig:
    kind: EmailKind
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = ""
    security: Security = Security.NONE
    timeout: float = DEFAULT_TIMEOUT
    backend: str = ""

    def describe(self) -> str:
        """The configuration without its password, for logs and error messages."""
        if self.kind == EmailKind.SMTP:
            user = f"{self.username}@" if self.username else ""
            return f"smtp ({self.security}) {user}{self.host}:{self.port}"
        if self.kind == EmailKind.BACKEND:
            return f"backend {self.backend}"
        return "local mailbox"


def _bad(url: str, problem: str) -> ImproperlyConfigured:
    shown = url
    parts = urlsplit(url)
    if parts.password:
        shown = url.replace(parts.password, "***", 1)
    return ImproperlyConfigured(f"CONFERRAL_EMAIL_URL={shown!r}: {problem}")


def _flag(url: str, query: dict[str, list[str]], name: str) -> bool:
    value = query.get(name, ["0"])[-1].strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise _bad(url, f"{name}={value!r} must be 1 or 0")


def _smtp(url: str) -> EmailConfig:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"starttls", "timeout", "ssl"}
    if unknown:
        raise _bad(url, f"unknown option(s) {', '.join(sorted(unknown))}; use starttls, timeout")
    if not parts.hostname:
        raise _bad(url, "a host is required, e.g. smtp://user:password@mail.example.org:587")
    try:
        port = parts.port
    except ValueError as error:
        raise _bad(url, "the port must be a number between 1 and 65535") from error
    implicit_tls = parts.scheme == "smtps" or _flag(url, query, "ssl")
    starttls = _flag(url, query, "starttls")
    if implicit_tls and starttls:
        raise _bad(url, "choose either smtps:// (TLS from the start) or ?starttls=1, not both")
    try:
        timeout = float(query.get("timeout", [str(DEFAULT_TIMEOUT)])[-1])
    except ValueError as error:
        raise _bad(url, "timeout must be a number of seconds") from error
    if not 0 < timeout <= 3600:
        raise _bad(url, "timeout must be between 0 and 3600 seconds")
    security = Security.SSL if implicit_tls else Security.STARTTLS if starttls else Security.NONE
    return EmailConfig(
        kind=EmailKind.SMTP,
        host=parts.hostname,
        port=port or (SMTPS_PORT if implicit_tls else SMTP_PORT),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        security=security,
        timeout=timeout,
    )


def email_url_parse(url: str) -> EmailConfig:
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "mailbox":
        return EmailConfig(kind=EmailKind.MAILBOX)
    if scheme == "console":
        return EmailConfig(kind=EmailKind.BACKEND, backend=CONSOLE_BACKEND)
    if scheme in {"smtp", "smtps"}:
        return _smtp(url)
    if scheme == "django":
        path = url.split(":", 1)[1].lstrip("/")
        if not path or "." not in path:
            raise _bad(
                url, "name the backend class, e.g. django://anymail.backends.ses.EmailBackend"
            )
        return EmailConfig(kind=EmailKind.BACKEND, backend=path)
    raise _bad(url, "use mailbox:, smtp://, smtps://, console: or django://path.to.EmailBackend")


def email_config() -> EmailConfig:
    from django.conf import settings

    return email_url_parse(settings.EMAIL_URL)

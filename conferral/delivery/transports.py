"""Every external mail call goes through one small interface (healthchecks' Transport
style): `open()`, `send(message) -> the server's reply`, `close()`. A failure is a
TransportError that says whether it is permanent (the address will never accept this
message: a 5xx) or temporary (try again later: a 4xx, a dropped or refused connection)."""

from __future__ import annotations

import abc
import contextlib
import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.module_loading import import_string

from conferral.delivery.email_url import EmailConfig, EmailKind, Security, email_config
from conferral.delivery.headers import unencoded_mailbox
from conferral.delivery.message import OutgoingMessage


class TransportError(Exception):
    """A message was not accepted. `permanent`: never retry it. `unreachable`: the mail
    service could not be reached at all, so the rest of the batch would fail the same way."""

    def __init__(
        self, reply: str, *, permanent: bool, code: int | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent
        self.code = code
        self.unreachable = unreachable


class Transport(abc.ABC):
    name = "transport"
    # The provider's own id of the message `send` last accepted (django-anymail's
    # message_id), which its tracking webhooks name; "" where there is none (SMTP).
    provider_message_id = ""

    def open(self) -> None:  # noqa: B027 (optional: most transports connect lazily)
        """Prepare for a batch."""

    @abc.abstractmethod
    def send(self, message: OutgoingMessage, *, then: OutgoingMessage | None = None) -> str:
        """Send one message; return the server's reply. `then` names the message the
        caller will send next, which a transport may start announcing already."""

    def close(self) -> None:  # noqa: B027 (optional)
        """End the batch; never raises."""


def _dot_stuff(raw: bytes) -> bytes:
    """The message (CRLF lines, as the builder makes them) as SMTP DATA: a dot that
    starts a line doubled, ended by CRLF . CRLF."""
    data = raw.replace(b"\r\n.", b"\r\n..")
    if data.startswith(b"."):
        data = b"." + data
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _reply_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}".strip()


class SmtpTransport(Transport):
    """One reused SMTP connection per batch, one transaction (MAIL, RCPT, DATA) per
    message, so each message keeps its own reply such as "250 2.0.0 Ok: queued as X".
    (Django's SMTP backend cannot do this: it drops a 550 for one of several recipients.)

    With PIPELINING (RFC 2920) a message costs one round trip: its body goes out
    together with the next message's MAIL, RCPT and DATA (`send(message, then=next)`).
    The next message's content is only sent by the next call, after the caller has
    recorded this one's result."""

    name = "smtp"

    def __init__(self, config: EmailConfig) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None
        self.pipelining = False
        self.announced: OutgoingMessage | None = None  # envelope sent, replies unread

    def _where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        local_hostname = socket.gethostname() or "localhost"
        connection: smtplib.SMTP | None = None
        try:
            if config.security == Security.SSL:
                connection = smtplib.SMTP_SSL(
                    config.host,
                    config.port,
                    local_hostname=local_hostname,
                    timeout=config.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = smtplib.SMTP(
                    config.host, config.port, local_hostname=local_hostname, timeout=config.timeout
                )
            connection.ehlo()
            if config.security == Security.STARTTLS:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if config.username:
                connection.login(config.username, config.password)
        except smtplib.SMTPResponseException as error:
            self._discard(connection)
            reply = _reply_text(error.smtp_code, error.smtp_error)
            raise TransportError(
                f"{self._where()} refused the session: {reply}",
                permanent=False,
                code=error.smtp_code,
                unreachable=True,
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            self._discard(connection)
            raise TransportError(
                f"could not connect to {self._where()}: {error or type(error).__name__}",
                permanent=False,
                unreachable=True,
            ) from error
        self.connection = connection
        self.pipelining = bool(connection.does_esmtp and connection.has_extn("pipelining"))
        self.announced = None
        return connection

    @staticmethod
    def _discard(connection: smtplib.SMTP | None) -> None:
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()

    def _drop(self) -> None:
        self._discard(self.connection)
        self.connection = None
        self.announced = None

    def _reset(self, connection: smtplib.SMTP) -> None:
        try:
            connection.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _options(self, connection: smtplib.SMTP, message: OutgoingMessage) -> str:
        if message.to.isascii() and message.envelope_from.isascii():
            return ""
        if not connection.has_extn("smtputf8"):
            raise TransportError(
                f"{self._where()} does not accept internationalised addresses (SMTPUTF8)",
                permanent=True,
            )
        return " SMTPUTF8 BODY=8BITMIME"

    def _envelope(self, message: OutgoingMessage, options: str) -> bytes:
        return (
            f"MAIL FROM:<{message.envelope_from}>{options}\r\nRCPT TO:<{message.to}>\r\nDATA\r\n"
        ).encode()

    def _envelope_replies(self, connection: smtplib.SMTP) -> None:
        """Read the replies to an announced envelope; on a refusal, end the transaction
        and raise. Afterwards the server waits for the message content."""
        self.announced = None
        (mail, mail_text), (rcpt, rcpt_text), (data, data_text) = (
            connection.getreply() for _reply in range(3)
        )
        if mail == 250 and rcpt in (250, 251) and data == 354:
            return
        if data == 354:
            # A server that lets DATA through without a recipient gets an empty message,
            # which goes nowhere.
            connection.send(b".\r\n")
            connection.getreply()
        code, text = (
            (mail, mail_text)
            if mail != 250
            else (rcpt, rcpt_text)
            if rcpt not in (250, 251)
            else (data, data_text)
        )
        if code == 421:
            self._drop()
        else:
            self._reset(connection)
        raise TransportError(_reply_text(code, text), permanent=code >= 500, code=code)

    def _envelope_sequential(
        self, connection: smtplib.SMTP, message: OutgoingMessage, options: str
    ) -> None:
        for command, accepted in (
            (f"MAIL FROM:<{message.envelope_from}>{options}", (250,)),
            (f"RCPT TO:<{message.to}>", (250, 251)),
            ("DATA", (354,)),
        ):
            connection.putcmd(command)
            code, text = connection.getreply()
            if code not in accepted:
                if code == 421:
                    self._drop()
                else:
                    self._reset(connection)
                raise TransportError(_reply_text(code, text), permanent=code >= 500, code=code)

    def send(self, message: OutgoingMessage, *, then: OutgoingMessage | None = None) -> str:
        try:
            if self.announced is not None and self.announced is not message:
                # Another message's DATA is open; it must never be completed.
                self._drop()
            connection = self.connection or self._connect()
            if self.announced is message:
                self._envelope_replies(connection)
            else:
                options = self._options(connection, message)
                connection.command_encoding = "utf-8" if options else "ascii"
                if self.pipelining:
                    connection.send(self._envelope(message, options))
                    self.announced = message
                    self._envelope_replies(connection)
                else:
                    self._envelope_sequential(connection, message, options)
            payload = _dot_stuff(message.raw)
            if then is not None and self.pipelining:
                try:
                    payload += self._envelope(then, self._options(connection, then))
                    self.announced = then
                except TransportError:
                    pass  # `then` is refused on its own turn
            connection.send(payload)
            code, text = connection.getreply()
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            raise TransportError(
                f"connection to {self._where()} lost: {error or 'closed by the server'}",
                permanent=False,
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            raise TransportError(
                f"connection to {self._where()} failed: {error or type(error).__name__}",
                permanent=False,
            ) from error
        if code != 250:
            if code == 421:
                self._drop()
            # The transaction is over: no RSET (the next envelope may already be queued).
            raise TransportError(_reply_text(code, text), permanent=code >= 500, code=code)
        return _reply_text(code, text)

    def close(self) -> None:
        connection, announced = self.connection, self.announced
        self.connection, self.announced = None, None
        if connection is None:
            return
        if announced is not None:
            self._discard(connection)  # a DATA is open: QUIT would become its content
            return
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            self._discard(connection)


@dataclass(frozen=True, slots=True)
class SystemMessage(OutgoingMessage):
    """A message that is not a recipient's certificate email (an invitation, a password
    reset: mail Django sends, see delivery/mailbox.py), with the organization it
    concerns, if any (`recipient_id` is 0)."""

    organization_id: int | None = None


class MailboxTransport(Transport):
    """The built-in local mailbox: every message is stored, readable in the dashboard
    by the members of the organization it belongs to: a certificate email's
    organization, or a system message's own (None: only its addressee sees it)."""

    name = "mailbox"

    @staticmethod
    def _organization_id(message: OutgoingMessage) -> int | None:
        if isinstance(message, SystemMessage):
            return message.organization_id
        from conferral.certificates.models import Recipient

        organization_id: int | None = (
            Recipient.objects.filter(pk=message.recipient_id)
            .values_list("certificate__organization_id", flat=True)
            .first()
        )
        return organization_id

    def send(self, message: OutgoingMessage, *, then: OutgoingMessage | None = None) -> str:
        from conferral.delivery.models import MailboxMessage

        stored = MailboxMessage.objects.create(
            organization_id=self._organization_id(message),
            message_id=message.message_id,
            sender=message.envelope_from,
            to=message.to,
            subject=message.subject[:998],
            raw=message.raw,
        )
        return f"250 stored in the local mailbox as message {stored.pk}"


class BackendTransport(Transport):
    """Any Django email backend, e.g. a django-anymail provider, through
    EmailMultiAlternatives: one message per recipient."""

    name = "backend"

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.connection: Any = None

    def open(self) -> None:
        try:
            self.connection = get_connection(self.backend, fail_silently=False)
            self.connection.open()
        except Exception as error:
            self.connection = None
            raise TransportError(
                f"{self.backend} could not be opened: {error}", permanent=False, unreachable=True
            ) from error

    def send(self, message: OutgoingMessage, *, then: OutgoingMessage | None = None) -> str:
        self.provider_message_id = ""
        if self.connection is None:
            self.open()
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=unencoded_mailbox(message.from_name, message.from_address),
            to=[unencoded_mailbox(message.to_name, message.to)],
            headers=_provider_headers(message),
            reply_to=[message.reply_to] if message.reply_to else None,
            connection=self.connection,
        )
        email.attach_alternative(message.html, "text/html")
        # No envelope sender: many providers refuse one (anymail's unsupported feature),
        # and they report bounces through their webhooks instead of VERP mail.
        try:
            sent = email.send()
        except Exception as error:
            refused = _refusal(getattr(email, "anymail_status", None))
            if refused is not None and _provider_refused(error):
                raise refused from error
            raise TransportError(
                f"{type(error).__name__}: {error}",
                permanent=_provider_refused(error),
                unreachable=_provider_down(error),
            ) from error
        status = getattr(email, "anymail_status", None)
        refused = _refusal(status)
        if refused is not None:
            raise refused
        if not sent:
            raise TransportError(f"{self.backend} did not send the message", permanent=False)
        provider_id = getattr(status, "message_id", None) if status is not None else None
        self.provider_message_id = "" if provider_id is None else str(provider_id)
        return f"accepted by {self.backend}" + (
            f" as {self.provider_message_id}" if self.provider_message_id else ""
        )

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # closing must never fail the batch
                connection.close()


def _provider_headers(message: OutgoingMessage) -> dict[str, str]:
    """The headers a provider does not make itself: our Message-ID (the timeline and
    bounce reports match on it) and one-click unsubscribe (RFC 8058)."""
    extra = {"Message-ID": message.message_id}
    if message.list_unsubscribe:
        extra["List-Unsubscribe"] = f"<{message.list_unsubscribe}>"
        extra["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return extra


def _refusal(status: Any) -> TransportError | None:
    """The provider refused the recipient: "invalid" is the address, "rejected" the
    provider's own refusal (its suppression list, its policy), worded so the bounce
    classifier tells them apart."""
    if status is None or not status.status or not status.status <= {"rejected", "invalid"}:
        return None
    reason = (
        "the provider says the address is invalid"
        if "invalid" in status.status
        else "the provider refused to send to this address"
    )
    return TransportError(f"{reason} ({', '.join(sorted(status.status))})", permanent=True)


def _provider_down(error: BaseException) -> bool:
    """The provider (or the backend's own server) could not be reached, answered as a
    server in trouble (HTTP 5xx) or refused our credentials (HTTP 401/403, SMTP 535):
    nothing to do with the recipient. A reply about the message or its recipient is
    not this."""
    seen: BaseException | None = error
    while seen is not None:
        status = getattr(seen, "status_code", None)
        if isinstance(status, int):
            return status in (401, 403) or status >= 500
        if isinstance(seen, smtplib.SMTPAuthenticationError | smtplib.SMTPConnectError):
            return True
        if isinstance(seen, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
            return False
        if isinstance(seen, OSError):  # refused, timed out, TLS (requests' errors too)
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _provider_refused(error: Exception) -> bool:
    try:
        from anymail.exceptions import AnymailRecipientsRefused
    except ImportError:
        return False
    return isinstance(error, AnymailRecipientsRefused)


def transport_for(config: EmailConfig) -> Transport:
    if config.kind == EmailKind.SMTP:
        return SmtpTransport(config)
    if config.kind == EmailKind.BACKEND:
        return BackendTransport(config.backend)
    return MailboxTransport()


def backend_check(config: EmailConfig) -> None:
    """Fail at start-up, clearly, when a django:// backend cannot be imported."""
    if config.kind != EmailKind.BACKEND:
        return
    try:
        import_string(config.backend)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"CONFERRAL_EMAIL_URL names the email backend {config.backend!r}, "
            f"which cannot be imported: {error}"
        ) from error


def transport_from_settings() -> Transport:
    return transport_for(email_config())

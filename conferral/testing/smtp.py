"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 (a free port), started and stopped
by the fixture. Its answer can be set globally or per recipient address, for a number of
messages or for good: accept, reject (550) or defer (451) the recipient, reject (550) or
defer (451) the message at the end of its DATA, once its content has been sent, drop
the connection, or answer too slowly (nothing for `slow_seconds`, longer than the app's
timeout, then hang up without keeping the message). It keeps every message it accepted
(envelope and raw bytes), and apart from them every message it refused at the end of
DATA.

    def test_it_bounces(smtp, certificate, add_recipients):
        smtp.answer(Answer.REJECT, to="bob@example.com")
        smtp.answer(Answer.DEFER_DATA, to="cleo@example.com", times=1)
        smtp.answer(Answer.REJECT_DATA, to="dan@example.com", reply="554 5.6.0 Bad content")
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from pytest_django.fixtures import Settings as SettingsWrapper

START_TIMEOUT = 10.0


class Answer(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"  # the recipient, at RCPT: 550
    DEFER = "defer"  # the recipient, at RCPT: 451
    REJECT_DATA = "reject-data"  # the message, at the end of DATA: 550
    DEFER_DATA = "defer-data"  # the message, at the end of DATA: 451
    DROP = "drop"
    SLOW = "slow"  # the message: no reply to its DATA for `slow_seconds`, then hang up


# What each refusing answer replies unless told otherwise, and the class of reply code
# ("5": permanent, "4": temporary) a reply given instead must have.
_REPLIES = {
    Answer.REJECT: ("550 5.1.1 <{address}>: Recipient address rejected: User unknown", "5"),
    Answer.DEFER: ("451 4.7.1 <{address}>: Recipient address deferred: try again later", "4"),
    Answer.REJECT_DATA: ("550 5.7.1 Message rejected as spam", "5"),
    Answer.DEFER_DATA: ("451 4.3.0 Temporary failure: try again later", "4"),
}
# A recipient whose message is refused at the end of DATA is marked in the envelope's
# recipient options (like X-DROP), with the reply to give.
_REFUSE_DATA = "X-REFUSE-DATA="


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    reply: str

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Rule:
    answer: Answer
    remaining: int | None  # None: for good
    reply: str | None = None  # None: the answer's usual reply


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    delay: float = 0.0  # seconds the server takes to accept each message
    slow_seconds: float = 3.0  # how long a SLOW answer keeps the client waiting
    pipelining: bool = True  # advertise PIPELINING (RFC 2920), as Postfix does
    smtputf8: bool = False
    credentials: tuple[str, str] | None = None  # require AUTH with this login, password
    messages: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)  # refused at the end of DATA
    connections: int = 0
    _rules: dict[str | None, list[_Rule]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}?timeout=5"

    def answer(
        self,
        answer: Answer,
        *,
        to: str | None = None,
        times: int | None = None,
        reply: str | None = None,
    ) -> None:
        """From now on answer messages to `to` (every address if None) with `answer`,
        for the next `times` messages or for good. A refusal can give its own `reply`
        (such as "554 5.6.0 Message content rejected"), of the same class: 5xx for a
        rejection, 4xx for a deferral."""
        if reply is not None:
            if answer not in _REPLIES:
                raise ValueError(f"{answer} gives no reply of its own")
            if not reply.startswith(_REPLIES[answer][1]) or not reply[:3].isdigit():
                raise ValueError(f"{answer} needs a {_REPLIES[answer][1]}xx reply: {reply!r}")
        with self._lock:
            self._rules.setdefault(to.lower() if to else None, []).append(
                _Rule(answer, times, reply)
            )

    def received_by(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if address.lower() in m.rcpt_tos]

    def _decide(self, address: str) -> tuple[Answer, str]:
        """The answer for a message to `address`, and the reply if it is a refusal."""
        with self._lock:
            for key in (address.lower(), None):
                rules = self._rules.get(key, [])
                while rules:
                    rule = rules[-1]
                    if rule.remaining is not None and rule.remaining <= 0:
                        rules.pop()
                        continue
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    default = _REPLIES.get(rule.answer, ("", ""))[0]
                    return rule.answer, rule.reply or default.format(address=address)
        return Answer.ACCEPT, ""

    # aiosmtpd handler hooks.
    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        answer, reply = self._decide(address)
        if answer in (Answer.REJECT, Answer.DEFER):
            return reply
        if answer == Answer.DROP:
            envelope.rcpt_options.append("X-DROP")
        if answer == Answer.SLOW:
            envelope.rcpt_options.append("X-SLOW")
        if answer in (Answer.REJECT_DATA, Answer.DEFER_DATA):
            envelope.rcpt_options.append(_REFUSE_DATA + reply)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if "X-DROP" in envelope.rcpt_options:
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()  # the connection dies before any reply
            return "421 4.4.2 connection dropped"
        if "X-SLOW" in envelope.rcpt_options:
            await asyncio.sleep(self.slow_seconds)
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()  # the client gave up waiting; nothing was kept
            return "421 4.4.2 too slow"
        if self.delay:
            await asyncio.sleep(self.delay)
        refusals = [
            option.removeprefix(_REFUSE_DATA)
            for option in envelope.rcpt_options
            if option.startswith(_REFUSE_DATA)
        ]
        # A refusal at the end of DATA is for the whole message: the first one given.
        reply = refusals[0] if refusals else f"250 2.0.0 Ok: queued as Q{next(self._ids):06d}"
        data = envelope.original_content or b""
        received = Received(
            mail_from=str(envelope.mail_from),
            rcpt_tos=[address.lower() for address in envelope.rcpt_tos],
            data=bytes(data) if not isinstance(data, str) else data.encode(),
            reply=reply,
        )
        with self._lock:
            (self.refused if refusals else self.messages).append(received)
        return reply


class _ServerThread(threading.Thread):
    def __init__(self, handler: SmtpServer) -> None:
        super().__init__(name="test-smtp-server", daemon=True)
        self.handler = handler
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.server: Any = None
        self.error: BaseException | None = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        expected = self.handler.credentials
        given = (data.login.decode(), data.password.decode()) if data else None
        return AuthResult(success=expected is not None and given == expected, handled=False)

    def _protocol(self) -> SMTP:
        self.handler.connections += 1
        auth = self.handler.credentials is not None
        with warnings.catch_warnings():
            # AUTH without TLS: fine on 127.0.0.1 in a test.
            warnings.simplefilter("ignore", UserWarning)
            return SMTP(
                self.handler,
                hostname="smtp.test",
                loop=self.loop,
                timeout=30,
                enable_SMTPUTF8=self.handler.smtputf8,
                authenticator=self._authenticate if auth else None,
                auth_required=auth,
                auth_require_tls=False,
            )

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.server = self.loop.run_until_complete(
                self.loop.create_server(self._protocol, host=self.handler.host, port=0)
            )
            self.handler.port = self.server.sockets[0].getsockname()[1]
        except BaseException as error:
            self.error = error
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()
        self.server.close()
        self.loop.run_until_complete(self.server.wait_closed())
        self.loop.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(START_TIMEOUT)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running aiosmtpd server on 127.0.0.1 (the app is not pointed at it)."""
    handler = SmtpServer()
    thread = _ServerThread(handler)
    thread.start()
    if not thread.ready.wait(START_TIMEOUT) or thread.error is not None:
        raise RuntimeError(f"the test SMTP server did not start: {thread.error}")
    try:
        yield handler
    finally:
        thread.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer, settings: SettingsWrapper) -> SmtpServer:
    """The test SMTP server, with CONFERRAL_EMAIL_URL pointing at it."""
    settings.EMAIL_URL = smtp_server.url
    return smtp_server

"""`conferral bounces serve`: an SMTP or LMTP server (aiosmtpd) that the mail server of
the return-path domain hands every message for `bounces+…@` to.

It is a sink: every sender and every recipient is accepted, and every message is stored
(conferral.bounces.receive), whatever it is. The reply to the end of DATA comes only
after the report is committed: 250 when it is, 451 when the database failed, so the
sending MTA keeps the message and tries again (and a message delivered twice records
nothing twice). LMTP answers each recipient on its own line, as RFC 2033 asks; SMTP
answers once for all of them. A message over MESSAGE_MAX_BYTES is refused with 552.

The database work runs in a few threads beside the event loop (Django's ORM is
synchronous). SIGTERM and SIGINT stop listening at once, let the messages being stored
finish, then end the process."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, connection

from conferral.bounces.models import Source
from conferral.bounces.receive import report_receive

logger = logging.getLogger(__name__)

MESSAGE_MAX_BYTES = 10 * 1024 * 1024
STORE_THREADS = 4
SESSION_TIMEOUT_SECONDS = 300.0
DRAIN_SECONDS = 30.0  # how long a stopping server waits for the messages being stored
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
HOSTNAME = "conferral-bounces"
STORED = "250 2.0.0 Ok: report stored"
RETRY = "451 4.3.0 The report could not be stored; try again later"


def _store(raw: bytes, source: Source, envelope_to: str, envelope_from: str) -> str:
    """Store one message for one recipient (in a worker thread); the reply to give."""
    close_old_connections()
    try:
        report = report_receive(
            raw, source=source, envelope_to=envelope_to, envelope_from=envelope_from
        )
    except Exception:
        logger.exception("A bounce report could not be stored; the sender will retry")
        connection.close()  # a broken connection is opened afresh for the next one
        return RETRY
    logger.info("Report %s for <%s>: %s", report.pk, envelope_to, report.outcome)
    return STORED


class ReportHandler:
    """The aiosmtpd handler: the end of DATA stores the message once per recipient."""

    def __init__(self, source: Source, executor: ThreadPoolExecutor) -> None:
        self.source = source
        self.executor = executor
        self.storing = 0
        self.idle = asyncio.Event()
        self.idle.set()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        sender = str(envelope.mail_from or "")
        loop = asyncio.get_running_loop()
        self.storing += 1
        self.idle.clear()
        try:
            replies = [
                await loop.run_in_executor(self.executor, _store, raw, self.source, rcpt, sender)
                for rcpt in envelope.rcpt_tos
            ]
        finally:
            self.storing -= 1
            if not self.storing:
                self.idle.set()
        if self.source == Source.LMTP:
            return "\r\n".join(replies)
        return RETRY if RETRY in replies else STORED


def protocol_factory(handler: ReportHandler, *, lmtp: bool) -> Callable[[], SMTP]:
    kind = LMTP if lmtp else SMTP

    def make() -> SMTP:
        return kind(
            handler,
            hostname=HOSTNAME,
            ident="Conferral bounce receiver",
            data_size_limit=MESSAGE_MAX_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            timeout=SESSION_TIMEOUT_SECONDS,
        )

    return make


async def _serve(
    host: str, port: int, *, lmtp: bool, ready: Callable[[str, int], None] | None
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, stop.set)
    with ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="conferral-bounces") as executor:
        handler = ReportHandler(Source.LMTP if lmtp else Source.SMTP, executor)
        server = await loop.create_server(protocol_factory(handler, lmtp=lmtp), host, port)
        bound = server.sockets[0].getsockname()
        if ready is not None:
            ready(str(bound[0]), int(bound[1]))
        await stop.wait()
        server.close()  # no new connections; the open sessions finish their messages
        try:
            await asyncio.wait_for(handler.idle.wait(), DRAIN_SECONDS)
        except TimeoutError:
            logger.warning("Stopped with %s reports still being stored", handler.storing)
    for number in STOP_SIGNALS:
        loop.remove_signal_handler(number)


def bounce_server_run(
    host: str = "127.0.0.1",
    port: int = 2525,
    *,
    lmtp: bool = False,
    ready: Callable[[str, int], None] | None = None,
) -> None:
    """Receive reports until SIGTERM or SIGINT; `ready` is called with the address once
    the server listens."""
    asyncio.run(_serve(host, port, lmtp=lmtp, ready=ready))

"""Reading bounce reports from an IMAP mailbox (CONFERRAL_BOUNCE_IMAP_URL), for a
set-up where the return-path domain's mail lands in a mailbox rather than at
`conferral bounces serve`.

    imaps://user:password@imap.example.org:993/INBOX   TLS from the start
    imap://user:password@imap.example.org/INBOX?starttls=yes
    imap://user:password@127.0.0.1:143/INBOX           plain (a local server only)

A poll reads the mailbox's unseen messages (BODY.PEEK, which leaves them unseen), stores
and applies each one (conferral.bounces.receive) and only then flags it \\Seen: a message
is never marked before its report is committed, so a crash, a lost connection or a
database error leaves it unseen for the next poll, and reading it again records nothing
twice (the receiver knows a replay). The messages stay in the mailbox, read: the report
page shows the stored copy, and the mailbox's own retention may delete them.

`conferral bounces poll` reads it; so does every `conferral worker` while the URL is set
(`bounce_poller`, which BouncesConfig registers with the worker). Workers polling the
same mailbox at once are safe: a report read by two of them is stored once."""

from __future__ import annotations

import imaplib
import logging
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from conferral.bounces.models import Outcome, Source
from conferral.bounces.receive import report_receive

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0
POLL_BATCH = 500  # messages read per poll at most; the next poll reads the rest
SCHEMES = {"imap": 143, "imaps": 993}
TRUE = {"1", "yes", "true", "on"}


class ImapError(Exception):
    """The mailbox could not be read: a wrong URL, an unreachable server, a refused
    login or mailbox. Nothing was marked."""


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    mailbox: str
    tls: bool
    starttls: bool

    def describe(self) -> str:
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.mailbox}"


@dataclass(frozen=True, slots=True)
class PollResult:
    read: int  # unseen messages read and flagged
    applied: int  # of which recorded an event on a recipient's timeline
    left: int  # unseen messages left for the next poll (past POLL_BATCH)


def imap_config(url: str) -> ImapConfig:
    """The mailbox a CONFERRAL_BOUNCE_IMAP_URL names, or an ImapError that says what is
    wrong with it (the password is never repeated)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise ImapError(
            _("The bounce mailbox URL must start with imap:// or imaps://, not “%(scheme)s”.")
            % {"scheme": parts.scheme}
        )
    if not parts.hostname or not parts.username or parts.password is None:
        raise ImapError(
            _("The bounce mailbox URL needs a user, a password and a host: %(example)s")
            % {"example": "imaps://user:password@imap.example.org:993/INBOX"}
        )
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError as error:
        raise ImapError(_("The bounce mailbox URL has an invalid port.")) from error
    query = parse_qs(parts.query)
    return ImapConfig(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password),
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        tls=parts.scheme == "imaps",
        starttls=query.get("starttls", [""])[0].lower() in TRUE,
    )


def _connect(config: ImapConfig) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    try:
        client: imaplib.IMAP4
        if config.tls:
            client = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=context, timeout=TIMEOUT_SECONDS
            )
        else:
            client = imaplib.IMAP4(config.host, config.port, timeout=TIMEOUT_SECONDS)
            if config.starttls:
                client.starttls(ssl_context=context)
    except (OSError, imaplib.IMAP4.error) as error:
        raise ImapError(
            _("The bounce mailbox %(mailbox)s cannot be reached: %(error)s")
            % {"mailbox": config.describe(), "error": error}
        ) from error
    try:
        client.login(config.user, config.password)
        typ, data = client.select(_quoted(config.mailbox))
    except (OSError, imaplib.IMAP4.error) as error:
        _close(client)
        raise ImapError(
            _("The bounce mailbox %(mailbox)s refused the login: %(error)s")
            % {"mailbox": config.describe(), "error": error}
        ) from error
    if typ != "OK":
        _close(client)
        raise ImapError(
            _("The bounce mailbox %(mailbox)s cannot be opened: %(error)s")
            % {"mailbox": config.describe(), "error": _text(data)}
        )
    return client


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: object) -> str:
    if isinstance(data, list):
        return " ".join(_text(item) for item in data)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return "" if data is None else str(data)


def _close(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (OSError, imaplib.IMAP4.error):
        logger.debug("The IMAP connection was already gone")


def _fetched(data: list[object]) -> bytes | None:
    """The message of a UID FETCH (BODY.PEEK[]) answer, None if it was not there."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _check(typ: str, data: object, config: ImapConfig) -> None:
    if typ != "OK":
        raise ImapError(
            _("The bounce mailbox %(mailbox)s refused a command: %(error)s")
            % {"mailbox": config.describe(), "error": _text(data)}
        )


def mailbox_poll(url: str | None = None) -> PollResult:
    """Read, store and flag the unseen messages of the bounce mailbox (the setting's,
    unless `url` is given). Raises ImapError when the mailbox cannot be read and lets a
    database error through; either way the messages not stored stay unseen."""
    config = imap_config(url if url is not None else settings.BOUNCE_IMAP_URL)
    client = _connect(config)
    read = applied = 0
    try:
        typ, data = client.uid("SEARCH", "UNSEEN")
        _check(typ, data, config)
        uids = _text(data).split()
        for uid in uids[:POLL_BATCH]:
            typ, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
            _check(typ, data, config)
            raw = _fetched(data)
            if raw is None:
                continue  # expunged by someone else meanwhile
            report = report_receive(raw, source=Source.IMAP)
            typ, data = client.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")
            _check(typ, data, config)
            read += 1
            applied += report.outcome == Outcome.APPLIED
    except (OSError, imaplib.IMAP4.error) as error:
        raise ImapError(
            _("The bounce mailbox %(mailbox)s failed while reading: %(error)s")
            % {"mailbox": config.describe(), "error": error}
        ) from error
    finally:
        _close(client)
    return PollResult(read=read, applied=applied, left=max(0, len(uids) - POLL_BATCH))


def bounce_poll_once() -> None:
    """One poll for the worker: a failure is logged, and the next poll tries again."""
    try:
        result = mailbox_poll()
    except ImapError as error:
        logger.warning("%s", error)
    except Exception:
        logger.exception("Reading the bounce mailbox failed; the next poll tries again")
    else:
        if result.read:
            logger.info("Read %s bounce reports, %s applied", result.read, result.applied)
    finally:
        connection.close()


def bounce_poller(stop: threading.Event) -> None:
    """The worker's companion (conferral.delivery.worker): while a mailbox is set, poll
    it now, then every BOUNCE_POLL_SECONDS until `stop`."""
    while settings.BOUNCE_IMAP_URL:
        bounce_poll_once()
        if stop.wait(settings.BOUNCE_POLL_SECONDS):
            return

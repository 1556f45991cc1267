"""`conferral bounces serve` and `conferral bounces poll`: receiving the reports that
come back to the return path, by SMTP/LMTP or from an IMAP mailbox."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conferral.bounces.imap import ImapError, PollResult, mailbox_poll
from conferral.bounces.server import bounce_server_run
from conferral.cli.output import fail
from conferral.cli.server import unapplied_migrations


def _require_migrated() -> None:
    if unapplied_migrations():
        fail(_("The database is not up to date; run `conferral migrate` first."))


def serve(
    host: Annotated[str, typer.Option(help=_("The address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_("The port to listen on."))] = 2525,
    lmtp: Annotated[
        bool, typer.Option(help=_("Speak LMTP (a reply for each recipient) instead of SMTP."))
    ] = False,
) -> None:
    """Receive bounce reports by SMTP or LMTP and record them, until stopped."""
    _require_migrated()

    def ready(address: str, bound: int) -> None:
        typer.echo(
            _("Receiving bounce reports by %(protocol)s on %(address)s:%(port)s")
            % {"protocol": "LMTP" if lmtp else "SMTP", "address": address, "port": bound}
        )

    try:
        bounce_server_run(host, port, lmtp=lmtp, ready=ready)
    except OSError as error:
        fail(
            _("Cannot listen on %(address)s:%(port)s: %(error)s")
            % {"address": host, "port": port, "error": error.strerror or error}
        )


def _summary(result: PollResult) -> str:
    line = ngettext(
        "Read %(read)s report, %(applied)s recorded on a timeline.",
        "Read %(read)s reports, %(applied)s recorded on a timeline.",
        result.read,
    ) % {"read": result.read, "applied": result.applied}
    if result.left:
        line += " " + ngettext(
            "%(left)s more is left for the next poll.",
            "%(left)s more are left for the next poll.",
            result.left,
        ) % {"left": result.left}
    return line


def poll(
    once: Annotated[
        bool, typer.Option(help=_("Read the mailbox once and stop (otherwise keep polling)."))
    ] = False,
) -> None:
    """Read the bounce reports from the IMAP mailbox of CONFERRAL_BOUNCE_IMAP_URL."""
    if not settings.BOUNCE_IMAP_URL:
        fail(_("CONFERRAL_BOUNCE_IMAP_URL is not set: there is no bounce mailbox to read."))
    _require_migrated()
    while True:
        try:
            result = mailbox_poll()
        except (ImapError, DatabaseError) as error:
            # Nothing is flagged that was not stored: the next poll reads it again.
            if once:
                fail(str(error))
            typer.echo(_("Error: %(message)s") % {"message": error}, err=True)
        else:
            typer.echo(_summary(result))
            if once:
                return
        time.sleep(settings.BOUNCE_POLL_SECONDS)

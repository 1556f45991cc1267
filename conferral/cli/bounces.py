"""`conferral bounces`: the messages that come back. `classify` reads saved messages
(a bounce, an auto-reply, a spam complaint) and prints what each says, one JSON object a
line, so its output can be piped to jq or compared with a list of expected results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from django.utils.translation import gettext as _

from conferral.bounces.parse import MAX_BYTES, NotAnEmail, parse_message
from conferral.cli import bounces_receive

bounces_app = typer.Typer(no_args_is_help=True)
bounces_app.command(
    help=_("Receive bounce reports by SMTP or LMTP (the return-path domain's mail) until stopped.")
)(bounces_receive.serve)
bounces_app.command(
    help=_("Read the bounce reports of the IMAP mailbox of CONFERRAL_BOUNCE_IMAP_URL.")
)(bounces_receive.poll)


def _line(**fields: str) -> None:
    typer.echo(json.dumps(fields, ensure_ascii=False))


def _read(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(MAX_BYTES)


@bounces_app.command("classify")
def classify_files(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help=_("Messages to read, one message a file."), show_default=False
        ),
    ],
) -> None:
    """Print every failed recipient, auto-reply and complaint the messages report: one
    JSON object a line with file, recipient, status, kind and explanation. A file that
    cannot be read or is not an email prints a line with its error; the others go on."""
    failed = False
    for path in files:
        try:
            report = parse_message(_read(path))
        except OSError as error:
            failed = True
            _line(
                file=str(path),
                error=_("Cannot read the file: %(reason)s") % {"reason": error.strerror or error},
            )
            continue
        except NotAnEmail as error:
            failed = True
            _line(file=str(path), error=str(error))
            continue
        for finding in report.findings:
            _line(
                file=str(path),
                recipient=finding.recipient,
                status=finding.status,
                kind=finding.kind.value,
                explanation=_(finding.explanation),
            )
    if failed:
        raise typer.Exit(1)

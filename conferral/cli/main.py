"""The `conferral` command. Django is set up here, before any of the project's code is
imported, so every command can use the ORM and the settings."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conferral.settings")
django.setup()

import typer  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from conferral.cli import accounts, bounces, demo, events, recipients, server  # noqa: E402

app = typer.Typer(
    name="conferral",
    help=_("Conferral: issue certificates and badges, email them, see what happened."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command(help=_("Run the web server (granian) and, unless --no-worker, a task worker."))(
    server.serve
)
app.command(help=_("Run a task worker: it sends the queued emails."))(server.worker)
app.command(help=_("Apply the tracking journal of opens and clicks (serve runs it)."))(server.drain)
app.command(help=_("Create or update the database tables."))(server.migrate)
app.command(help=_("Set up a demo organization, login and certificate (safe to run again)."))(
    demo.demo
)
app.add_typer(accounts.apikey_app, name="apikey")
app.add_typer(accounts.user_app, name="user")
app.add_typer(
    bounces.bounces_app,
    name="bounces",
    help=_("Read the messages that come back: bounces, auto-replies, complaints."),
)
app.add_typer(
    events.events_app,
    name="events",
    help=_("Look after the event log: remove the events past their retention."),
)
app.command(
    "import", help=_("Add the recipients of a CSV file to a certificate: all of them, or none.")
)(recipients.import_recipients)
app.command(help=_("Email every recipient who has not been sent the certificate yet."))(
    recipients.send
)
app.command(help=_("Show a certificate's statistics."))(recipients.status)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

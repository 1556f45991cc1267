"""`conferral serve`, `conferral worker` and `conferral migrate`."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conferral.cli.processes import Supervisor
from conferral.delivery.worker import run_worker

WSGI_TARGET = "conferral.wsgi:application"


def server_command(host: str, port: int, workers: int) -> list[str]:
    """Granian serving the WSGI application (never Django's development server)."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--no-ws",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        # Granian's advice for WSGI: about two request threads per core.
        "--blocking-threads",
        str(2 * (os.cpu_count() or 1) + 1),
        WSGI_TARGET,
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "conferral.cli", "worker"]


def unapplied_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return len(plan)


def serve(
    host: Annotated[str, typer.Option(help=_("The address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_("The port to listen on."))] = 8000,
    worker: Annotated[
        bool, typer.Option(help=_("Also run a task worker that sends the emails."))
    ] = True,
    workers: Annotated[
        int, typer.Option(min=1, help=_("How many web server processes to run."))
    ] = 1,
) -> None:
    """Run the web server (granian) and, unless --no-worker, a task worker."""
    call_command("collectstatic", interactive=False, verbosity=0)
    pending = unapplied_migrations()
    connections.close_all()
    if pending:
        typer.echo(
            ngettext(
                "The database is missing %(count)s migration; run `conferral migrate` first.",
                "The database is missing %(count)s migrations; run `conferral migrate` first.",
                pending,
            )
            % {"count": pending},
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        _("Conferral is listening on http://%(host)s:%(port)s/ (Ctrl+C stops it).")
        % {"host": host, "port": port}
    )
    supervisor = Supervisor(
        server_command(host, port, workers), worker_command() if worker else None
    )
    raise typer.Exit(supervisor.run())


def worker(
    burst: Annotated[bool, typer.Option(help=_("Send what is queued now, then exit."))] = False,
) -> None:
    """Run a task worker: it sends the queued emails. Run as many as you like."""
    run_worker(burst=burst)


def migrate(
    verbose: Annotated[bool, typer.Option(help=_("List each migration applied."))] = False,
) -> None:
    """Create or update the database tables."""
    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)
    typer.echo(_("The database is up to date."))

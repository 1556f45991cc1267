"""`conferral serve`, `conferral worker`, `conferral drain` and `conferral migrate`."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Annotated

import typer
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from conferral.cli.processes import Supervisor
from conferral.delivery.worker import run_worker
from conferral.tracking.drainer import drainer_run

WSGI_TARGET = "conferral.wsgi:application"
BLOCKING_THREADS = 2


def server_command(host: str, port: int, workers: int) -> list[str]:
    """Granian serving the WSGI application (never Django's development server), by
    default one worker process per core."""
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
        # Two request threads per worker (bench/track.py, docs/tracking.md): more only
        # queue for the GIL, and a request waiting for it is a slower answer.
        "--blocking-threads",
        str(BLOCKING_THREADS),
        WSGI_TARGET,
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "conferral.cli", "worker"]


def drainer_command() -> list[str]:
    return [sys.executable, "-m", "conferral.cli", "drain"]


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
        int | None,
        typer.Option(
            min=1, help=_("How many web server processes to run (default: one per core).")
        ),
    ] = None,
) -> None:
    """Run the web server (granian), the tracking journal's drainer and, unless
    --no-worker, a task worker."""
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
        server_command(host, port, workers or os.cpu_count() or 1),
        worker_command() if worker else None,
        drainer_command(),
        # The web processes only append to the tracking journal; the drainer applies it.
        server_env={"CONFERRAL_TRACKING_WEB_DRAINS": "0"},
    )
    raise typer.Exit(supervisor.run())


def drain() -> None:
    """Apply this data directory's tracking journal (`conferral serve` runs it) until
    SIGTERM or Ctrl+C; a second one waits while the first runs."""
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stopping.set())
    drainer_run(stopping)


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

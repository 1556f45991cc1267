"""What the commands print: plain lines when the output is not a terminal (a pipe, a log,
a CI job), rich progress bars and tables when it is."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn, Protocol

import typer
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from conferral.certificates.models import Certificate

# Plain output prints a progress line at most this often.
PLAIN_PROGRESS_SECONDS = 2.0


def is_terminal() -> bool:
    return sys.stdout.isatty()


def fail(message: str) -> NoReturn:
    """Print an error on stderr and exit with status 1."""
    typer.echo(_("Error: %(message)s") % {"message": message}, err=True)
    raise typer.Exit(1)


def certificate_or_fail(public_id: str) -> Certificate:
    """The certificate with this public id, or a clear error (any organization: the
    command line is run by whoever runs the server)."""
    certificate = Certificate.objects.filter(public_id=public_id.strip()).first()
    if certificate is None:
        fail(
            _(
                "There is no certificate with the id “%(id)s”. Its id is in the address "
                "of its page in the dashboard."
            )
            % {"id": public_id}
        )
    return certificate


class Reporter(Protocol):
    def update(self, completed: int, description: str) -> None: ...


class _PlainReporter:
    """Prints a line when something changed, at most every PLAIN_PROGRESS_SECONDS, and
    always the last state."""

    def __init__(self, total: int | None, unit: str) -> None:
        self.total = total
        self.unit = unit
        self.last_line = ""
        self.last_time = 0.0
        self.pending = ""

    def _line(self, completed: int, description: str) -> str:
        if self.total:
            share = min(100, completed * 100 // self.total)
            return f"{description} {share}% ({completed}/{self.total} {self.unit})"
        return f"{description} ({completed} {self.unit})"

    def update(self, completed: int, description: str) -> None:
        line = self._line(completed, description)
        if line == self.last_line:
            return
        now = time.monotonic()
        if now - self.last_time < PLAIN_PROGRESS_SECONDS:
            self.pending = line
            return
        self._print(line, now)

    def _print(self, line: str, now: float) -> None:
        typer.echo(line)
        self.last_line, self.last_time, self.pending = line, now, ""

    def finish(self) -> None:
        if self.pending and self.pending != self.last_line:
            self._print(self.pending, time.monotonic())


class _RichReporter:
    def __init__(self, progress: Progress, task_id: TaskID) -> None:
        self.progress = progress
        self.task_id = task_id

    def update(self, completed: int, description: str) -> None:
        self.progress.update(self.task_id, completed=completed, description=description)


@contextmanager
def progress(total: int | None, description: str, unit: str) -> Iterator[Reporter]:
    """A progress display: a rich bar on a terminal, plain lines otherwise."""
    if not is_terminal():
        plain = _PlainReporter(total, unit)
        plain.update(0, description)
        try:
            yield plain
        finally:
            plain.finish()
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed}/{task.total} " + unit),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(), transient=False) as bar:
        task_id = bar.add_task(description, total=total)
        yield _RichReporter(bar, task_id)

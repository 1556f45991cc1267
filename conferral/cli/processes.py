"""`conferral serve` runs two child processes and watches them: the web server (granian)
and, unless told otherwise, a task worker.

The children get their own process group, so Ctrl+C in a terminal reaches only this
supervisor, which then stops each child once, with SIGTERM (a second signal would make
the worker abandon the batch it is sending). On Linux each child also gets SIGTERM if
the supervisor itself dies. A worker that exits on its own is started again, at most
MAX_RESTARTS times; when the web server exits, everything stops."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import typer
from django.utils.translation import gettext as _

POLL_SECONDS = 0.5
STOP_SECONDS = 20.0
MAX_RESTARTS = 5
RESTART_DELAY_SECONDS = 2.0
PR_SET_PDEATHSIG = 1

Handler = Callable[[int, FrameType | None], Any] | int | None


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the parent dies."""
    libc_name = ctypes.util.find_library("c")
    if sys.platform.startswith("linux") and libc_name:
        ctypes.CDLL(libc_name, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start(command: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(command), process_group=0, preexec_fn=_die_with_parent)


def stop(*processes: subprocess.Popen[bytes] | None, timeout: float = STOP_SECONDS) -> None:
    """SIGTERM to each running process, then SIGKILL to any still running after
    `timeout` seconds."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Supervisor:
    def __init__(self, server: Sequence[str], worker: Sequence[str] | None) -> None:
        self.server_command = list(server)
        self.worker_command = list(worker) if worker else None
        self.stopping = threading.Event()
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def _install_signals(self) -> dict[int, Handler]:
        previous: dict[int, Handler] = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _check_worker(self) -> bool:
        """Start the worker again if it exited; False once it has failed too often."""
        if self.worker is None or self.worker_command is None:
            return True
        code = self.worker.poll()
        if code is None:
            return True
        if self.restarts >= MAX_RESTARTS:
            typer.echo(
                _("The worker keeps exiting (status %(code)s); stopping.") % {"code": code},
                err=True,
            )
            return False
        self.restarts += 1
        typer.echo(
            _("The worker exited (status %(code)s); starting it again.") % {"code": code},
            err=True,
        )
        if self.stopping.wait(RESTART_DELAY_SECONDS):
            return True
        self.worker = start(self.worker_command)
        return True

    def run(self) -> int:
        """Run until a signal arrives or the server exits; the exit status to use."""
        previous = self._install_signals()
        code = 0
        try:
            self.server = start(self.server_command)
            if self.worker_command:
                self.worker = start(self.worker_command)
            while not self.stopping.wait(POLL_SECONDS):
                server_code = self.server.poll()
                if server_code is not None:
                    code = server_code
                    break
                if not self._check_worker():
                    code = 1
                    break
        finally:
            stop(self.server, self.worker)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return code

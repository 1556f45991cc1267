"""`conferral serve` runs its child processes and watches them: the web server
(granian), the tracking journal's drainer and, unless told otherwise, a task worker.

The children get their own process group, so Ctrl+C in a terminal reaches only this
supervisor, which then stops each child once, with SIGTERM (a second signal would make
the worker abandon the batch it is sending). On Linux each child also gets SIGTERM if
the supervisor itself dies. A helper (the worker, the drainer) that exits on its own is
started again, at most MAX_RESTARTS times; when the web server exits, everything
stops."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
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


def start(command: Sequence[str], env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start `command` in a process group of its own, with `env` added to this
    process's environment."""
    environment = os.environ | dict(env) if env else None
    return subprocess.Popen(
        list(command), process_group=0, preexec_fn=_die_with_parent, env=environment
    )


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


class Helper:
    """A child beside the web server, started again when it exits (MAX_RESTARTS times)."""

    def __init__(self, command: Sequence[str], exited: str, failing: str) -> None:
        self.command = list(command)
        self.exited = exited  # the message when it exits, with %(code)s
        self.failing = failing  # the message when it has exited too often
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0


class Supervisor:
    def __init__(
        self,
        server: Sequence[str],
        worker: Sequence[str] | None,
        drainer: Sequence[str] | None = None,
        server_env: Mapping[str, str] | None = None,
    ) -> None:
        self.server_command = list(server)
        self.server_env = dict(server_env or {})
        self.helpers: list[Helper] = []
        if drainer:
            self.helpers.append(
                Helper(
                    drainer,
                    _("The drainer exited (status %(code)s); starting it again."),
                    _("The drainer keeps exiting (status %(code)s); stopping."),
                )
            )
        if worker:
            self.helpers.append(
                Helper(
                    worker,
                    _("The worker exited (status %(code)s); starting it again."),
                    _("The worker keeps exiting (status %(code)s); stopping."),
                )
            )
        self.stopping = threading.Event()
        self.server: subprocess.Popen[bytes] | None = None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def _install_signals(self) -> dict[int, Handler]:
        previous: dict[int, Handler] = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _check(self, helper: Helper) -> bool:
        """Start the helper again if it exited; False once it has failed too often."""
        if helper.process is None:
            return True
        code = helper.process.poll()
        if code is None:
            return True
        if helper.restarts >= MAX_RESTARTS:
            typer.echo(helper.failing % {"code": code}, err=True)
            return False
        helper.restarts += 1
        typer.echo(helper.exited % {"code": code}, err=True)
        if self.stopping.wait(RESTART_DELAY_SECONDS):
            return True
        helper.process = start(helper.command)
        return True

    def run(self) -> int:
        """Run until a signal arrives or the server exits; the exit status to use."""
        previous = self._install_signals()
        code = 0
        try:
            for helper in self.helpers:
                helper.process = start(helper.command)
            self.server = start(self.server_command, self.server_env)
            while not self.stopping.wait(POLL_SECONDS):
                server_code = self.server.poll()
                if server_code is not None:
                    code = server_code
                    break
                if not all(self._check(helper) for helper in self.helpers):
                    code = 1
                    break
        finally:
            # The web server first: the drainer's last pass then applies its last hits.
            stop(self.server)
            stop(*(helper.process for helper in self.helpers))
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return code

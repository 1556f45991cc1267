"""The one drainer of a data directory: it applies every web process's journal.

Web processes only append (conferral.tracking.journal); one drainer per DATA_DIR,
guaranteed by an exclusive flock on `tracking-journal/drainer.flock`, applies what they
wrote, every settings.TRACKING_DRAIN_SECONDS. `conferral serve` runs it as a process of
its own (`conferral drain`): a drainer thread inside each web process held up the
answers while it computed (the GIL), and two of them queued for SQLite's one write
lock. A web process started some other way (granian by hand) runs `drainer_thread`,
which takes the drainer's place only while no drainer runs.

A live writer's segments are applied up to their last complete line (they are
append-only, so what is read stays true), from offsets the drainer keeps in memory: no
other process applies a writer's segments while it holds the lock. A rotated segment
is deleted once it is applied. A dead writer (its lock free) is adopted: the rest of
its segments applied from the stored offsets, then deleted. An inline owner (Django's
test client, a development server) applies its own hits while it lives."""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import sys
import threading

from django.conf import settings
from django.db import close_old_connections, connection

from conferral.tracking.journal import (
    INLINE_PREFIX,
    apply_segment,
    forget,
    journal_adopt,
    journal_dir,
    journal_write_only,
    segments_of,
    stored_offset,
)

logger = logging.getLogger(__name__)

LOCK_NAME = "drainer.flock"
LOCK_POLL_SECONDS = 1.0
RETRY_SECONDS = 1.0
# A web process that drains in a thread shortens the GIL's switch interval (5 ms by
# default): each request thread waits that long for the GIL after every wait while the
# drainer computes.
SWITCH_SECONDS = 0.0005
THREAD_STOP_SECONDS = 10.0


class Drainer:
    """One pass over the journal directory at a time (`drain`)."""

    def __init__(self) -> None:
        self.offsets: dict[str, int] = {}

    def drain(self, *, live: bool = True) -> None:
        """Adopt the dead owners; apply what every live writer has appended (`live`)."""
        for lock_path in sorted(journal_dir().glob("*.lock")):
            owner = lock_path.name.removesuffix(".lock")
            if journal_adopt(lock_path):
                self.offsets = {
                    name: offset
                    for name, offset in self.offsets.items()
                    if not name.startswith(f"{owner}.")
                }
            elif live and not owner.startswith(INLINE_PREFIX):
                self._drain_live(owner)

    def _drain_live(self, owner: str) -> None:
        segments = segments_of(owner)
        for seq, path in segments:
            name = f"{owner}.{seq}"
            offset = self.offsets.get(name)
            if offset is None:
                offset = stored_offset(name)
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            rest = b""
            if size > offset:
                offset, rest = apply_segment(name, path, offset)
            self.offsets[name] = offset
            if seq < segments[-1][0]:
                # The writer has moved to a later segment: this one is complete.
                if rest:
                    logger.warning("tracking journal %s: left out a torn last line", name)
                forget(name, path)
                del self.offsets[name]

    def drain_safely(self, *, live: bool = True) -> bool:
        """`drain`, a failure logged (False); the offsets are then read again from the
        database, since a failed pass may have applied some batches."""
        try:
            self.drain(live=live)
        except Exception:
            logger.exception("tracking journal: applying hits failed; trying again")
            self.offsets.clear()
            connection.close()
            return False
        finally:
            close_old_connections()
        return True


def _lock(stop: threading.Event) -> int | None:
    """The drainer lock's descriptor once this process holds it; None if `stop` is set
    first."""
    directory = journal_dir()
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if stop.wait(LOCK_POLL_SECONDS):
                os.close(fd)
                return None


def drainer_run(stop: threading.Event) -> None:
    """Be the data directory's drainer until `stop` is set (waiting first while another
    one runs): what dead owners left at once, the live writers' hits every
    TRACKING_DRAIN_SECONDS, and once more at the end."""
    fd = _lock(stop)
    if fd is None:
        return
    try:
        drainer = Drainer()
        drainer.drain_safely(live=False)
        while not stop.wait(settings.TRACKING_DRAIN_SECONDS):
            if not drainer.drain_safely():
                stop.wait(RETRY_SECONDS)
        drainer.drain_safely()
    finally:
        os.close(fd)


_thread_lock = threading.Lock()
_thread_pid: int | None = None  # the process that has set itself up (not a forked child)
_thread_stop = threading.Event()


def drainer_thread() -> None:
    """Make this web process write-only, and unless settings.TRACKING_WEB_DRAINS is off
    (`conferral serve` runs the drainer as a process of its own) run a drainer thread
    in it, which waits while another drainer runs (once per process)."""
    global _thread_pid
    if _thread_pid == os.getpid():
        return
    with _thread_lock:
        if _thread_pid == os.getpid():
            return
        journal_write_only()
        _thread_pid = os.getpid()
        if not settings.TRACKING_WEB_DRAINS:
            return
        sys.setswitchinterval(SWITCH_SECONDS)
        thread = threading.Thread(
            target=drainer_run, args=(_thread_stop,), name="tracking-drainer", daemon=True
        )
        thread.start()
        atexit.register(_thread_end, thread)


def _thread_end(thread: threading.Thread) -> None:
    """On a clean exit, let the thread drain once more rather than leave it to the next
    drainer's adoption."""
    _thread_stop.set()
    thread.join(THREAD_STOP_SECONDS)

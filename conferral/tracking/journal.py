"""The journal of tracking hits: written before the answer, applied in batches after.

An open or click is one line appended, with a single os.write, to this process's own
segment file (O_APPEND) under DATA_DIR/tracking-journal before the pixel or redirect
goes out; the database work happens afterwards, up to a thousand hits per transaction
(conferral.tracking.hits). Durability: once write() has returned, the line is in the
kernel's page cache, so a SIGKILL of the process right after its answer loses nothing;
a power cut may lose the last moments: the durability class of SQLite in WAL mode with
synchronous=NORMAL, which Conferral runs.

Each batch stores how far its segment is applied (JournalOffset) in the transaction that
applies it, so every hit is applied exactly once, whatever crashes when. A web process
under `conferral serve` only appends (`journal_write_only`): the data directory's one
drainer applies every segment (conferral.tracking.drainer). Code without a drainer
(Django's test client, a development server, a management command) is an inline owner:
it applies its own hits before answering (`journal_drain`).

Ownership: the process holds an exclusive flock on `<owner>.lock` for its lifetime.
The kernel drops the lock when the process dies however it dies, so another process's
non-blocking flock succeeds only then: the drainer adopts the dead owner's segments
(`journal_adopt`), applies the rest of them and deletes them. A dead writer's last line
may be torn (cut by a crash mid-write): it is logged and left out. A segment grows to
SEGMENT_BYTES, then the owner starts the next one; the old one is deleted once it is
applied."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import re
import secrets
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from conferral.tracking.hits import KINDS, Hit, hits_apply
from conferral.tracking.links import LEGACY_LINK
from conferral.tracking.models import JournalOffset

logger = logging.getLogger(__name__)

SEGMENT_BYTES = 64 * 1024 * 1024
# At most this many hits a transaction. A drainer that keeps up applies what one pass
# found (a few hundred hits); one that fell behind (wrk -c50 on two cores) applies full
# batches, and a batch's queries cost by recipient, not by hit: 1,000 took 139-159 µs of
# CPU a hit against 170-194 µs with 250 (48,000 journalled hits applied alone, twice).
BATCH_HITS = 1000
READ_BYTES = 4 * 1024 * 1024
USER_AGENT_MAX = 8192  # a header longer than any real browser's; the rest is dropped
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
# The owners that apply their own hits before answering (`journal_drain`); the drainer
# leaves their segments alone while they live.
INLINE_PREFIX = "inline-"
SEGMENT_NAME = re.compile(r"(?P<owner>[\w.-]+)\.(?P<seq>\d+)\.log")


class TornLine(ValueError):
    """A journal line that is not a whole hit."""


def journal_dir() -> Path:
    return Path(settings.DATA_DIR) / "tracking-journal"


def line_encode(hit: Hit) -> bytes:
    at = (hit.at - EPOCH) // MICROSECOND
    fields = [hit.kind, hit.public_id, at, hit.method, hit.client_address]
    fields += [hit.user_agent[:USER_AGENT_MAX], hit.link]
    return json.dumps(fields, separators=(",", ":")).encode() + b"\n"


def line_decode(line: bytes) -> Hit:
    """A hit from its line; a line written before clicks named their link has six
    fields, and its click is the message's one link (LEGACY_LINK)."""
    try:
        kind, public_id, at, method, address, agent, *rest = json.loads(line)
    except (ValueError, TypeError) as exc:
        raise TornLine(f"not a journal line: {line[:80]!r}") from exc
    link = rest[0] if len(rest) == 1 else LEGACY_LINK
    if (
        kind not in KINDS
        or not isinstance(at, int)
        or not isinstance(public_id, str)
        or len(rest) > 1
        or not isinstance(link, int)
    ):
        raise TornLine(f"not a journal line: {line[:80]!r}")
    return Hit(
        kind=kind,
        public_id=public_id,
        at=EPOCH + at * MICROSECOND,
        user_agent=str(agent),
        client_address=str(address),
        method=str(method),
        link=link,
    )


def segment_path(owner: str, seq: int) -> Path:
    return journal_dir() / f"{owner}.{seq}.log"


def segments_of(owner: str) -> list[tuple[int, Path]]:
    found = []
    for path in journal_dir().glob(f"{owner}.*.log"):
        match = SEGMENT_NAME.fullmatch(path.name)
        if match and match["owner"] == owner:
            found.append((int(match["seq"]), path))
    return sorted(found)


@dataclass
class _Owner:
    """This process's journal: its lock, its current segment and how far each of its
    segments is applied (kept in memory too: the stored offset only matters once the
    process is dead, and a rolled-back test transaction must not re-apply)."""

    name: str
    pid: int
    lock_fd: int
    inline: bool
    seq: int = 0
    fd: int = -1
    size: int = 0
    applied: dict[int, int] = field(default_factory=dict)

    def open_segment(self, seq: int) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        self.seq = seq
        self.fd = os.open(
            segment_path(self.name, seq), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        self.size = os.fstat(self.fd).st_size
        self.applied.setdefault(seq, 0)


_lock = threading.RLock()  # the owner's state (creation, rotation)
_drain_lock = threading.Lock()  # one drain at a time in this process
_owner: _Owner | None = None
_write_only = False


def _own() -> _Owner:
    """This process's owner, created on first use (and anew in a forked child: the
    parent's lock and segment are the parent's)."""
    global _owner
    with _lock:
        inline = not _write_only
        if _owner is not None and _owner.pid == os.getpid() and _owner.inline == inline:
            return _owner
        _owner = _owner_new(_owner, inline=inline)
        return _owner


def journal_write_only() -> None:
    """From now on this process only appends: the data directory's drainer applies its
    segments (conferral.tracking.drainer). An inline owner it had is let go; being
    released, its lock makes it a dead owner, which the drainer adopts."""
    global _write_only
    with _lock:
        _write_only = True
        _own()


def _owner_new(previous: _Owner | None, *, inline: bool) -> _Owner:
    if previous is not None:
        for fd in (previous.fd, previous.lock_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
    directory = journal_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
    if inline:
        name = INLINE_PREFIX + name
    # Locked before it gets its name: the drainer must never see the file unlocked, or
    # it would take the new owner for a dead one.
    unnamed = directory / f".{name}.lock.new"
    lock_fd = os.open(unnamed, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock_fd, fcntl.LOCK_EX)
    unnamed.rename(directory / f"{name}.lock")
    owner = _Owner(name=name, pid=os.getpid(), lock_fd=lock_fd, inline=inline)
    owner.open_segment(0)
    return owner


def journal_append(hit: Hit) -> None:
    """Write the hit to this process's segment with one write(); raises OSError when
    the journal cannot take it (the caller then applies the hit itself)."""
    line = line_encode(hit)
    with _lock:
        owner = _own()
        if owner.size + len(line) > SEGMENT_BYTES:
            owner.open_segment(owner.seq + 1)
        written = os.write(owner.fd, line)
        owner.size += written
        if written != len(line):
            # A short write (a full disk): that segment ends torn, the next is clean.
            owner.open_segment(owner.seq + 1)
            raise OSError(f"the tracking journal took {written} of {len(line)} bytes")


def _complete_lines(path: Path, offset: int) -> tuple[list[bytes], int, bytes]:
    """The whole lines of `path` from `offset` (at most about READ_BYTES), the offset
    after them, and the bytes after the last newline."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        data = stream.read(READ_BYTES)
    end = data.rfind(b"\n") + 1
    lines = data[:end].split(b"\n")[:-1]
    return lines, offset + end, data[end:]


def _apply(name: str, lines: list[bytes], offset: int) -> None:
    """Apply `lines` and record `offset` as applied in one transaction."""
    hits = []
    for line in lines:
        try:
            hits.append(line_decode(line))
        except TornLine:
            logger.warning("tracking journal %s: left out a line that is no hit", name)
    with transaction.atomic():
        for start in range(0, len(hits), BATCH_HITS):
            hits_apply(hits[start : start + BATCH_HITS])
        if not JournalOffset.objects.filter(name=name).update(offset=offset):
            JournalOffset.objects.create(name=name, offset=offset)


def apply_segment(name: str, path: Path, offset: int) -> tuple[int, bytes]:
    """Apply what `path` holds from `offset` on, batch by batch; the offset reached and
    the bytes of a last line that has no newline yet."""
    while True:
        lines, end, rest = _complete_lines(path, offset)
        if not lines:
            return offset, rest
        for start in range(0, len(lines), BATCH_HITS):
            chunk = lines[start : start + BATCH_HITS]
            chunk_end = offset + sum(len(line) + 1 for line in chunk)
            _apply(name, chunk, chunk_end)
            offset = chunk_end
        if offset != end:
            raise RuntimeError(f"tracking journal {name}: offsets went astray")


def forget(name: str, path: Path) -> None:
    """A segment fully applied: the file goes first, then its offset (a crash between
    the two leaves a row that names no file, never a file that seems unapplied)."""
    path.unlink(missing_ok=True)
    JournalOffset.objects.filter(name=name).delete()


def journal_drain() -> None:
    """Apply what this process's segments hold, before returning; rotated segments
    that are fully applied are deleted. Nothing in a write-only process: the drainer
    applies its segments."""
    with _drain_lock:
        owner = _own()
        if not owner.inline:
            return
        current = owner.seq
        for seq in sorted(owner.applied):
            path = segment_path(owner.name, seq)
            name = f"{owner.name}.{seq}"
            offset, rest = apply_segment(name, path, owner.applied[seq])
            owner.applied[seq] = offset
            if seq < current:
                if rest:
                    logger.warning("tracking journal %s: left out a torn last line", name)
                forget(name, path)
                del owner.applied[seq]


def stored_offset(name: str) -> int:
    """How far segment `name` is applied, as the database says."""
    stored = JournalOffset.objects.filter(name=name).values_list("offset", flat=True)
    return stored.first() or 0


def journal_adopt(lock_path: Path) -> bool:
    """Apply and delete the segments of the dead owner of `lock_path`; False (nothing
    done) when the owner still lives."""
    owner = lock_path.name.removesuffix(".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:
        return True
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        # An adopter before this one may have finished and removed this lock file.
        with contextlib.suppress(FileNotFoundError):
            if os.stat(lock_path).st_ino != os.fstat(fd).st_ino:
                return True
        for seq, path in segments_of(owner):
            name = f"{owner}.{seq}"
            offset, rest = apply_segment(name, path, stored_offset(name))
            if rest:
                logger.warning(
                    "tracking journal %s: left out the torn last line of a dead writer "
                    "(%d bytes after offset %d)",
                    name,
                    len(rest),
                    offset,
                )
            forget(name, path)
        lock_path.unlink(missing_ok=True)
        logger.info("tracking journal: applied what %s left behind", owner)
        return True
    finally:
        os.close(fd)

"""Rendered PDFs and PNGs kept on disk, so a credential downloaded twice is rendered once.

An entry is named by a key that hashes everything the file shows (the renderer builds
it, see renderer.render_key), so an edit anywhere makes a new key and an old entry is
never served for it: entries are never updated, only added and evicted. Each file starts
with one line holding the SHA-256 and length of what follows; a file that does not match
it (a disk error, a write cut short by a crash) is deleted and rendered again.

Writes go to a temporary name in the same folder and are renamed into place, so a reader
sees a whole entry or none. The folder is held to `max_bytes`: a write that brings the
bytes this process wrote since its last look past an eighth of the bound makes it scan
the folder and delete the least recently used entries (a hit touches its file) until a
tenth is free again. Several processes share the folder; each keeps to the same rule."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

MAGIC = b"conferral-render-1"
TEMPORARY = ".tmp"
# A temporary file this old was left by a process that died while writing it.
ABANDONED_SECONDS = 600


@dataclass(frozen=True)
class RenderedFile:
    """A rendered document and what HTTP caches need to revalidate it."""

    content: bytes
    digest: str  # SHA-256 of the content, hex
    rendered_at: dt.datetime

    @property
    def etag(self) -> str:
        return f'"{self.digest[:32]}"'


def _header(digest: str, length: int, rendered_at: int) -> bytes:
    return b"%s %s %d %d\n" % (MAGIC, digest.encode(), length, rendered_at)


def _parsed(data: bytes) -> RenderedFile | None:
    """The entry in a file's bytes, or None when they are not a whole, intact entry."""
    line, newline, content = data.partition(b"\n")
    parts = line.split(b" ")
    if not newline or len(parts) != 4 or parts[0] != MAGIC:
        return None
    _magic, digest, length, rendered_at = parts
    if not (length.isdigit() and rendered_at.isdigit()) or int(length) != len(content):
        return None
    if hashlib.sha256(content).hexdigest().encode() != digest:
        return None
    moment = dt.datetime.fromtimestamp(int(rendered_at), tz=dt.UTC)
    return RenderedFile(content, digest.decode(), moment)


class RenderCache:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        # Bytes written since this process last scanned the folder; a first write scans.
        self._unswept = max_bytes

    def path(self, key: str, extension: str) -> Path:
        return self.directory / f"{key}.{extension}"

    def get(self, key: str, extension: str) -> RenderedFile | None:
        path = self.path(key, extension)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            logger.warning("could not read the rendered file %s: %s", path.name, error)
            return None
        entry = _parsed(data)
        if entry is None:
            logger.warning("the rendered file %s is damaged; rendering it again", path.name)
            path.unlink(missing_ok=True)
            return None
        # Recently used, so evicted last (unless another process evicted it meanwhile:
        # its content is read already).
        with contextlib.suppress(OSError):
            os.utime(path)
        return entry

    def put(self, key: str, extension: str, content: bytes) -> RenderedFile:
        """Keep `content` under `key`; a folder that cannot be written (a full disk) only
        costs a render next time, it never fails the download."""
        entry = RenderedFile(
            content,
            hashlib.sha256(content).hexdigest(),
            dt.datetime.fromtimestamp(int(time.time()), tz=dt.UTC),
        )
        target = self.path(key, extension)
        partial = target.with_name(
            f"{target.name}.{os.getpid()}-{threading.get_ident()}{TEMPORARY}"
        )
        header = _header(entry.digest, len(content), int(entry.rendered_at.timestamp()))
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as file:
                file.write(header)
                file.write(content)
            partial.replace(target)
        except OSError as error:
            logger.warning("could not keep the rendered file %s: %s", target.name, error)
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            return entry
        self._written(len(header) + len(content))
        return entry

    def _written(self, size: int) -> None:
        with self._lock:
            self._unswept += size
            if self._unswept < self.max_bytes // 8:
                return
            self._unswept = 0
            self.sweep()

    def sweep(self) -> None:
        """Delete the least recently used entries while the folder holds more than
        `max_bytes`, down to nine tenths of it, and temporary files left by crashes."""
        entries: list[tuple[float, int, str]] = []
        total = 0
        now = time.time()
        try:
            with os.scandir(self.directory) as found:
                for item in found:
                    try:
                        stat = item.stat()
                    except FileNotFoundError:
                        continue
                    if item.name.endswith(TEMPORARY):
                        if now - stat.st_mtime > ABANDONED_SECONDS:
                            Path(item.path).unlink(missing_ok=True)
                        continue
                    entries.append((stat.st_mtime, stat.st_size, item.path))
                    total += stat.st_size
        except OSError as error:
            logger.warning("could not look through the rendered files: %s", error)
            return
        if total <= self.max_bytes:
            return
        keep = self.max_bytes * 9 // 10
        for _used, size, path in sorted(entries):
            if total <= keep:
                break
            try:
                Path(path).unlink(missing_ok=True)
            except OSError as error:
                logger.warning("could not evict the rendered file %s: %s", path, error)
                return
            total -= size


@cache
def _cache_at(directory: Path, max_bytes: int) -> RenderCache:
    return RenderCache(directory, max_bytes)


def render_cache() -> RenderCache:
    """The cache the settings name (one object per folder and bound in a process)."""
    return _cache_at(Path(settings.RENDER_CACHE_DIR), settings.RENDER_CACHE_MAX_BYTES)

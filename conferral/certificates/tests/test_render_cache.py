"""The render cache's folder: whole entries only, held to its bound by evicting the least
recently used, and a folder that cannot be written never fails a render."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conferral.certificates.rendering.cache import ABANDONED_SECONDS, RenderCache

ENTRY = 10_000  # bytes of content an entry holds in these tests


def _content(n: int) -> bytes:
    return bytes([n % 256]) * ENTRY


def _age(path: Path, seconds: float) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def test_it_gives_back_what_was_kept_with_its_validators(tmp_path: Path) -> None:
    store = RenderCache(tmp_path, 1_000_000)

    kept = store.put("abc", "pdf", b"%PDF-1.7 ...")
    found = store.get("abc", "pdf")

    assert found == kept
    assert found.content == b"%PDF-1.7 ..."
    assert found.etag == f'"{kept.digest[:32]}"'
    assert store.get("abc", "png") is None
    assert store.get("abd", "pdf") is None


def test_it_evicts_the_least_recently_used_past_its_bound(tmp_path: Path) -> None:
    bound = 20 * ENTRY
    writer = RenderCache(tmp_path, 100 * bound)  # e.g. another process, before a restart
    for n in range(30):
        writer.put(f"key{n}", "png", _content(n))
        _age(writer.path(f"key{n}", "png"), 1000 - n)  # key0 is the oldest
    store = RenderCache(tmp_path, bound)
    assert store.get("key1", "png") is not None  # read: now the most recently used

    store.sweep()

    total = sum(path.stat().st_size for path in tmp_path.iterdir())
    assert total <= bound * 9 // 10
    assert store.get("key1", "png") is not None
    assert store.get("key0", "png") is None
    assert store.get("key29", "png") is not None


def test_it_keeps_to_its_bound_while_writing(tmp_path: Path) -> None:
    bound = 40 * ENTRY
    store = RenderCache(tmp_path, bound)

    for n in range(200):
        store.put(f"key{n}", "pdf", _content(n))

    total = sum(path.stat().st_size for path in tmp_path.iterdir())
    assert total <= bound + bound // 8 + ENTRY
    assert store.get("key199", "pdf") is not None


def test_it_removes_temporary_files_left_by_a_crash(tmp_path: Path) -> None:
    store = RenderCache(tmp_path, 1_000_000)
    abandoned = tmp_path / "key.pdf.123-456.tmp"
    writing = tmp_path / "key.png.123-789.tmp"
    for path in (abandoned, writing):
        path.write_bytes(b"half")
    _age(abandoned, ABANDONED_SECONDS + 60)

    store.sweep()

    assert not abandoned.exists()
    assert writing.exists()  # perhaps still being written


def test_it_renders_on_when_the_folder_cannot_be_written(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"")
    store = RenderCache(blocked / "renders", 1_000_000)

    kept = store.put("abc", "pdf", b"%PDF-1.7 ...")

    assert kept.content == b"%PDF-1.7 ..."
    assert store.get("abc", "pdf") is None

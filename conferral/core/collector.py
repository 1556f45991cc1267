"""Python's cyclic garbage collector paused for a block of bulk work.

An import of 100,000 rows makes no cyclic garbage (a `gc.collect()` after one finds
nothing), yet the collector ran about 400 times during one, three of them full
collections over the ~120,000 objects of the loaded application at 0.15 CPU s each:
0.5 to 0.7 of the import's 8 CPU s. While paused the collector only counts
allocations; after the block it runs again at the next allocation past its threshold,
so what garbage a block does make is collected then.

There is one collector per process: the blocks of several threads share one pause,
which ends with the last of them, and a collector that was already off stays off."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    """How many blocks are in the pause, and whether the collector runs after it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.blocks = 0
        self.resume = False

    def enter(self) -> None:
        with self.lock:
            if not self.blocks:
                self.resume = gc.isenabled()
                gc.disable()
            self.blocks += 1

    def leave(self) -> None:
        with self.lock:
            self.blocks -= 1
            if not self.blocks and self.resume:
                gc.enable()


_pause = _Pause()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the block runs (in any thread)."""
    _pause.enter()
    try:
        yield
    finally:
        _pause.leave()

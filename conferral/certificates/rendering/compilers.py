"""Typst compilers to borrow, so several threads render at once.

A `typst.Compiler` keeps its parsed sources between compilations and lets go of the
GIL while it compiles, but it is not safe from two threads at once: a second call while
one is running fails with "Already borrowed" (its compile method takes the compiler
mutably). So each render borrows a compiler of its own from a pool that grows to as many
as are in use at the same moment (the threads rendering at once) and hands it back.
Every compiler of a process shares one set of loaded fonts."""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Iterator
from pathlib import Path

import typst


class CompilerPool:
    """Idle compilers of one template, each built the first time no idle one is left."""

    def __init__(self, main: Path, root: Path, fonts: typst.Fonts) -> None:
        self.main = main
        self.root = root
        self.fonts = fonts
        self._idle: queue.SimpleQueue[typst.Compiler] = queue.SimpleQueue()

    @contextlib.contextmanager
    def borrowed(self) -> Iterator[typst.Compiler]:
        try:
            compiler = self._idle.get_nowait()
        except queue.Empty:
            compiler = typst.Compiler(str(self.main), root=str(self.root), font_paths=self.fonts)
        try:
            yield compiler
        finally:
            self._idle.put(compiler)

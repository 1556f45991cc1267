"""Counting what typst compiles, through the renderer's own `document_rendered` signal,
and a render cache of a test's own (so a file kept by an earlier test is never found)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from conferral.certificates.rendering.renderer import document_rendered


class Renders:
    """The formats typst compiled, in order, from any thread, while connected."""

    def __init__(self) -> None:
        self.formats: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, sender: object, format: str, **kwargs: Any) -> None:
        with self._lock:
            self.formats.append(format)

    @property
    def count(self) -> int:
        return len(self.formats)


@pytest.fixture
def renders() -> Iterator[Renders]:
    counted = Renders()
    document_rendered.connect(counted, weak=False)
    try:
        yield counted
    finally:
        document_rendered.disconnect(counted)


@pytest.fixture
def render_dir(settings: Settings, tmp_path: Path) -> Path:
    """This test's render cache folder."""
    settings.RENDER_CACHE_DIR = tmp_path / "renders"
    return Path(settings.RENDER_CACHE_DIR)

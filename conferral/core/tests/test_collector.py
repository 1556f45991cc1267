"""collector_paused: no cyclic garbage collection in the block, the collector as it was
after it, and one pause shared by the blocks of several threads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from conferral.core.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_it_turns_the_collector_off_for_the_block_and_on_after() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_turns_it_on_after_a_block_that_raised() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_it_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_it_ends_the_pause_with_the_last_of_two_threads_blocks() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def other_block() -> None:
        with collector_paused():
            inside.set()
            release.wait()

    other = threading.Thread(target=other_block)
    with collector_paused():
        other.start()
        inside.wait()
    assert not gc.isenabled()  # the other thread's block still runs
    release.set()
    other.join()
    assert gc.isenabled()


def test_it_ends_the_pause_with_the_outer_of_nested_blocks() -> None:
    gc.enable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()

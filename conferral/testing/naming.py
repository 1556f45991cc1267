"""The naming rule for tests, enforced: a test function is named `test_it_*` (it reads
as a sentence about the code: "test it refuses a forged link"). pytest collects only
those names, so a function called `test_refuses…` would silently never run; here any
function in a test module whose name starts with `test` but breaks the rule is a
collection error instead."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

TEST_PREFIX = "test_it_"


def _misnamed(collector: pytest.Collector, name: str, obj: Any) -> bool:
    if name.startswith(TEST_PREFIX) or not name.lower().startswith("test"):
        return False
    if not inspect.isfunction(obj):
        return False
    # A helper imported from elsewhere is that module's business.
    module = getattr(collector.getparent(pytest.Module), "obj", None)
    return module is None or obj.__module__ == module.__name__


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: Any) -> None:
    if _misnamed(collector, name, obj):
        raise collector.CollectError(
            f"{name}() in {collector.nodeid} looks like a test but is not named "
            f"{TEST_PREFIX}*, so it would never run: rename it (or give a helper a name "
            "that does not start with 'test')."
        )

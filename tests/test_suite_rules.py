"""Ratchets that keep the code base as it was left: apps import only the apps below
them, events come into being only through the event seam, a misnamed test is an error,
and the suite never leaves the machine."""

from __future__ import annotations

import ast
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_socket import SocketConnectBlockedError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "conferral"
# Each app may import the apps of lower layers only (and the shared `core`).
LAYERS = {
    "core": 0,
    "accounts": 1,
    "certificates": 2,
    "tracking": 3,
    "delivery": 4,
    "stats": 5,
    "bounces": 5,
    "badges": 5,
    "webhooks": 5,
    "providers": 6,
    "recipient": 6,
    "api": 6,
    "dashboard": 6,
    "cli": 7,
}
EVENT_SEAM = PACKAGE / "certificates" / "events.py"
# Where the SQL that inserts events is written (rows built by the seam).
EVENT_SQL = {
    PACKAGE / "certificates" / "statements.py",
    PACKAGE / "delivery" / "statements.py",
    EVENT_SEAM,
}


def _production_modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).parts
        if "tests" in relative or "migrations" in relative or relative[0] == "testing":
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_apps(tree: ast.Module) -> set[str]:
    apps: set[str] = set()
    for node in ast.walk(tree):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for name in names:
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "conferral":
                apps.add(parts[1])
    return apps


def test_it_keeps_every_app_above_the_apps_it_imports() -> None:
    upward = []
    for path, tree in _production_modules():
        app = path.relative_to(PACKAGE).parts[0]
        if app not in LAYERS:
            continue  # settings, urls, wsgi: where the apps are put together
        for imported in _imported_apps(tree) & LAYERS.keys():
            if imported != app and LAYERS[imported] >= LAYERS[app]:
                upward.append(f"{path.relative_to(ROOT)} imports conferral.{imported}")
    assert upward == []


def test_it_writes_events_only_through_the_seam() -> None:
    elsewhere = []
    for path, tree in _production_modules():
        for node in ast.walk(tree):
            if path != EVENT_SEAM and isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id == "Event":
                    elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno} Event(...)")
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr in {"create", "bulk_create", "get_or_create"}
                    and "Event.objects" in ast.unparse(func.value)
                ):
                    elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(func)}")
            if (
                path not in EVENT_SQL
                and isinstance(node, ast.Name)
                and node.id in {"event_insert_head", "event_insert_sql", "EVENT_COLUMNS"}
            ):
                elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.id}")
    assert elsewhere == []


@pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")
def test_it_refuses_a_connection_outside_loopback() -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 25), timeout=1)  # TEST-NET-1


def test_it_allows_a_connection_on_loopback() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass


def _as_this_project(pytester: pytest.Pytester) -> None:
    """An inner pytest run with this project's collection rules."""
    pytester.makeini("[pytest]\npython_functions = test_it_*\n")
    pytester.makeconftest('pytest_plugins = ["conferral.testing.naming"]')


def test_it_fails_the_run_for_a_test_that_breaks_the_naming_rule(
    pytester: pytest.Pytester,
) -> None:
    _as_this_project(pytester)
    pytester.makepyfile(
        test_names="""
            def helper():
                return 1

            def test_it_runs():
                assert helper() == 1

            def test_forgotten():
                assert False
        """
    )
    result = pytester.runpytest("-p", "no:django", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_forgotten() *is not named test_it_*"])


def test_it_collects_tests_that_follow_the_naming_rule(pytester: pytest.Pytester) -> None:
    _as_this_project(pytester)
    pytester.makepyfile(
        test_names="""
            from os.path import join as test_join  # imported, not this module's own

            def test_it_runs():
                assert test_join("a", "b") == "a/b"
        """
    )
    result = pytester.runpytest("-p", "no:django", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)

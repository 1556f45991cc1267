"""The whole test suite, as `make test` and CI run it.

Starts PostgreSQL and Redis on 127.0.0.1, then runs pytest twice under coverage: on the
embedded default (SQLite), and on PostgreSQL, where the distributed test also runs real
worker processes against Redis. The coverage of both runs (and of the processes they
start) is combined and reported; below the floor in pyproject.toml the run fails. Extra
arguments are passed to both pytest runs (and then no floor applies: a partial run
covers less)."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conferral.testing.servers import postgres_server, redis_server  # noqa: E402


def pytest(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== {label} ===", flush=True)
    command = [sys.executable, "-m", "coverage", "run", "-m", "pytest", *args]
    return subprocess.call(command, cwd=ROOT, env=env)


def coverage(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "coverage", *args], cwd=ROOT)


def main() -> int:
    extra = sys.argv[1:]
    coverage("erase")
    with ExitStack() as stack:
        pg = stack.enter_context(postgres_server())
        redis = stack.enter_context(redis_server())
        base = dict(os.environ)
        base.pop("CONFERRAL_DATABASE_URL", None)
        base["CONFERRAL_TEST_POSTGRES_URL"] = pg.url
        base["CONFERRAL_TEST_REDIS_URL"] = redis.url
        base.setdefault("CONFERRAL_DATA_DIR", str(ROOT / "var" / "test"))

        sqlite_env = dict(base)
        sqlite_code = pytest(
            "SQLite (embedded default)", sqlite_env, ["-q", "-m", "not distributed", *extra]
        )

        pg_env = dict(base, CONFERRAL_DATABASE_URL=pg.url)
        pg_code = pytest("PostgreSQL, Redis and worker processes", pg_env, ["-q", *extra])
    print(f"\nSQLite run: exit {sqlite_code}; PostgreSQL run: exit {pg_code}")
    coverage("combine", "--quiet")
    print("\n=== Coverage, both runs combined ===", flush=True)
    floor = ["--fail-under=0"] if extra else []
    coverage_code = coverage("report", "--skip-empty", "--precision=1", *floor)
    return sqlite_code or pg_code or coverage_code


if __name__ == "__main__":
    sys.exit(main())

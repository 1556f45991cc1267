"""Start throwaway PostgreSQL and Redis servers on 127.0.0.1 for tests and benchmarks.

Each server lives in its own temporary directory, listens on a free port, and is stopped
by the pid it was started with. PostgreSQL refuses to run as root, so as root it runs as
the `postgres` user (Debian's package creates it)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class ServerUnavailable(RuntimeError):
    """The server's binaries are missing or it did not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerUnavailable(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise ServerUnavailable(f"{what} did not listen on port {port} within {timeout:.0f}s")


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def postgres_bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ServerUnavailable("PostgreSQL is not installed (no initdb); run scripts/install-deps")


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    directory: Path
    # What started it, so that a fault test can stop it and start it again (server_restart).
    command: tuple[str, ...] = ()
    port: int = 0


def server_restart(server: Server, *, immediate: bool = False) -> None:
    """Stop a server started here and start it again on the same port and directory, as
    an operator's restart does under clients that stay connected."""
    server_stop(server, immediate=immediate)
    server_start(server)


def server_stop(server: Server, *, immediate: bool = False) -> None:
    """Stop a server started here, keeping its directory for server_start. `immediate`:
    PostgreSQL's immediate shutdown (SIGQUIT: no checkpoint, clients cut off at once),
    otherwise its fast one; Redis is stopped with SIGTERM."""
    data = server.directory / "data"
    if (data / "postmaster.pid").exists():
        _stop_postgres(data, server.proc, signal.SIGQUIT if immediate else signal.SIGINT)
    else:
        _stop(server.proc)


def server_start(server: Server) -> None:
    """Start a server stopped by server_stop again, on the same port and directory."""
    server.proc = subprocess.Popen(
        server.command,
        stdout=subprocess.DEVNULL,
        stderr=open(server.directory / "restarted.log", "ab"),  # noqa: SIM115
        start_new_session=True,
    )
    _wait_for_port(server.port, server.proc, "The restarted server", 30)


def _stop_postgres(data: Path, proc: subprocess.Popen[bytes], sig: int = signal.SIGINT) -> None:
    """Fast shutdown (SIGINT) of the postmaster itself: as root it runs under `runuser`,
    which does not pass signals on, so its pid is read from postmaster.pid."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pid = 0
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    _stop(proc)


@contextlib.contextmanager
def postgres_server() -> Iterator[Server]:
    """A PostgreSQL cluster with a `conferral` database; yields its URL."""
    bindir = postgres_bin_dir()
    directory = Path(tempfile.mkdtemp(prefix="conferral-pg-"))
    data = directory / "data"
    as_root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(directory, "postgres", "postgres")
    port = free_port()
    try:
        subprocess.run(
            [
                *run_as,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        command = (
            *run_as,
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={directory}",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        )
        proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=open(directory / "postgres.log", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise ServerUnavailable(f"PostgreSQL could not start: {exc}") from exc
    try:
        _wait_for_port(port, proc, "PostgreSQL", 30)
        for _ in range(100):
            done = subprocess.run(
                [
                    str(bindir / "psql"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    "-c",
                    "CREATE DATABASE conferral",
                ],
                capture_output=True,
            )
            if done.returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise ServerUnavailable(f"PostgreSQL did not accept connections: {done.stderr!r}")
        server = Server(
            f"postgres://postgres@127.0.0.1:{port}/conferral", proc, directory, command, port
        )
        try:
            yield server
        finally:
            proc = server.proc  # server_restart may have replaced it
    finally:
        _stop_postgres(data, proc)
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[Server]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerUnavailable(
            "Redis is not installed (no redis-server); run scripts/install-deps"
        )
    directory = Path(tempfile.mkdtemp(prefix="conferral-redis-"))
    port = free_port()
    command = (
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(directory),
    )
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    server = Server(f"redis://127.0.0.1:{port}/0", proc, directory, command, port)
    try:
        _wait_for_port(port, proc, "Redis", 15)
        yield server
    finally:
        _stop(server.proc)
        shutil.rmtree(directory, ignore_errors=True)

"""Postfix's smtp-sink on 127.0.0.1 and raw smtp-source into it: the sending
benchmarks' mail server and their reference."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

SMTP_SINK = "/usr/sbin/smtp-sink"
SMTP_SOURCE = "/usr/sbin/smtp-source"
MESSAGE_BYTES = 5000  # about the size of one of our personalised messages
SOURCE_TIMEOUT = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"smtp-sink did not start on port {port}")


def start_sink(port: int) -> subprocess.Popen[bytes]:
    for tool in (SMTP_SINK, SMTP_SOURCE):
        if not Path(tool).exists():
            raise SystemExit(f"{tool} is missing: install the Debian package postfix")
    user = ["-u", "postfix"] if os.geteuid() == 0 else []
    sink = subprocess.Popen(
        [SMTP_SINK, *user, f"127.0.0.1:{port}", "1000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return sink


def smtp_source_rate(port: int, count: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            SMTP_SOURCE,
            "-d",  # one connection for every message
            "-s",
            "1",
            "-m",
            str(count),
            "-l",
            str(MESSAGE_BYTES),
            "-f",
            "bench@conferral.localhost",
            "-t",
            "recipient@example.com",
            f"127.0.0.1:{port}",
        ],
        check=True,
        timeout=SOURCE_TIMEOUT,
    )
    return count / (time.perf_counter() - started)

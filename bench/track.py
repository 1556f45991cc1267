"""Tracking benchmark: recorded opens and clicks per second against nginx serving a GIF.

    python bench/track.py [-n 500] [--seconds 10] [--connections 50] [--postgres]
                          [--workers N]

Creates a certificate with N recipients in a fresh database (its own temporary
CONFERRAL_DATA_DIR; SQLite, or a throwaway PostgreSQL server with --postgres), really
sends them (into the local mailbox), backdates their delivery by an hour (so a
browser's hit is a person's: the heavier path, one event per hit, statuses moved) and
takes the pixel and click URLs from the stored messages. Then, one after another on
127.0.0.1, each under `wrk -t2 -c<connections> -d<seconds>s --latency` with a Lua script
rotating over those URLs (three opens to one click) and a browser's user agent:

- `conferral serve --no-worker` (the production server command, default settings);
- nginx serving a 43-byte GIF for every path (the reference);
- a bare WSGI app answering the GIF under granian with the same options as `conferral
  serve` (a second reference: the server's own cost).

Prints requests/s and p99 for each, the ratios, the CPU seconds each server used per
thousand requests (its process tree, during the run and the drain after it), and, once
the journal is applied, the events recorded against the answers wrk counted: none may be
missing (a few more than answered are requests cut off when wrk stopped)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

DRAIN_WAIT = 60.0
"""Seconds to wait after a run for the drainer to apply its hits."""

ROOT = Path(__file__).resolve().parent.parent
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)
WARM_UP_SECONDS = 3
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
BARE_APP = f"""
GIF = {GIF!r}
HEADERS = [("Content-Type", "image/gif"), ("Content-Length", str(len(GIF)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [GIF]
"""
NGINX_CONF = """
daemon off;
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {dir};
        location / {{
            default_type image/gif;
            add_header Cache-Control "no-store";
            try_files /pixel.gif =404;
        }}
    }}
}}
"""
LUA = """
paths = {{ {paths} }}
i = 0
wrk.headers["User-Agent"] = "{agent}"
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
"""


@dataclass
class Run:
    rate: float
    p99_ms: float
    requests: int
    errors: int
    late: int
    cpu_per_1000: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}: {' '.join(proc.args)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a running process and all its descendants (Linux)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def wrk(
    port: int, script: Path, seconds: int, connections: int
) -> tuple[float, float, int, int, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p99, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99_ms = float(p99) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad[1]) if bad else 0
    late = re.search(r"Socket errors: .*timeout (\d+)", out)
    # A request unanswered after wrk's 2 s is left out of its latencies: counted here.
    return rate, p99_ms, requests, errors, int(late[1]) if late else 0


def measure(
    command: list[str],
    env: dict[str, str],
    port: int,
    script: Path,
    args: argparse.Namespace,
    settle: Callable[[int], None] | None = None,
) -> Run:
    proc = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        wait_for_port(port, proc)
        # Every worker up and warm; what it records is counted before the measured run.
        warm = wrk(port, script, WARM_UP_SECONDS, args.connections)[2]
        if settle is not None:
            settle(warm)
        before = tree_cpu(proc.pid)
        rate, p99, requests, errors, late = wrk(port, script, args.seconds, args.connections)
        if settle is not None:
            settle(requests)  # the drainer's work is part of each hit's cost
        cpu = tree_cpu(proc.pid) - before
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return Run(rate, p99, requests, errors, late, 1000 * cpu / max(1, requests))


def setup(count: int) -> list[str]:
    """N recipients sent into the local mailbox; their tracking paths, from the mail."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from conferral.accounts.services import organization_get_or_create
    from conferral.certificates.models import Recipient
    from conferral.certificates.services import RawRow, certificate_create, recipients_add
    from conferral.delivery.models import MailboxMessage
    from conferral.delivery.services import certificate_send
    from conferral.delivery.worker import run_worker

    call_command("migrate", interactive=False, verbosity=0)
    organization = organization_get_or_create(name="Tracking Bench")
    certificate = certificate_create(organization=organization, name="Fast Pixels")
    rows = (RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(count))
    recipients_add(certificate=certificate, rows=rows, keep=False)
    certificate_send(certificate=certificate)
    run_worker(burst=True, verbosity=0)
    an_hour_ago = timezone.now() - timezone.timedelta(hours=1)
    Recipient.objects.filter(certificate=certificate).update(delivered_at=an_hour_ago)
    # The pixel, and the button's link (each message's link 1; its other links and the
    # honeypot are left out).
    found = re.compile(rb"/t/(?:o/[\w-]+/[\w-]+\.gif|c/[\w-]+/1/[\w-]+)")
    opens: list[str] = []
    clicks: list[str] = []
    for raw in MailboxMessage.objects.values_list("raw", flat=True):
        text = bytes(raw).replace(b"=\r\n", b"").replace(b"=\n", b"")
        paths = sorted({m.decode() for m in found.findall(text)})
        opens += [p for p in paths if p.startswith("/t/o/")]
        clicks += [p for p in paths if p.startswith("/t/c/")]
    connections.close_all()
    if len(opens) != count or len(clicks) != count:
        raise SystemExit(f"found {len(opens)} pixels and {len(clicks)} links in {count} messages")
    mixed = []
    for index, click in enumerate(clicks):
        mixed += [opens[index], opens[(index + 1) % count], opens[(index + 2) % count], click]
    return mixed


def recorded() -> int:
    from django.db import connections

    from conferral.certificates.models import Event, EventType

    connections.close_all()
    opened = Event.objects.filter(type=EventType.EMAIL_OPENED)
    inferred = opened.filter(detail__inferred=True).count()  # a click's, not a pixel's
    return opened.count() - inferred + Event.objects.filter(type=EventType.EMAIL_CLICKED).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--recipients", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--workers", type=int, help="web processes (serve's default: per core)")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: run scripts/install-deps")
    workdir = Path(tempfile.mkdtemp(prefix="conferral-track-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, True)
        sys.path.insert(0, str(ROOT))
        if args.postgres:
            from conferral.testing.servers import postgres_server

            os.environ["CONFERRAL_DATABASE_URL"] = stack.enter_context(postgres_server()).url
        port = free_port()
        os.environ.update(
            CONFERRAL_DATA_DIR=str(workdir / "data"),
            CONFERRAL_BASE_URL=f"http://127.0.0.1:{port}",
            DJANGO_SETTINGS_MODULE="conferral.settings",
        )
        paths = setup(args.recipients)
        script = workdir / "rotate.lua"
        script.write_text(LUA.format(paths=", ".join(f'"{p}"' for p in paths), agent=BROWSER))
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        from conferral.cli.server import server_command

        serve = [sys.executable, "-m", "conferral.cli", "serve", "--port", str(port), "--no-worker"]
        if args.workers:
            serve += ["--workers", str(args.workers)]
        totals: list[float] = []

        def drained(answered: int) -> None:
            """Wait (at most DRAIN_WAIT seconds) for the running server's drainer to
            apply the run's hits, and a moment more for any cut off when wrk stopped;
            after the warm-up that count is the baseline. At full load the drainer gets
            less than a core and applies the journal's backlog after the run (it took
            10 s after a run of 6,275 hits/s): a hit still missing after DRAIN_WAIT is
            lost, one applied late is not, and how late is printed."""
            started = time.monotonic()
            goal = (totals[0] if totals else 0) + answered
            total, previous = recorded(), -1
            while time.monotonic() - started < DRAIN_WAIT and (total < goal or total != previous):
                time.sleep(0.2)
                total, previous = recorded(), total
            totals.extend([total, time.monotonic() - started])

        conferral = measure(serve, env, port, script, args, settle=drained)
        total, drain_seconds = int(totals[2] - totals[0]), totals[3]

        (workdir / "pixel.gif").write_bytes(GIF)
        workdir.chmod(0o755)  # nginx's workers run as another user
        nginx_port = free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=workdir, port=nginx_port))
        nginx = measure(["nginx", "-c", str(conf)], env, nginx_port, script, args)

        (workdir / "bare.py").write_text(BARE_APP)
        bare_port = free_port()
        bare_command = server_command("127.0.0.1", bare_port, os.cpu_count() or 1)
        bare_command[-1] = "bare:application"
        bare = measure(bare_command, dict(env, PYTHONPATH=str(workdir)), bare_port, script, args)

    database = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{args.recipients} recipients, {database}, wrk -t2 -c{args.connections} "
        f"-d{args.seconds}s, 3 opens : 1 click, {os.cpu_count()} cores"
    )
    print(
        f"{'server':<20}{'req/s':>8}{'p99 ms':>8}{'>2 s':>6}{'CPU s/1000':>12}{'non-2xx/3xx':>13}"
    )
    for name, run in (
        ("conferral serve", conferral),
        ("nginx (GIF)", nginx),
        ("bare WSGI/granian", bare),
    ):
        print(
            f"{name:<20}{run.rate:>8.0f}{run.p99_ms:>8.1f}{run.late:>6}"
            f"{run.cpu_per_1000:>12.3f}{run.errors:>13}"
        )
    print(
        f"ratio to nginx: {conferral.rate / nginx.rate:.3f}; to bare WSGI: "
        f"{conferral.rate / bare.rate:.3f}"
    )
    missing = conferral.requests - total
    print(
        f"answered {conferral.requests}, recorded {total} "
        f"({'none lost' if missing <= 0 else f'{missing} MISSING'}), all applied "
        f"{drain_seconds:.2f} s after wrk stopped"
    )


if __name__ == "__main__":
    main()

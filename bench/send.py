"""Sending benchmark: Conferral's real pipeline against raw smtp-source.

    python bench/send.py [-n 10000] [--no-rss]

Starts Postfix's smtp-sink on 127.0.0.1, measures raw `smtp-source` into it (the same
number of messages over one connection), then creates a certificate with N personalised
recipients in a fresh database (its own temporary CONFERRAL_DATA_DIR; SQLite unless
CONFERRAL_DATABASE_URL is set) and runs the real pipeline into the same sink:
`certificate_send` and the `deliver` task exactly as a worker runs them, every status and
event recorded. Prints emails/s for both and their ratio, checks that all N recipients are
`delivered`, and prints the sending process's peak RSS; with --rss (the default) it also
runs 100,000 recipients to show that memory stays flat as the list grows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMTP_SINK = "/usr/sbin/smtp-sink"
SMTP_SOURCE = "/usr/sbin/smtp-source"
RSS_SIZES = (10_000, 100_000)
MESSAGE_BYTES = 5000  # about the size of one of our personalised messages
STEP_TIMEOUT = 1800


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
        timeout=STEP_TIMEOUT,
    )
    return count / (time.perf_counter() - started)


def child_env(data_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CONFERRAL_DATA_DIR=str(data_dir),
        CONFERRAL_EMAIL_URL=f"smtp://127.0.0.1:{port}",
        CONFERRAL_TASKS="db",
        DJANGO_SETTINGS_MODULE="conferral.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def step(name: str, env: dict[str, str], *args: str) -> dict[str, float]:
    """Run one step in a fresh process (so its peak RSS is its own) and read its JSON."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), f"--step={name}", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        check=True,
        timeout=STEP_TIMEOUT,
    )
    data: dict[str, float] = json.loads(result.stdout.decode().strip().splitlines()[-1])
    return data


def run_pipeline(count: int, port: int) -> dict[str, float]:
    data_dir = Path(tempfile.mkdtemp(prefix="conferral-bench-"))
    try:
        env = child_env(data_dir, port)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=STEP_TIMEOUT,
        )
        setup = step("setup", env, str(count))
        certificate = str(int(setup["certificate"]))
        send = step("send", env, certificate)
        result = step("worker", env, certificate)
        result.update(
            queued=send["queued"],
            queue_seconds=send["seconds"],
            deliver_seconds=result["seconds"],
            seconds=send["seconds"] + result["seconds"],
        )
        return result
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


# Steps, each run in its own process by `step`.


def django_setup() -> None:
    import django

    django.setup()


def step_setup(count: int) -> dict[str, float]:
    django_setup()
    from conferral.accounts.services import organization_get_or_create
    from conferral.certificates.services import RawRow, certificate_create, recipients_add

    first = ["Jürgen", "Åsa", "王", "Eve", "Zoë", "Łukasz", "Ana", "Omar"]
    last = ["Müller-Łukasz", "Øberg", "小明", "Smith", "O'Brien", "Nowak", "Silva", "Haddad"]
    started = time.perf_counter()
    organization = organization_get_or_create(name="Bench Academy")
    certificate = certificate_create(organization=organization, name="Benchmark Certificate")
    rows = (
        RawRow(i, f"{first[i % 8]} {last[(i // 8) % 8]} {i}", f"person{i}@example.com")
        for i in range(1, count + 1)
    )
    recipients_add(certificate=certificate, rows=rows, keep=False)
    return {"certificate": certificate.pk, "seconds": time.perf_counter() - started}


def step_send(certificate_id: int) -> dict[str, float]:
    django_setup()
    from conferral.certificates.models import Certificate
    from conferral.delivery.services import certificate_send

    certificate = Certificate.objects.get(pk=certificate_id)
    started = time.perf_counter()
    queued = certificate_send(certificate=certificate)
    return {"queued": queued, "seconds": time.perf_counter() - started}


def step_worker(certificate_id: int) -> dict[str, float]:
    """A worker process as `conferral worker --burst` runs it: the Tasks backend's worker
    (django-tasks-db here) runs the deliver tasks certificate_send enqueued."""
    import resource

    django_setup()
    from conferral.certificates.models import Event, EventType, Recipient
    from conferral.certificates.status import EmailStatus
    from conferral.delivery.worker import run_worker

    started = time.perf_counter()
    cpu_started = time.process_time()
    run_worker(burst=True, verbosity=0)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    recipients = Recipient.objects.filter(certificate_id=certificate_id)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "delivered": recipients.filter(email_status=EmailStatus.DELIVERED).count(),
        "recipients": recipients.count(),
        "delivered_events": Event.objects.filter(
            certificate_id=certificate_id, type=EventType.EMAIL_DELIVERED
        ).count(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def print_run(label: str, result: dict[str, float]) -> None:
    rate = result["queued"] / result["seconds"]
    print(
        f"{label}: {int(result['queued']):,} emails in {result['seconds']:.2f} s "
        f"(queue {result['queue_seconds']:.2f} s + deliver {result['deliver_seconds']:.2f} s) "
        f"= {rate:,.0f} emails/s; the worker used {result['cpu_seconds']:.2f} s of CPU "
        f"({result['cpu_seconds'] / result['queued'] * 1e6:,.0f} µs a message); "
        f"peak RSS of the worker {result['peak_rss_mb']:.0f} MB"
    )


def check(result: dict[str, float], count: int) -> None:
    if not (result["delivered"] == result["recipients"] == result["delivered_events"] == count):
        raise SystemExit(f"not every recipient was delivered: {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="recipients (default 10,000)")
    parser.add_argument(
        "--rss",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also send to 100,000 recipients to show peak RSS stays flat (default: on)",
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.step == "setup":
        print(json.dumps(step_setup(int(options.args[0]))))
        return
    if options.step == "send":
        print(json.dumps(step_send(int(options.args[0]))))
        return
    if options.step == "worker":
        print(json.dumps(step_worker(int(options.args[0]))))
        return

    database = os.environ.get("CONFERRAL_DATABASE_URL", "")
    print(
        "Database:",
        re.sub(r"//[^@/]*@", "//***@", database) if database else "SQLite (a fresh file)",
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Machine: {os.cpu_count()} CPUs, load average {load} (other work skews the figures)")
    port = free_port()
    sink = start_sink(port)
    try:
        raw = smtp_source_rate(port, options.n)
        print(f"smtp-source: {options.n:,} messages over one connection = {raw:,.0f} messages/s")
        result = run_pipeline(options.n, port)
        check(result, options.n)
        print_run("Conferral", result)
        rate = result["queued"] / result["seconds"]
        print(f"Ratio: Conferral reaches {rate / raw:.0%} of raw smtp-source")
        print(f"All {options.n:,} recipients delivered, each with its delivered event.")
        if options.rss:
            for size in RSS_SIZES:
                sized = result if size == options.n else run_pipeline(size, port)
                check(sized, size)
                print_run(f"Peak RSS at {size:,} recipients", sized)
    finally:
        sink.terminate()
        sink.wait(10)


if __name__ == "__main__":
    main()

"""Sending benchmark: Conferral's real pipeline against raw smtp-source.

    python bench/send.py [-n 10000] [--workers N] [--postgres] [--api [--runs R]] [--no-rss]

Starts Postfix's smtp-sink on 127.0.0.1, measures raw `smtp-source` into it (the same
number of messages over one connection), then creates a certificate with N personalised
recipients in a fresh database (its own temporary CONFERRAL_DATA_DIR; SQLite unless
CONFERRAL_DATABASE_URL is set; --postgres starts a throwaway PostgreSQL server) and runs
the real pipeline into the same sink: `certificate_send`, then N worker processes
(`--workers`, default 1) running the `deliver` tasks exactly as `conferral worker
--burst` does, every status and event recorded. Prints emails/s for both, their ratio,
and the workers' CPU time a message; checks that all N recipients are `delivered`.
With --rss (the default, one worker) it also sends to 100,000 recipients to show that
the worker's peak RSS stays flat.

--api measures what a user of the HTTP API gets instead: `conferral serve` (granian and
its worker, polling the task queue) on a free port, an API key, the certificate and its
recipients created through the API, then `POST /api/v1/certificates/{id}/send`, timed
until every recipient is delivered; R runs (a new certificate each), counting every
answer that is not a 2xx as a failure. The same-run pipeline figure above is its
reference.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from api_client import Api, delivered_count
from sink import free_port, smtp_source_rate, start_sink, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
RSS_SIZES = (10_000, 100_000)
STEP_TIMEOUT = 600
API_WAIT_SECONDS = 300  # longest wait for one --api run's recipients to be delivered
API_CHUNK = 10_000  # recipients a POST (the API's limit)


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


# --postgres: the throwaway server's URL; each run gets a database of its own on it.
postgres_url = ""


def fresh_database(env: dict[str, str]) -> None:
    if postgres_url:
        import psycopg

        name = f"bench_{os.getpid()}_{time.time_ns()}"
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(postgres_url)
        env["CONFERRAL_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=STEP_TIMEOUT,
    )


def run_pipeline(count: int, port: int, workers: int = 1) -> dict[str, float]:
    data_dir = Path(tempfile.mkdtemp(prefix="conferral-bench-"))
    try:
        env = child_env(data_dir, port)
        fresh_database(env)
        setup = step("setup", env, str(count))
        certificate = str(int(setup["certificate"]))
        send = step("send", env, certificate)
        processes = [
            subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--step=worker", certificate],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
            )
            for _ in range(workers)
        ]
        results = []
        try:
            for process in processes:
                out, _err = process.communicate(timeout=STEP_TIMEOUT)
                if process.returncode != 0:
                    raise SystemExit(f"a worker failed with exit code {process.returncode}")
                results.append(json.loads(out.decode().strip().splitlines()[-1]))
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait(10)
        # From the first worker's start to the last one's end, each after its imports.
        deliver_seconds = max(r["ended"] for r in results) - min(r["started"] for r in results)
        result = step("count", env, certificate)
        result.update(
            queued=send["queued"],
            queue_seconds=send["seconds"],
            deliver_seconds=deliver_seconds,
            seconds=send["seconds"] + deliver_seconds,
            cpu_seconds=sum(r["cpu_seconds"] for r in results),
            peak_rss_mb=max(r["peak_rss_mb"] for r in results),
            workers=workers,
        )
        return result
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run_api(count: int, port: int, runs: int) -> tuple[list[float], list[str]]:
    """Each run's emails/s from the POST until everyone is delivered, and the failures."""
    data_dir = Path(tempfile.mkdtemp(prefix="conferral-bench-api-"))
    web_port = free_port()
    server: subprocess.Popen[bytes] | None = None
    try:
        env = child_env(data_dir, port)
        fresh_database(env)
        key = step("apikey", env)["key"]
        server = subprocess.Popen(
            [sys.executable, "-m", "conferral.cli", "serve", "--port", str(web_port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(data_dir / "serve.log", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        wait_for_port(web_port, timeout=60)
        api = Api(web_port, str(key))
        rates = []
        for run in range(runs):
            made = api.call(
                "POST", "/certificates", {"name": f"Bench {run}", "kind": "certificate"}
            )
            if not isinstance(made, dict):
                break
            certificate = str(made["id"])
            for start in range(0, count, API_CHUNK):
                rows = [
                    {"name": f"Person {i}", "email": f"person{i}@example.com"}
                    for i in range(start, min(count, start + API_CHUNK))
                ]
                api.call("POST", f"/certificates/{certificate}/recipients", {"recipients": rows})
            started = time.perf_counter()
            sent = api.call("POST", f"/certificates/{certificate}/send")
            if not isinstance(sent, dict):
                continue
            deadline = started + API_WAIT_SECONDS
            while delivered_count(env, certificate) < count:
                if time.perf_counter() > deadline:
                    api.failures.append(f"run {run}: not every recipient delivered in time")
                    break
                time.sleep(0.05)
            else:
                rates.append(count / (time.perf_counter() - started))
        return rates, api.failures
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)
        log = data_dir / "serve.log"
        if log.exists() and "Traceback" in log.read_text(errors="replace"):
            print("The server logged errors:\n" + log.read_text(errors="replace")[-3000:])
        shutil.rmtree(data_dir, ignore_errors=True)


# Steps, each run in its own process by `step`.


def django_setup() -> None:
    """Django set up and warmed as a worker or web process is at start."""
    import django

    django.setup()
    from conferral.core.warm import warm_up

    warm_up()


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


def step_apikey() -> dict[str, str]:
    django_setup()
    from conferral.accounts.services import apikey_create, organization_get_or_create

    organization = organization_get_or_create(name="Bench Academy")
    return {"key": apikey_create(organization=organization, name="bench")}


def step_send(certificate_id: int) -> dict[str, float]:
    django_setup()
    from conferral.certificates.models import Certificate
    from conferral.delivery.services import certificate_send

    certificate = Certificate.objects.get(pk=certificate_id)
    started = time.perf_counter()
    queued = certificate_send(certificate=certificate).queued
    return {"queued": queued, "seconds": time.perf_counter() - started}


def step_worker(certificate_id: int) -> dict[str, float]:
    """A worker process as `conferral worker --burst` runs it: the Tasks backend's worker
    (django-tasks-db here) runs the deliver tasks certificate_send enqueued."""
    import resource

    django_setup()
    from conferral.delivery.worker import run_worker

    started = time.time()
    cpu_started = time.process_time()
    run_worker(burst=True, verbosity=0)
    return {
        "started": started,
        "ended": time.time(),
        "cpu_seconds": time.process_time() - cpu_started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def step_count(certificate_id: int) -> dict[str, float]:
    django_setup()
    from conferral.certificates.models import Event, EventType, Recipient
    from conferral.certificates.status import EmailStatus

    recipients = Recipient.objects.filter(certificate_id=certificate_id)
    return {
        "delivered": recipients.filter(email_status=EmailStatus.DELIVERED).count(),
        "recipients": recipients.count(),
        "delivered_events": Event.objects.filter(
            certificate_id=certificate_id, type=EventType.EMAIL_DELIVERED
        ).count(),
    }


def print_run(label: str, result: dict[str, float]) -> None:
    rate = result["queued"] / result["seconds"]
    print(
        f"{label}: {int(result['queued']):,} emails in {result['seconds']:.2f} s "
        f"(queue {result['queue_seconds']:.2f} s + deliver {result['deliver_seconds']:.2f} s) "
        f"= {rate:,.0f} emails/s; {int(result['workers'])} worker(s) used "
        f"{result['cpu_seconds']:.2f} s of CPU "
        f"({result['cpu_seconds'] / result['queued'] * 1e6:,.0f} µs a message); "
        f"peak RSS of a worker {result['peak_rss_mb']:.0f} MB"
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
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--api", action="store_true", help="also send through the HTTP API (conferral serve)"
    )
    parser.add_argument("--runs", type=int, default=3, help="--api runs (default 3)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="on a throwaway PostgreSQL server (conferral.testing.servers)",
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
    if options.step == "count":
        print(json.dumps(step_count(int(options.args[0]))))
        return
    if options.step == "apikey":
        print(json.dumps(step_apikey()))
        return
    if options.workers < 1 or options.runs < 1 or options.n < 1:
        parser.error("-n, --workers and --runs must be at least 1")

    with contextlib.ExitStack() as stack:
        if options.postgres:
            global postgres_url
            sys.path.insert(0, str(ROOT))
            from conferral.testing.servers import postgres_server

            postgres_url = stack.enter_context(postgres_server()).url
            database = "PostgreSQL (a throwaway server, a fresh database a run)"
        else:
            url = os.environ.get("CONFERRAL_DATABASE_URL", "")
            database = re.sub(r"//[^@/]*@", "//***@", url) if url else "SQLite (a fresh file)"
        print("Database:", database)
        bench(options)


def bench(options: argparse.Namespace) -> None:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Machine: {os.cpu_count()} CPUs, load average {load} (other work skews the figures)")
    port = free_port()
    sink = start_sink(port)
    try:
        raw = smtp_source_rate(port, options.n)
        print(f"smtp-source: {options.n:,} messages over one connection = {raw:,.0f} messages/s")
        result = run_pipeline(options.n, port, options.workers)
        check(result, options.n)
        print_run("Conferral", result)
        rate = result["queued"] / result["seconds"]
        print(f"Ratio: Conferral reaches {rate / raw:.0%} of raw smtp-source")
        print(f"All {options.n:,} recipients delivered, each with its delivered event.")
        if options.api:
            rates, failures = run_api(options.n, port, options.runs)
            for failure in failures:
                print("API failure:", failure)
            if rates:
                best = max(rates)
                print(
                    f"API: {len(rates)} of {options.runs} runs delivered every recipient, "
                    f"{', '.join(f'{r:,.0f}' for r in rates)} emails/s from the POST; the best "
                    f"is {best / rate:.0%} of the pipeline above, {best / raw:.0%} of smtp-source"
                )
            print(f"API failures: {len(failures)}")
        if options.rss and options.workers == 1:
            for size in RSS_SIZES:
                sized = result if size == options.n else run_pipeline(size, port)
                check(sized, size)
                print_run(f"Peak RSS at {size:,} recipients", sized)
    finally:
        sink.terminate()
        sink.wait(10)


if __name__ == "__main__":
    main()

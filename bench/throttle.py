"""Benchmark: what the rate limits cost and what they save.

1. The cost, in one process on a throwaway database: the median time of a limit's look
   (`throttle_check`) and count (`throttle_hit`), of a refused (429) claim and of an
   unthrottled request (the /claim page), all through Django's test client.
2. A wrong-login flood against real servers (`conferral serve` on 127.0.0.1, production
   password hashing): the median time of a normal page (/claim) while idle and while
   FLOODERS parallel loops post wrong passwords, first with the sign-in limits off, then
   with the default limits. The flood runs S seconds and the page is timed in their
   second half (by then the default per-address limit of 30 failures is used up), then
   the loops stop and the server with them.

    .venv/bin/python bench/throttle.py [--repeat R] [--seconds S]"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from common import throwaway_django

from conferral.testing.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
FLOODERS = 6
PASSWORD = "bench password 1"
EMAIL = "bench@example.com"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
START_SECONDS = 120


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def cost(repeat: int) -> None:
    with throwaway_django("conferral-bench-throttle-"):
        from django.test import Client

        from conferral.core.throttle import Limit, throttle_check, throttle_hit

        # Every 429 is a warning of django.request: hundreds of them here.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        limit = Limit(name="bench", rate=10**9, window=3600)
        client = Client(HTTP_HOST="127.0.0.1")
        for n in range(25):  # more misses than claim_address allows: 429 from here on
            client.post("/claim", {"token": f"WRONG-{n}"})
        refused = client.post("/claim", {"token": "WRONG"})
        assert refused.status_code == 429, refused.status_code
        page = _median_ms(lambda: client.get("/claim"), repeat)
        look = _median_ms(lambda: throttle_check(limit, "203.0.113.7"), repeat)
        count = _median_ms(lambda: throttle_hit(limit, "203.0.113.7"), repeat)
        throttled = _median_ms(lambda: client.post("/claim", {"token": "WRONG"}), repeat)
        print(f"unthrottled request (GET /claim):   {page:.2f} ms")
        print(f"a limit's look (throttle_check):     {look:.2f} ms")
        print(f"a limit's count (throttle_hit):      {count:.2f} ms")
        print(f"a refused claim (429):               {throttled:.2f} ms")


def _run(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "conferral.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextlib.contextmanager
def _server(limits_on: bool) -> Iterator[str]:
    """A migrated server with one account; its base URL. Stopped and removed after."""
    workdir = Path(tempfile.mkdtemp(prefix="conferral-bench-throttle-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFERRAL_")}
    env["CONFERRAL_DATA_DIR"] = str(workdir)
    if not limits_on:
        env["CONFERRAL_THROTTLE_LOGIN_ADDRESS"] = "off"
        env["CONFERRAL_THROTTLE_LOGIN_ACCOUNT"] = "off"
    _run(env, "migrate")
    _run(env, "user", "create", "--email", EMAIL, "--org", "Bench", "--password", PASSWORD)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "conferral.cli", "serve", "--no-worker", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/claim", timeout=5):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.25)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def _status(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None) -> int:
    try:
        with opener.open(url, data=data, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _flood(base: str, stop: threading.Event, statuses: list[int]) -> None:
    """Wrong passwords for the bench account, as fast as the server answers."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{base}/login/", timeout=30) as response:
        token = CSRF_INPUT.search(response.read().decode())
    assert token is not None
    n = 0
    while not stop.is_set():
        n += 1
        form = {"csrfmiddlewaretoken": token.group(1), "username": EMAIL, "password": f"x{n}"}
        statuses.append(_status(opener, f"{base}/login/", urllib.parse.urlencode(form).encode()))


def _page_ms(base: str, seconds: float) -> float:
    opener = urllib.request.build_opener()
    samples = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        assert _status(opener, f"{base}/claim") == 200
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    return statistics.median(samples)


def flood(seconds: float) -> None:
    for limits_on in (False, True):
        with _server(limits_on) as base:
            idle = _page_ms(base, seconds / 4)
            stop = threading.Event()
            statuses: list[int] = []
            loops = [
                threading.Thread(target=_flood, args=(base, stop, statuses))
                for _ in range(FLOODERS)
            ]
            for loop in loops:
                loop.start()
            try:
                time.sleep(seconds / 2)
                busy = _page_ms(base, seconds / 2)
            finally:
                stop.set()
                for loop in loops:
                    loop.join(timeout=60)
        label = "default sign-in limits" if limits_on else "sign-in limits off"
        hashed = len(statuses) - statuses.count(429)
        print(
            f"{label}: /claim {idle:.1f} ms idle, {busy:.1f} ms during {FLOODERS} "
            f"wrong-login loops ({len(statuses)} attempts, {hashed} of them hashed)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=40.0)
    args = parser.parse_args()
    cost(args.repeat)
    flood(args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

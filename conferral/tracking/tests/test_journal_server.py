"""Opens and clicks against the real production server (granian, `server_command`) on
127.0.0.1, the database the embedded default (SQLite in a data directory of the test's
own): an answered hit is a recorded hit, even when the server is SIGKILLed right after
answering; a dead writer's torn last line is left out; a forged signature or an unknown
recipient records nothing; one recipient's hits are applied in the order they came.
The tests that use a recipient of their own share one `conferral serve`."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conferral.cli.server import server_command
from conferral.testing.servers import free_port
from conferral.testing.workers import ROOT, wait_until

pytestmark = pytest.mark.distributed

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
HITS = 40

SETUP = """
import datetime as dt, json, sys
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from conferral.accounts.services import organization_get_or_create
from conferral.certificates.models import Recipient
from conferral.certificates.services import RawRow, certificate_create, recipients_add
from conferral.tracking.links import click_url, open_pixel_url
call_command("migrate", interactive=False, verbosity=0)
certificate = certificate_create(
    organization=organization_get_or_create(name="Journal Academy"), name="Kill Nine"
)
rows = [RawRow(i, f"Person {i}", f"p{i}@example.org") for i in range(3)]
people = recipients_add(certificate=certificate, rows=rows).recipients
an_hour_ago = timezone.now() - dt.timedelta(hours=1)
Recipient.objects.update(email_status="delivered", first_sent_at=an_hour_ago,
                         delivered_at=an_hour_ago, sends=1)
from conferral.core import signing
print(json.dumps({
    "people": [[r.public_id, open_pixel_url(r), click_url(r)] for r in people],
    "nobody": signing.sign("open", "NoSuchRecipient0"),
}))
"""


class Template:
    """A migrated data directory with three delivered recipients, made once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("CONFERRAL_") and key != "DJANGO_SETTINGS_MODULE"
        }
        self.env |= {
            "DJANGO_SETTINGS_MODULE": "conferral.settings",
            "PYTHONPATH": str(ROOT),
            "CONFERRAL_DATA_DIR": str(directory),
            "CONFERRAL_BASE_URL": f"http://127.0.0.1:{self.port}",
        }
        made = json.loads(self.python(SETUP))
        self.people: list[list[str]] = made["people"]
        # A valid signature of the pixel for a public id that names nobody.
        self.nobody: str = made["nobody"]

    def python(self, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode().strip().splitlines()[-1]


class Site:
    """A copy of the template's data directory (three delivered recipients), and the
    server on it."""

    def __init__(self, template: Template, directory: Path) -> None:
        shutil.copytree(template.directory, directory)
        self.directory = directory
        self.port = template.port
        self.env = template.env
        self.people = template.people
        self.server: subprocess.Popen[bytes] | None = None
        self.log = directory / "server.log"

    @property
    def journal(self) -> Path:
        return self.directory / "tracking-journal"

    def start(self, command: list[str] | None = None, **settings: str) -> None:
        """Run `command` (by default granian alone, as started by hand: its web process
        drains in a thread) on this data directory."""
        env = self.env | {"CONFERRAL_DATA_DIR": str(self.directory)}
        env |= {f"CONFERRAL_{k}": v for k, v in settings.items()}
        self.server = subprocess.Popen(
            command or server_command("127.0.0.1", self.port, 1),
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        wait_until("the server to answer", lambda: self._answers("/t/o/x/y.gif"))

    def _answers(self, path: str) -> bool:
        try:
            return self.get(path)[0] == 200
        except OSError:
            return False

    def get(self, path: str, agent: str = FIREFOX) -> tuple[int, bytes, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path, headers={"User-Agent": agent})
            response = connection.getresponse()
            return response.status, response.read(), response.getheader("Location") or ""
        finally:
            connection.close()

    def kill(self) -> None:
        """SIGKILL granian and its workers at once: nothing gets to clean up."""
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=10)

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=10)

    def _query(self, sql: str, *params: str) -> list[tuple[object, ...]]:
        """Read the database the way an operator would, past the server."""
        with closing(sqlite3.connect(self.directory / "conferral.sqlite3", timeout=30)) as db:
            return db.execute(sql, params).fetchall()

    def events(self) -> list[list[object]]:
        rows = self._query(
            "SELECT r.public_id, e.type, e.machine, e.detail FROM certificates_event e "
            "JOIN certificates_recipient r ON r.id = e.recipient_id ORDER BY e.id"
        )
        return [
            [public_id, kind, bool(machine), json.loads(str(detail))]
            for public_id, kind, machine, detail in rows
        ]

    def events_of(self, public_id: str) -> list[list[object]]:
        return [event for event in self.events() if event[0] == public_id]

    def person(self, public_id: str) -> tuple[object, ...]:
        (row,) = self._query(
            "SELECT email_status, opened_at, machine_opened_at, clicked_at "
            "FROM certificates_recipient WHERE public_id = ?",
            public_id,
        )
        return row


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return Template(tmp_path_factory.mktemp("template") / "data")


@pytest.fixture
def site(template: Template, tmp_path: Path) -> Iterator[Site]:
    site = Site(template, tmp_path / "data")
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="module")
def served(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One `conferral serve --no-worker` (granian and the drainer process) for the tests
    that each use a recipient of their own."""
    site = Site(template, tmp_path_factory.mktemp("served") / "data")
    serve = [sys.executable, "-m", "conferral.cli", "serve", "--no-worker"]
    site.start([*serve, "--port", str(site.port), "--workers", "1"])
    try:
        yield site
    finally:
        site.stop()


def _path(url: str) -> str:
    return urlsplit(url).path


def test_it_records_every_answered_hit_when_the_server_is_killed_right_after(
    site: Site,
) -> None:
    # The drainers wait an hour: every hit is still only in the journal at the kill.
    site.start(TRACKING_DRAIN_SECONDS="3600")
    answers = []
    for n in range(HITS):
        _public_id, pixel, click = site.people[n % 3]
        answers.append(site.get(_path(click if n % 4 == 3 else pixel))[0])
    site.kill()
    dead = {lock.name for lock in site.journal.glob("*.lock")}

    assert answers == [302 if n % 4 == 3 else 200 for n in range(HITS)]
    assert site.events() == []
    assert list(site.journal.glob("*.log")), "the dead server's segments are left"

    site.start()
    wait_until("the orphaned hits to be applied", lambda: len(_hits(site.events())) == HITS)

    assert len(_hits(site.events())) == HITS
    wait_until(
        "the dead owners' files to go",
        lambda: not dead & {path.name for path in site.journal.iterdir()},
    )


def _hits(events: list[list[object]]) -> list[list[object]]:
    """The events a pixel or a link wrote (not the open a click implies)."""
    return [e for e in events if e[3] != {"inferred": True}]


def test_it_leaves_out_a_dead_writers_torn_last_line(served: Site) -> None:
    public_id, _pixel, _click = served.people[2]
    line = json.dumps(["open", public_id, int(time.time() * 1_000_000), "GET", "", FIREFOX])
    (served.journal / "gone-1-0000.0.log").write_text(f"{line}\n{line}\n{line[:30]}")
    (served.journal / "gone-1-0000.lock").touch()

    wait_until("the dead writer's hits", lambda: len(served.events_of(public_id)) == 2)

    assert [e[:2] for e in served.events_of(public_id)] == [[public_id, "email.opened"]] * 2
    wait_until("its segment to go", lambda: not (served.journal / "gone-1-0000.0.log").exists())
    assert "torn last line" in served.log.read_text()


def test_it_records_nothing_for_a_forged_link_or_an_unknown_recipient(
    template: Template, served: Site
) -> None:
    public_id, pixel, _click = served.people[0]
    forged_pixel = served.get(f"/t/o/{public_id}/AAAAAAAAAAAAAAAA.gif")
    forged_click = served.get(f"/t/c/{public_id}/AAAAAAAAAAAAAAAA?next=https://evil.example/")
    unknown = served.get(f"/t/o/NoSuchRecipient0/{template.nobody}.gif")
    # Something recorded after them shows that the drainer has run past them.
    served.get(_path(pixel))
    wait_until("the last open", lambda: len(served.events_of(public_id)) == 1)

    assert forged_pixel[:2] == unknown[:2] == (200, served.get("/t/o/x/y.gif")[1])
    assert forged_click[0] == 404
    assert "evil.example" not in forged_click[1].decode()
    assert not forged_click[2]
    assert served.events_of(public_id) == [[public_id, "email.opened", False, {}]]
    assert not [e for e in served.events() if e[0] == "NoSuchRecipient0"]


def test_it_applies_one_recipients_hits_in_the_order_they_came(served: Site) -> None:
    public_id, pixel, click = served.people[1]
    statuses = [served.get(_path(pixel), agent="Mozilla/5.0")[0] for _ in range(3)]
    statuses += [served.get(_path(pixel))[0] for _ in range(2)]
    statuses.append(served.get(_path(click))[0])
    wait_until("all six hits", lambda: len(served.events_of(public_id)) == 4)

    assert statuses == [200] * 5 + [302]
    events = served.events_of(public_id)
    assert [(e[1], e[2], e[3]) for e in events] == [
        ("email.opened", True, _folded(events[0], 3)),
        ("email.opened", False, {}),
        ("email.opened", False, {}),
        ("email.clicked", False, {"link": 1}),
    ]
    status, opened_at, machine_opened_at, clicked_at = served.person(public_id)
    assert status == "clicked"
    assert str(machine_opened_at) < str(opened_at) < str(clicked_at)


def _folded(event: list[object], count: int) -> object:
    """The detail of a machine open that `count` hits were counted into."""
    detail = event[3]
    assert isinstance(detail, dict)
    assert detail["count"] == count
    assert detail["machine_reason"] == "image_proxy"
    return detail

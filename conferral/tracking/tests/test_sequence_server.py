"""The numbered links and the honeypot through the production server (`conferral serve`
on 127.0.0.1, its fast path, journal and drainer process), as the journal's own tests
run it: a link's number survives the journal, a honeypot hit turns the client's
earlier open and click machine-made and flags a later click, and a forged honeypot or
a link with another link's signature records nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conferral.testing.workers import wait_until
from conferral.tracking.tests.test_journal_server import Site, Template

pytestmark = pytest.mark.distributed

Urls = dict[str, dict[str, Any]]  # by public id: its pixel, links and honeypot

URLS = """
import json
import django
django.setup()
from conferral.certificates.models import Recipient
from conferral.tracking.links import Link, click_url, honeypot_url, open_pixel_url
print(json.dumps({
    r.public_id: {
        "pixel": open_pixel_url(r),
        "links": [click_url(r, link) for link in Link],
        "honeypot": honeypot_url(r),
    }
    for r in Recipient.objects.all()
}))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Urls]]:
    template = Template(tmp_path_factory.mktemp("template") / "data")
    urls = json.loads(template.python(URLS))
    site = Site(template, tmp_path_factory.mktemp("served") / "data")
    serve = [sys.executable, "-m", "conferral.cli", "serve", "--no-worker"]
    site.start([*serve, "--port", str(site.port), "--workers", "1"])
    try:
        yield site, urls
    finally:
        site.stop()


def _path(url: str) -> str:
    return urlsplit(url).path


def _recipient(site: Site, public_id: str) -> tuple[object, ...]:
    (row,) = site._query(
        "SELECT email_status, opened_at, clicked_at, machine_opened_at, machine_clicked_at "
        "FROM certificates_recipient WHERE public_id = ?",
        public_id,
    )
    return row


def test_it_applies_a_honeypot_hit_to_the_clients_hits_around_it(
    site: tuple[Site, Urls],
) -> None:
    served, urls = site
    public_id = served.people[0][0]
    mine = urls[public_id]
    _button, address, text = mine["links"]

    answers = [served.get(_path(mine["pixel"]))[0], served.get(_path(address))[0]]
    wait_until("the person's open and click", lambda: len(served.events_of(public_id)) == 2)
    assert _recipient(served, public_id)[0] == "clicked"
    trap = served.get(_path(mine["honeypot"]))
    answers.append(served.get(_path(text))[0])
    wait_until("all four hits", lambda: len(served.events_of(public_id)) == 4)

    assert answers == [200, 302, 302]
    assert trap[:2] == (204, b"")
    trapped = {"machine_reason": "honeypot"}
    assert [(e[1], e[2], e[3]) for e in served.events_of(public_id)] == [
        ("email.opened", True, trapped),
        ("email.clicked", True, trapped | {"link": 2}),
        ("email.clicked", True, trapped | {"honeypot": True}),
        ("email.clicked", True, trapped | {"link": 3}),
    ]
    status, opened_at, clicked_at, machine_opened_at, machine_clicked_at = _recipient(
        served, public_id
    )
    assert (status, opened_at, clicked_at) == ("delivered", None, None)
    assert machine_opened_at is not None
    assert machine_clicked_at is not None


def test_it_records_nothing_for_a_forged_honeypot_or_a_borrowed_link_signature(
    site: tuple[Site, Urls],
) -> None:
    served, urls = site
    public_id = served.people[1][0]
    mine = urls[public_id]
    button_sig = Path(_path(mine["links"][0])).name

    forged = served.get(f"/t/h/{public_id}/AAAAAAAAAAAAAAAA")
    borrowed = served.get(f"/t/c/{public_id}/2/{button_sig}")
    # Something recorded after them shows that the drainer has run past them.
    served.get(_path(mine["pixel"]))
    wait_until("the last open", lambda: len(served.events_of(public_id)) == 1)

    assert forged[0] == borrowed[0] == 404
    assert not borrowed[2]
    assert served.events_of(public_id) == [[public_id, "email.opened", False, {}]]
    assert _recipient(served, public_id)[0] == "opened"

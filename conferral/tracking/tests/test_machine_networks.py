"""The published address ranges: their dated files, the look-up, and the updater run
against a local HTTP server that serves each source's format."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conferral.tracking.machine_networks import NETWORKS_DIR, address_ranges, network_file

ROOT = Path(__file__).resolve().parents[3]
UPDATER = ROOT / "scripts" / "update_networks.py"
NAMES = sorted(path.stem for path in NETWORKS_DIR.glob("*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_it_keeps_each_list_with_its_source_and_date(name: str) -> None:
    data = network_file(name)

    assert data["what"]
    assert data["sources"]
    assert all(url.startswith("https://") for url in data["sources"])
    assert data["format"] in ("rdap", "google", "microsoft-endpoints")
    if data["networks"]:
        dt.date.fromisoformat(data["taken"])
    else:
        # A list that could not be taken says so instead of inventing ranges.
        assert data["taken"] is None
        assert data["missing"]
    address_ranges(name, data["networks"])


def test_it_ships_apples_and_microsofts_ranges_in_both_ip_versions() -> None:
    apple = network_file("apple")["networks"]
    protection = network_file("microsoft-eop")["networks"]

    assert {"17.0.0.0/8", "2620:149::/32", "2a01:b740::/32"} <= set(apple)
    assert {"40.107.0.0/16", "2a01:111:f400::/48", "2a01:111:f403::/48"} <= set(protection)


def test_it_finds_an_address_at_either_end_of_a_range_and_not_beyond() -> None:
    ranges = address_ranges(
        "test", ["10.0.0.0/24", "10.0.0.128/25", "10.0.1.0/24", "2001:db8::/32"]
    )

    assert "10.0.0.0" in ranges
    assert "10.0.1.255" in ranges  # merged with the one before
    assert "10.0.2.0" not in ranges
    assert "9.255.255.255" not in ranges
    assert "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" in ranges
    assert "2001:db9::" not in ranges
    assert "::ffff:10.0.0.7" in ranges  # an IPv4 client seen through an IPv6 socket
    assert ranges.starts[4] == [int.from_bytes(bytes([10, 0, 0, 0]), "big")]


@pytest.mark.parametrize("address", ["", "nonsense", "10.0.0.300", "2001:db8::g"])
def test_it_finds_no_malformed_address(address: str) -> None:
    assert address not in address_ranges("test", ["0.0.0.0/0", "::/0"])


def test_it_refuses_a_malformed_network_and_names_the_list() -> None:
    with pytest.raises(ValueError, match=r"test: not a network: '10\.0\.0\.0/33'"):
        address_ranges("test", ["10.0.0.0/8", "10.0.0.0/33"])


FIXTURES: dict[str, object] = {
    # RDAP answers (RFC 9083 with the RIRs' cidr0 extension).
    "/rdap.arin.net/registry/ip/17.0.0.0": {
        "objectClassName": "ip network",
        "startAddress": "17.0.0.0",
        "endAddress": "17.255.255.255",
        "ipVersion": "v4",
        "name": "APPLE-WWNET",
        "cidr0_cidrs": [{"v4prefix": "17.0.0.0", "length": 8}],
    },
    "/rdap.arin.net/registry/ip/2620:149::": {
        "objectClassName": "ip network",
        "ipVersion": "v6",
        "cidr0_cidrs": [{"v6prefix": "2620:149::", "length": 32}],
    },
    "/rdap.db.ripe.net/ip/2a01:b740::": {
        "objectClassName": "ip network",
        "ipVersion": "v6",
        "cidr0_cidrs": [{"v6prefix": "2a01:b740::", "length": 32}],
    },
    # Microsoft 365's endpoint list: only Exchange Online Protection's entry counts.
    "/endpoints.office.com/endpoints/worldwide": [
        {
            "id": 1,
            "serviceArea": "Exchange",
            "urls": ["outlook.office.com"],
            "ips": ["13.107.6.152/31"],
        },
        {
            "id": 9,
            "serviceArea": "Exchange",
            "urls": ["*.mail.protection.outlook.com"],
            "ips": ["40.92.0.0/15", "40.107.0.0/16", "2a01:111:f400::/48"],
        },
    ],
    # Google's crawler lists.
    "/developers.google.com/static/search/apis/ipranges/googlebot.json": {
        "creationTime": "2026-11-30T14:46:02.000000",
        "prefixes": [{"ipv6Prefix": "2001:4860:4801:10::/64"}, {"ipv4Prefix": "66.249.64.0/27"}],
    },
    "/developers.google.com/static/search/apis/ipranges/special-crawlers.json": {
        "creationTime": "2026-11-30T14:46:02.000000",
        "prefixes": [{"ipv4Prefix": "66.249.64.0/27"}, {"ipv4Prefix": "108.177.2.0/27"}],
    },
}


class _Sources(http.server.BaseHTTPRequestHandler):
    fixtures: dict[str, object] = {}

    def do_GET(self) -> None:
        from urllib.parse import unquote, urlsplit

        body = self.fixtures.get(unquote(urlsplit(self.path).path))
        if body is None:
            self.send_error(404)
            return
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def sources() -> Iterator[tuple[str, dict[str, object]]]:
    fixtures = dict(FIXTURES)
    handler = type("Sources", (_Sources,), {"fixtures": fixtures})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", fixtures
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "networks"
    shutil.copytree(NETWORKS_DIR, copy)
    return copy


def _update(mirror: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(UPDATER), "--from", mirror, "--folder", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_it_takes_every_list_again_from_its_sources(
    sources: tuple[str, dict[str, object]], folder: Path
) -> None:
    mirror, _fixtures = sources

    done = _update(mirror, folder)

    assert done.returncode == 0, done.stderr
    assert "google-crawlers: 3 networks" in done.stdout
    today = dt.datetime.now(dt.UTC).date().isoformat()
    google = json.loads((folder / "google-crawlers.json").read_text())
    assert google["networks"] == ["66.249.64.0/27", "108.177.2.0/27", "2001:4860:4801:10::/64"]
    assert google["taken"] == today
    assert "missing" not in google
    protection = json.loads((folder / "microsoft-eop.json").read_text())
    assert protection["networks"] == ["40.92.0.0/15", "40.107.0.0/16", "2a01:111:f400::/48"]
    assert protection["sources"] == network_file("microsoft-eop")["sources"]
    apple = json.loads((folder / "apple.json").read_text())
    assert apple["networks"] == ["17.0.0.0/8", "2620:149::/32", "2a01:b740::/32"]
    assert "note" not in apple


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/rdap.db.ripe.net/ip/2a01:b740::", None, "404"),
        ("/rdap.db.ripe.net/ip/2a01:b740::", b"<html>rate limited</html>", "Expecting value"),
        ("/rdap.db.ripe.net/ip/2a01:b740::", {"cidr0_cidrs": []}, "lists no network"),
        ("/rdap.db.ripe.net/ip/2a01:b740::", {"errorCode": 429}, "not in the rdap format"),
        (
            "/rdap.db.ripe.net/ip/2a01:b740::",
            {"cidr0_cidrs": [{"v6prefix": "2a01:b740::", "length": 200}]},
            "not a network",
        ),
    ],
)
def test_it_leaves_a_list_unchanged_when_a_source_fails(
    sources: tuple[str, dict[str, object]], folder: Path, path: str, body: object, error: str
) -> None:
    mirror, fixtures = sources
    if body is None:
        del fixtures[path]
    else:
        fixtures[path] = body
    before = (folder / "apple.json").read_text()

    done = _update(mirror, folder)

    assert done.returncode == 1
    assert "apple: left unchanged:" in done.stderr
    assert error in done.stderr
    assert (folder / "apple.json").read_text() == before
    assert "microsoft-eop: 3 networks" in done.stdout  # the others are still taken

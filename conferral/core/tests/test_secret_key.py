"""Conferral never signs with a published key: without CONFERRAL_SECRET_KEY it makes
its own, it refuses to start on the old development key where that could matter, and
a rotated-out key keeps the links it signed working."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from conferral.certificates.models import Event, EventType, Recipient
from conferral.core.security import PUBLISHED_DEVELOPMENT_KEY, generated_secret_key
from conferral.tracking.links import click_url

OLD_KEY = "the-key-of-last-year-" + "x" * 40
NEW_KEY = "the-key-of-this-year-" + "y" * 40
# Every way of starting Conferral (`conferral serve`, the worker, WSGI, manage.py)
# loads the settings module first; the key is settled there.
START = "import conferral.settings as settings; print(settings.SECRET_KEY)"


def _environment(data_dir: Path, **env: str) -> dict[str, str]:
    # Nothing of this test process's set-up (say, the browser tests' async switch).
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONFERRAL_", "DJANGO_"))}
    clean["CONFERRAL_DATA_DIR"] = str(data_dir)
    clean.update({f"CONFERRAL_{name}": value for name, value in env.items()})
    return clean


def _start(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Start Conferral's settings in a process of its own with only the given
    CONFERRAL_* settings."""
    return subprocess.run(
        [sys.executable, "-c", START],
        env=_environment(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_generates_a_key_into_the_data_directory_and_keeps_it(tmp_path: Path) -> None:
    first = _start(tmp_path)
    second = _start(tmp_path)

    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key == second.stdout.strip() == (tmp_path / "secret_key").read_text().strip()
    assert key != PUBLISHED_DEVELOPMENT_KEY
    assert len(key) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_it_gives_processes_starting_at_once_one_key(tmp_path: Path) -> None:
    starting = [
        subprocess.Popen(
            [sys.executable, "-c", START],
            env=_environment(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    answers = [process.communicate(timeout=120) for process in starting]

    assert [process.returncode for process in starting] == [0, 0, 0, 0], answers
    assert len({out.strip() for out, _ in answers}) == 1
    assert sorted(path.name for path in tmp_path.iterdir() if "secret" in path.name) == [
        "secret_key"
    ]


@pytest.mark.parametrize(
    "env",
    [
        {"SECRET_KEY": PUBLISHED_DEVELOPMENT_KEY, "BASE_URL": "https://certs.example.org"},
        {"SECRET_KEY": PUBLISHED_DEVELOPMENT_KEY, "DEBUG": "0"},
        {
            "SECRET_KEY": PUBLISHED_DEVELOPMENT_KEY,
            "DEBUG": "1",
            "BASE_URL": "https://certs.example.org",
        },
        {"SECRET_KEY": NEW_KEY, "SECRET_KEY_FALLBACKS": f"{OLD_KEY},{PUBLISHED_DEVELOPMENT_KEY}"},
    ],
)
def test_it_refuses_to_start_on_the_published_key(tmp_path: Path, env: dict[str, str]) -> None:
    result = _start(tmp_path, **env)

    assert result.returncode == 1
    assert "holds the published development key" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_allows_the_published_key_for_a_debug_run_on_plain_http(tmp_path: Path) -> None:
    result = _start(tmp_path, SECRET_KEY=PUBLISHED_DEVELOPMENT_KEY, DEBUG="1")

    assert result.returncode == 0, result.stderr


def test_it_refuses_an_emptied_key_file_instead_of_signing_with_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "secret_key").write_text("\n")

    with pytest.raises(SystemExit, match="is empty: delete it"):
        generated_secret_key(tmp_path)


def _click(client: Client, url: str) -> int:
    return client.get(
        urlsplit(url).path, HTTP_USER_AGENT="Mozilla/5.0 (X11) Firefox/128.0"
    ).status_code


def test_it_keeps_a_link_signed_with_the_old_key_working_after_rotation(
    client: Client, settings: Settings, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (ada,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    settings.SECRET_KEY = OLD_KEY
    in_the_inbox = click_url(ada)

    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    fresh = click_url(ada)

    assert fresh != in_the_inbox
    assert _click(client, in_the_inbox) == 302
    assert _click(client, fresh) == 302
    assert Event.objects.filter(recipient=ada, type=EventType.EMAIL_CLICKED).count() == 2


def test_it_refuses_the_old_key_once_it_leaves_the_fallbacks(
    client: Client, settings: Settings, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (ada,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    settings.SECRET_KEY = OLD_KEY
    in_the_inbox = click_url(ada)

    settings.SECRET_KEY = NEW_KEY

    assert _click(client, in_the_inbox) == 404
    assert not Event.objects.filter(recipient=ada).exists()


def test_it_refuses_a_link_forged_with_the_published_key(
    client: Client, settings: Settings, add_recipients: Callable[..., list[Recipient]]
) -> None:
    (ada,) = add_recipients(("Ada Lovelace", "ada@example.org"))
    real_key = settings.SECRET_KEY
    settings.SECRET_KEY = PUBLISHED_DEVELOPMENT_KEY
    forged = click_url(ada)
    settings.SECRET_KEY = real_key

    assert _click(client, forged) == 404
    assert not Event.objects.filter(recipient=ada).exists()


def test_it_keeps_people_signed_in_across_a_rotation(
    user_client: Client, settings: Settings
) -> None:
    signed_in_with = settings.SECRET_KEY
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [signed_in_with]

    assert user_client.get("/").status_code == 200

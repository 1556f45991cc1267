"""Running `conferral` commands in-process (typer's CliRunner: the output is not a
terminal, so commands print plain lines)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_django.fixtures import Settings
from typer.testing import CliRunner, Result

from conferral.certificates.models import Recipient
from conferral.cli.main import app

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(add_recipients: Callable[..., list[Recipient]]) -> list[Recipient]:
    return add_recipients(
        ("Jürgen Müller-Łukasz", "juergen@example.com"),
        ("Åsa Øberg", "asa@example.com"),
        ("Mateo García", ""),
    )


@pytest.fixture
def run(db: None) -> Run:
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return invoke

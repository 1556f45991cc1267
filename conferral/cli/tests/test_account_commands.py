"""`conferral apikey create`, `conferral user create` and `conferral demo`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from pytest_django.fixtures import Settings

from conferral.accounts.models import Membership, Organization
from conferral.accounts.services import apikey_authenticate
from conferral.certificates.models import Certificate
from conferral.certificates.status import EmailStatus
from conferral.cli.tests.conftest import Run


def test_it_prints_only_a_working_api_key(run: Run) -> None:
    result = run("apikey", "create", "--org", "Acme Academy")
    assert result.exit_code == 0
    assert re.fullmatch(r"cfk_[\w-]{20,}\n", result.stdout)
    organization = apikey_authenticate(result.stdout.strip())
    assert organization is not None
    assert organization.name == "Acme Academy"
    second = run("apikey", "create", "--org", "Acme Academy").stdout.strip()
    assert second != result.stdout.strip()
    assert Organization.objects.count() == 1


def test_it_creates_a_user_who_can_sign_in(run: Run) -> None:
    result = run(
        "user", "create", "--email", "Ada@Example.com", "--password", "long enough", "--org", "Acme"
    )
    assert result.exit_code == 0
    assert "ada@example.com can now sign in" in result.stdout
    user = authenticate(username="ada@example.com", password="long enough")
    assert user is not None
    assert Membership.objects.get(user=user).organization.name == "Acme"


def test_it_refuses_a_short_password(run: Run) -> None:
    result = run("user", "create", "--email", "a@example.com", "--password", "short", "--org", "A")
    assert result.exit_code == 1
    assert "too short" in result.stderr
    assert not Organization.objects.exists()


def test_it_sets_up_the_demo_once(
    run: Run, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_DIR = tmp_path
    monkeypatch.delenv("CONFERRAL_DEMO_PASSWORD", raising=False)
    first = run("demo")
    second = run("demo")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    password = re.search(r"Password:\s+(\S+)", first.stdout)
    assert password is not None
    assert (tmp_path / "demo-password").stat().st_mode & 0o777 == 0o600
    assert "Dashboard: http://127.0.0.1:8000/" in first.stdout
    assert authenticate(username="demo@example.com", password=password.group(1)) is not None
    certificate = Certificate.objects.get()
    names = list(certificate.recipients.values_list("name", "email_status"))
    assert len(names) == 8
    assert ("王小明", EmailStatus.NOT_SENT) in names
    assert sum(status == EmailStatus.NOT_PROVIDED for _name, status in names) == 1


def test_it_uses_the_configured_demo_password(
    run: Run, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("CONFERRAL_DEMO_PASSWORD", "the configured one")
    assert "Password:  the configured one" in run("demo").stdout
    assert authenticate(username="demo@example.com", password="the configured one") is not None
    assert not (tmp_path / "demo-password").exists()

"""API calls are limited per key, and calls with a wrong key per client address: over a
limit the API answers 429 in its JSON error format, with Retry-After."""

from __future__ import annotations

import pytest
from django.test import Client
from freezegun import freeze_time
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization
from conferral.accounts.services import apikey_create

CALLS = 10
FAILURES = 4


@pytest.fixture
def limits(client: Client, settings: Settings, request: pytest.FixtureRequest) -> None:
    # The API builds its schemas on the first call: before any clock is frozen
    # (pydantic cannot build them for freezegun's fake date class). No key: not counted.
    assert client.get("/api/v1/certificates").status_code == 401
    request.getfixturevalue("throttle_window")
    settings.THROTTLE_LIMITS = {
        **settings.THROTTLE_LIMITS,
        "api_key": (CALLS, 60),
        "api_auth_address": (FAILURES, 600),
    }


def _list(client: Client, key: str, address: str = "127.0.0.1") -> int:
    response = client.get(
        "/api/v1/certificates", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=address
    )
    return response.status_code


def test_it_limits_the_calls_of_one_key(
    client: Client, api_key: str, org: Organization, limits: None
) -> None:
    with freeze_time("2030-01-01 08:00:15"):
        statuses = [_list(client, api_key) for _ in range(CALLS + 5)]
        refused = client.get("/api/v1/certificates", HTTP_AUTHORIZATION=f"Bearer {api_key}")
        other_key = _list(client, apikey_create(organization=org))

    assert statuses == [200] * CALLS + [429] * 5
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json() == {"detail": "Too many requests. Try again in 45 seconds."}
    assert other_key == 200


def test_it_lets_the_key_call_again_after_the_window(
    client: Client, api_key: str, limits: None
) -> None:
    with freeze_time("2030-01-01 08:00:15") as clock:
        for _ in range(CALLS):
            _list(client, api_key)
        assert _list(client, api_key) == 429
        clock.move_to("2030-01-01 08:01:00")
        assert _list(client, api_key) == 200


def test_it_refuses_an_address_that_tries_wrong_keys(
    client: Client, api_key: str, limits: None
) -> None:
    statuses = [_list(client, f"cfk_wrong-{n}") for n in range(FAILURES + 3)]
    right_key_here = client.get("/api/v1/certificates", HTTP_AUTHORIZATION=f"Bearer {api_key}")

    assert statuses == [401] * FAILURES + [429] * 3
    assert right_key_here.status_code == 429
    assert right_key_here["Retry-After"].isdigit()
    assert "Try again in" in right_key_here.json()["detail"]
    assert _list(client, api_key, "10.0.0.2") == 200


def test_it_answers_in_the_callers_language(client: Client, api_key: str, limits: None) -> None:
    for n in range(FAILURES):
        _list(client, f"cfk_wrong-{n}")

    response = client.get(
        "/api/v1/certificates",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 429
    assert response["Content-Language"] == "de"

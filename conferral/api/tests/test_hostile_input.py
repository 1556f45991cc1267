"""Input found by fuzzing the API (schemathesis) and by hand that used to answer a 500,
a status the OpenAPI document does not list, or a body not of the documented shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Event, EventType, Recipient
from conferral.certificates.selectors import (
    certificate_get_for_org,
    recipient_get_for_org,
    recipients_filter,
)

# Ids no object can have, as they appear in a URL: a NUL, a space, punctuation, a
# letter outside [A-Za-z0-9_-], one character too many.
IMPOSSIBLE_IDS = ["%00", "a%00b", "a%20b", "a.b", "%C3%BC", "x" * 33]
# Every route that names a certificate or a recipient, with a body it accepts.
ROUTES_WITH_AN_ID: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/certificates/{}", None),
    ("GET", "/api/v1/certificates/{}/recipients", None),
    ("POST", "/api/v1/certificates/{}/recipients", {"recipients": [{"name": "N"}]}),
    ("POST", "/api/v1/certificates/{}/send", {}),
    ("GET", "/api/v1/certificates/{}/statistics", None),
    ("GET", "/api/v1/recipients/{}", None),
    ("PATCH", "/api/v1/recipients/{}", {"name": "N"}),
    ("DELETE", "/api/v1/recipients/{}", None),
    ("POST", "/api/v1/recipients/{}/resend", None),
    ("POST", "/api/v1/recipients/{}/revoke", {"reason": "r"}),
    ("GET", "/api/v1/recipients/{}/events", None),
]


def lookups(queries: CaptureQueriesContext) -> list[str]:
    """The captured queries that read or write certificates or recipients (the API key
    check before them is another table)."""
    tables = (Certificate._meta.db_table, Recipient._meta.db_table)
    return [
        query["sql"]
        for query in queries.captured_queries
        if any(table in query["sql"] for table in tables)
    ]


def errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    for error in detail:
        assert set(error) == {"loc", "msg"}
        assert error["msg"]
    return list(detail)


def post_raw(api: Client, path: str, body: str | bytes) -> Any:
    return api.generic("POST", path, body, content_type="application/json")


def test_it_refuses_an_offset_too_large_for_the_database(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    [ada] = add_recipients(("Ada", "ada@example.com"))
    for path in (
        "/api/v1/certificates",
        f"/api/v1/certificates/{certificate.public_id}/recipients",
        f"/api/v1/recipients/{ada.public_id}/events",
    ):
        for offset in ("57711588843265024000", str(2**63 - 1), "1000000001"):
            response = api.get(f"{path}?offset={offset}&limit=235")
            assert errors(response) == [
                {"loc": ["query", "offset"], "msg": "Must be at most 1000000000."}
            ]
        assert api.get(f"{path}?offset=1000000000").status_code == 200


def test_it_answers_a_body_nested_too_deeply_with_a_422(
    api: Client, certificate: Certificate
) -> None:
    depth = 100_000
    body = '{"recipients": [{"name": "N", "attributes": {"a": ' + "[" * depth + "]" * depth
    response = post_raw(
        api, f"/api/v1/certificates/{certificate.public_id}/recipients", body + "}}]}"
    )
    assert errors(response) == [{"loc": ["body"], "msg": "The body is nested too deeply."}]
    assert not Recipient.objects.exists()


def test_it_refuses_nan_and_infinity(api: Client, certificate: Certificate) -> None:
    for constant in ("NaN", "Infinity", "-Infinity"):
        response = post_raw(
            api,
            f"/api/v1/certificates/{certificate.public_id}/recipients",
            '{"recipients": [{"name": "N", "attributes": {"hours": ' + constant + "}}]}",
        )
        [error] = errors(response)
        assert error["loc"] == ["body"]
        assert constant in error["msg"]
    assert not Recipient.objects.exists()


def test_it_refuses_nul_and_lone_surrogates_where_they_are(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    """PostgreSQL refuses NUL in text and in JSON, and no database stores a lone
    surrogate: each used to be a 500 from the database (NUL only on PostgreSQL)."""
    [ada] = add_recipients(("Ada", "ada@example.com"))
    nul = "Text must not contain the NUL character (\\u0000)."
    surrogate = "Text must be valid Unicode: it contains an unpaired surrogate."
    added = post_raw(
        api,
        f"/api/v1/certificates/{certificate.public_id}/recipients",
        '{"recipients": [{"name": "Fine"}, {"name": "N\\ud800"},'
        ' {"name": "K", "attributes": {"k\\u0000": "v", "grade": "A\\u0000"}}]}',
    )
    assert errors(added) == [
        {"loc": ["recipients", 1, "name"], "msg": surrogate},
        {"loc": ["recipients", 2, "attributes", "k\x00"], "msg": nul},
        {"loc": ["recipients", 2, "attributes", "grade"], "msg": nul},
    ]
    created = post_raw(
        api, "/api/v1/certificates", '{"name": "a\\u0000b", "kind": "badge", "criteria": "\\udc00"}'
    )
    assert errors(created) == [
        {"loc": ["name"], "msg": nul},
        {"loc": ["criteria"], "msg": surrogate},
    ]
    revoked = post_raw(api, f"/api/v1/recipients/{ada.public_id}/revoke", '{"reason": "\\u0000"}')
    assert errors(revoked) == [{"loc": ["reason"], "msg": nul}]
    patched = api.generic(
        "PATCH",
        f"/api/v1/recipients/{ada.public_id}",
        '{"attributes": {"k": "\\u0000"}}',
        content_type="application/json",
    )
    assert errors(patched) == [{"loc": ["attributes", "k"], "msg": nul}]
    sent = post_raw(
        api, f"/api/v1/certificates/{certificate.public_id}/send", '{"recipient_ids": ["\\u0000"]}'
    )
    assert errors(sent) == [{"loc": ["recipient_ids", 0], "msg": nul}]
    assert Recipient.objects.count() == 1
    assert Certificate.objects.count() == 1
    ada.refresh_from_db()
    assert ada.revoked_at is None
    assert ada.attributes == {}
    assert not Event.objects.filter(type=EventType.EMAIL_QUEUED).exists()


def test_it_looks_up_no_id_that_cannot_exist(
    org: Organization,
    certificate: Certificate,
    add_recipients: Any,
    django_assert_num_queries: Any,
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    for bad in ("a\x00b", "ü", "x" * 33, "", "a/b"):
        with django_assert_num_queries(0), pytest.raises(Http404):
            certificate_get_for_org(org, bad)
        with django_assert_num_queries(0), pytest.raises(Http404):
            recipient_get_for_org(org, bad)
    assert certificate_get_for_org(org, certificate.public_id) == certificate


def test_it_answers_a_nul_in_an_id_or_a_search(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    for path in ("/api/v1/certificates/a%00b", "/api/v1/recipients/a%00b/events"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    searched = api.get(f"/api/v1/certificates/{certificate.public_id}/recipients?q=Ada%00")
    assert searched.status_code == 200
    assert searched.json()["count"] == 1
    query = recipients_filter(certificate=certificate, q="a\x00b").query
    assert "\x00" not in str(query)


def test_it_answers_an_impossible_id_with_a_404_without_looking_it_up(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    """Without the check of the id's form, SQLite would answer the same 404 after a
    query, and PostgreSQL a 500 for the NUL: counting the queries tells on both."""
    add_recipients(("Ada", "ada@example.com"))
    for method, route, body in ROUTES_WITH_AN_ID:
        for bad in IMPOSSIBLE_IDS:
            path = route.format(bad)
            with CaptureQueriesContext(connection) as queries:
                response = api.generic(
                    method, path, "" if body is None else json.dumps(body), "application/json"
                )
            assert response.status_code == 404, (method, path, response.content)
            assert response.json() == {"detail": "Not found."}
            assert lookups(queries) == [], (method, path)
        # A well-formed id that names nothing is looked up: the count above means something.
        with CaptureQueriesContext(connection) as queries:
            response = api.generic(
                method,
                route.format("A" * 16),
                "" if body is None else json.dumps(body),
                "application/json",
            )
        assert response.status_code == 404, (method, route)
        assert lookups(queries) != [], (method, route)
    assert Recipient.objects.get().name == "Ada"
    assert not Event.objects.filter(type=EventType.EMAIL_QUEUED).exists()


def test_it_refuses_a_send_time_outside_the_range_of_utc(
    api: Client, certificate: Certificate, add_recipients: Any
) -> None:
    add_recipients(("Ada", "ada@example.com"))
    path = f"/api/v1/certificates/{certificate.public_id}/send"
    for at in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        response = api.post(path, {"at": at}, content_type="application/json")
        assert errors(response) == [
            {"loc": ["at"], "msg": "Must be a time between the years 1 and 9999 in UTC."}
        ]
    assert not Event.objects.filter(type=EventType.EMAIL_QUEUED).exists()
    later = api.post(path, {"at": "9999-12-31T10:00:00+02:00"}, content_type="application/json")
    assert later.status_code == 202, later.content


def test_it_answers_unknown_paths_and_methods_in_json(
    api: Client, certificate: Certificate
) -> None:
    for path in (
        "/api/v1/nothing-here",
        "/api/v1/certificates/a%2Fb",
        f"/api/v1/certificates/{certificate.public_id}/nothing-here",
        "/api/v1/certificates/",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "Not found."}
    put = api.put("/api/v1/certificates", {}, content_type="application/json")
    assert put.status_code == 405
    assert put.json() == {"detail": "Method not allowed."}
    assert set(put["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    deleted = api.delete(f"/api/v1/certificates/{certificate.public_id}")
    assert deleted.status_code == 405
    assert deleted["Content-Type"].startswith("application/json")

"""The API does what its OpenAPI document says: schemathesis generates requests from
/api/v1/openapi.json, sends them to the WSGI application (no network) with the key of
a test organization, and checks every answer: no server error, a documented status
code and content type, a body that fits the documented schema.

Bounded and reproducible: a fixed number of derandomized examples per operation. Path
identifiers are replaced with real ones (a made-up one is only ever a 404), and every
recipient operation gets a fresh recipient, so a DELETE or a revoke in one case does
not turn the following cases into 404s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from pytest_django.fixtures import Settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conferral.certificates.models import Certificate
from conferral.certificates.services import RawRow, recipients_add
from conferral.wsgi import application

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Requests the schema allows: each must be answered as documented. (NUL, which no
# database stores, is refused by the body parser before any schema: left out.)
CONFIG = {"generation": {"mode": "positive", "allow-x00": False}}
OPERATIONS = 24
# Hypothesis may stop before MAX_EXAMPLES once it runs out of new inputs; far fewer
# would mean an operation is hardly tested (today every one runs all 25: 325 cases).
MIN_CASES = 10


@pytest.fixture
def api_schema(db: None, settings: Settings) -> Iterator[BaseSchema]:
    """The schema as the application serves it. Requests keep the test's database
    connection open, as Django's test client does (a finished request otherwise closes
    it, and the test's transaction with it)."""
    settings.THROTTLE_LIMITS = {**settings.THROTTLE_LIMITS, "api_key": None}
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        config = SchemathesisConfig.from_dict(CONFIG)
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=config)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fresh_recipient_id(certificate: Certificate, number: int) -> str:
    rows = [RawRow(0, f"Recipient {number}", f"recipient{number}@example.com")]
    return recipients_add(certificate=certificate, rows=rows).recipients[0].public_id


def _fuzz(
    operation: APIOperation[Any, Any, Any, Any], certificate: Certificate, api_key: str
) -> int:
    """Run the operation's generated cases; the number run."""
    cases: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        cases.append(case.id)
        if "certificate_id" in case.path_parameters:
            case.path_parameters["certificate_id"] = certificate.public_id
        if "recipient_id" in case.path_parameters:
            number = certificate.recipients.count()
            case.path_parameters["recipient_id"] = _fresh_recipient_id(certificate, number)
        response = case.call(headers={"Authorization": f"Bearer {api_key}"})
        case.validate_response(response, checks=CHECKS)

    run()
    return len(cases)


def test_it_answers_every_generated_request_as_documented(
    api_schema: BaseSchema, api_key: str, certificate: Certificate
) -> None:
    # An operation the schema describes wrongly comes as an Err, and is missing here.
    operations = [
        result.ok() for result in api_schema.get_all_operations() if isinstance(result, Ok)
    ]
    assert len(operations) == OPERATIONS
    run = {operation.label: _fuzz(operation, certificate, api_key) for operation in operations}
    assert all(count >= MIN_CASES for count in run.values()), run

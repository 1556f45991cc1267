from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from conferral.certificates.validation import email_valid

ADDRESSES = [
    "a@example.com",
    "first.last+tag@sub.example.co.uk",
    "user@[127.0.0.1]",
    "user@[IPv6:::1]",
    "user@localhost",
    "x@xn--mller-kva.de",
    "",
    "no-at-sign",
    "two@@example.com",
    "trailing.dot.@example.com",
    "space in@example.com",
    "a@-example.com",
    "a@example..com",
    "a@" + "x" * 320 + ".com",
    '"quoted"@example.com',
    "a@example.c",
]


def django_verdict(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("address", ADDRESSES)
def test_it_agrees_with_djangos_validator(address: str) -> None:
    assert email_valid(address) == django_verdict(address)

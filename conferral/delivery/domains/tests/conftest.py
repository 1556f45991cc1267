"""Helpers for the sending domain tests: the DNS server, a domain, its records published."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from conferral.accounts.models import Organization, Role
from conferral.accounts.services import user_create
from conferral.delivery.domains.models import SendingDomain
from conferral.delivery.domains.records import records_for
from conferral.delivery.domains.services import DomainSettings, sending_domain_save
from conferral.testing.dns import DnsZone
from conferral.testing.dns import dns_zone as dns_zone

BOUNCE_MX = "mx.conferral.example"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sending_host(settings: Settings) -> None:
    settings.SPF_INCLUDE = "ip4:192.0.2.25"
    settings.BOUNCE_MX = BOUNCE_MX


@pytest.fixture
def viewer_client(client: Client, org: Organization) -> Client:
    user_create(
        email="viewer@acme.test",
        password="correct horse battery",
        organization=org,
        role=Role.VIEWER,
    )
    client.login(username="viewer@acme.test", password="correct horse battery")
    return client


@pytest.fixture
def domain(org: Organization) -> SendingDomain:
    return sending_domain_save(
        organization=org,
        values=DomainSettings(
            domain="acme.example",
            from_name="Acme Academy Certificates",
            from_local_part="certificates",
            reply_to="office@acme.example",
        ),
    )


def publish_all(zone: DnsZone, domain: SendingDomain) -> None:
    for record in records_for(domain):
        zone.publish(record.name, record.type, record.value)


@pytest.fixture
def published(dns_zone: DnsZone, domain: SendingDomain) -> DnsZone:
    publish_all(dns_zone, domain)
    return dns_zone

"""Revoking and deleting many recipients at once: only the certificate's own, each once,
with its event."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conferral.certificates.credentials import recipients_revoke
from conferral.certificates.models import Certificate, EventType, Recipient
from conferral.certificates.services import ServiceError, certificate_create, recipients_delete


def test_it_revokes_many_once_each(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    people = add_recipients(*[(f"P{i}", f"p{i}@example.com") for i in range(5)])
    other = certificate_create(organization=certificate.organization, name="Other")
    [stranger] = add_recipients(("Stranger", "s@example.com"), cert=other)
    pks = [p.pk for p in people[:3]] + [stranger.pk]
    assert recipients_revoke(recipient_ids=pks, certificate_id=certificate.pk, reason="Oops") == 3
    assert recipients_revoke(recipient_ids=pks, certificate_id=certificate.pk, reason="x") == 0
    assert Recipient.objects.filter(revoke_reason="Oops").count() == 3
    stranger.refresh_from_db()
    assert stranger.revoked_at is None
    revoked = Recipient.objects.filter(events__type=EventType.CREDENTIAL_REVOKED)
    assert revoked.count() == 3
    with pytest.raises(ServiceError):
        recipients_revoke(recipient_ids=pks, certificate_id=certificate.pk, reason="  ")


def test_it_deletes_only_the_certificates_own(
    certificate: Certificate, add_recipients: Callable[..., list[Recipient]]
) -> None:
    people = add_recipients(*[(f"P{i}", f"p{i}@example.com") for i in range(4)])
    other = certificate_create(organization=certificate.organization, name="Other")
    [stranger] = add_recipients(("Stranger", "s@example.com"), cert=other)
    deleted = recipients_delete(
        certificate=certificate, recipient_ids=[people[0].pk, people[1].pk, stranger.pk]
    )
    assert deleted == 2
    assert set(Recipient.objects.values_list("name", flat=True)) == {"P2", "P3", "Stranger"}

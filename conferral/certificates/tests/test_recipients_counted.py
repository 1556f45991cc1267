"""Recipients counted from the tallies, by status and email status: after any history,
exactly what counting the recipient rows gives, for the lists, the certificate and the
certificate listings."""

from __future__ import annotations

import random

import pytest

from conferral.accounts.models import Organization
from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.selectors import (
    certificate_recipients_count,
    certificates_for_org,
    recipients_counted,
)
from conferral.certificates.services import certificate_create
from conferral.certificates.status import EmailStatus, Status
from conferral.certificates.tests.test_tally_triggers import _random_history


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_counts_what_the_rows_count(org: Organization, seed: int) -> None:
    certificate = certificate_create(organization=org, name="Counted")
    other = certificate_create(organization=org, name="Other")
    _random_history(random.Random(seed), certificate, 40)
    _random_history(random.Random(seed + 10), other, 10)
    rows = Recipient.objects.filter(certificate=certificate)
    assert certificate_recipients_count(certificate) == rows.count()
    for status in ["", *Status.values]:
        for email_status in ["", *EmailStatus.values]:
            expected = rows.filter(
                **{k: v for k, v in (("status", status), ("email_status", email_status)) if v}
            ).count()
            assert (
                recipients_counted(certificate, status=f" {status}", email_status=email_status)
                == expected
            ), (status, email_status)
    listed = {c.pk: vars(c)["recipients_count"] for c in certificates_for_org(org)}
    assert listed == {
        c.pk: Recipient.objects.filter(certificate=c).count() for c in (certificate, other)
    }


def test_it_counts_none_of_a_new_certificate(certificate: Certificate) -> None:
    assert recipients_counted(certificate) == certificate_recipients_count(certificate) == 0

"""The tallies the database triggers keep (conferral.certificates.tally_triggers) against
a count from scratch over the recipient rows, after random histories of writes through
the real services and the bulk statements other writers use, on whichever database the
run uses (scripts/run_tests.py runs both)."""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q
from django.utils import timezone

from conferral.accounts.models import Organization
from conferral.certificates.credentials import (
    CredentialError,
    credential_claim,
    recipient_revoke,
)
from conferral.certificates.facts import FACTS, Fact, shared_on, with_shared_text
from conferral.certificates.models import Certificate, Recipient, RecipientTally
from conferral.certificates.services import (
    RawRow,
    RecipientsInvalid,
    ServiceError,
    certificate_create,
    recipient_delete,
    recipient_update,
    recipients_add,
    recipients_delete,
)
from conferral.certificates.status import DELIVERED, EmailStatus, Status
from conferral.certificates.tallies import SOCIAL_NETWORKS, email_tallies, recipient_tallies
from conferral.certificates.tally_triggers import TRIGGERS, install
from conferral.delivery.outbox import outbox_claim, outbox_record_accepted, outbox_record_bounced
from conferral.delivery.services import certificate_send
from conferral.stats.selectors import certificate_statistics
from conferral.tracking.services import (
    credential_download_record,
    credential_linkedin_add_record,
    credential_share_record,
    email_click_record,
    email_open_record,
)

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


FIELDS = (
    "recipients",
    "sent",
    "opened",
    "clicked",
    "machine_opened_only",
    "machine_opened",
    "machine_clicked",
    "opened_any",
    "clicked_any",
    "waiting",
    "revoked",
)


def counted_from_scratch(certificate: Certificate, now: dt.datetime) -> dict[str, Any]:
    """Every number the tallies give, aggregated over the recipient rows by the
    definitions in conferral.certificates.facts."""
    rows = (
        Recipient.objects.filter(certificate=certificate)
        .values("email_status")
        .annotate(
            recipients=Count("*"),
            sent=Count("pk", filter=FACTS[Fact.SENT]),
            opened=Count("pk", filter=FACTS[Fact.OPENED]),
            clicked=Count("pk", filter=FACTS[Fact.CLICKED]),
            machine_opened_only=Count("pk", filter=FACTS[Fact.MACHINE_OPENED_ONLY]),
            machine_opened=Count("pk", filter=FACTS[Fact.MACHINE_OPENED]),
            machine_clicked=Count("pk", filter=FACTS[Fact.MACHINE_CLICKED]),
            opened_any=Count("pk", filter=FACTS[Fact.OPENED_ANY]),
            clicked_any=Count("pk", filter=FACTS[Fact.CLICKED_ANY]),
            waiting=Count("pk", filter=Q(next_attempt_at__gt=now)),
            revoked=Count("pk", filter=Q(revoked_at__isnull=False)),
        )
        .order_by("email_status")
    )
    shares = {f"share_{n}": Count("pk", filter=shared_on(n)) for n in SOCIAL_NETWORKS}
    claimed = with_shared_text(
        Recipient.objects.filter(certificate=certificate, status=Status.CLAIMED)
    ).aggregate(
        claimed=Count("pk"),
        shared_or_downloaded=Count("pk", filter=FACTS[Fact.SHARED_OR_DOWNLOADED]),
        added_to_linkedin=Count("pk", filter=FACTS[Fact.ADDED_TO_LINKEDIN]),
        **shares,
    )
    by_status = {
        row["email_status"]: {key: value for key, value in row.items() if key != "email_status"}
        for row in rows
    }
    return {"by_status": by_status, **claimed}


def counted_by_tallies(certificate: Certificate, now: dt.datetime) -> dict[str, Any]:
    tallies = email_tallies(certificate, now=now)
    return {
        "by_status": {
            status: {name: getattr(tally, name) for name in FIELDS}
            for status, tally in sorted(tallies.items())
            if tally.recipients
        },
        "claimed": tallies.claimed.claimed,
        "shared_or_downloaded": tallies.claimed.shared_or_downloaded,
        "added_to_linkedin": tallies.claimed.added_to_linkedin,
        **{f"share_{n}": tallies.claimed.shares[n] for n in SOCIAL_NETWORKS},
    }


def assert_tallies_exact(certificate: Certificate) -> None:
    now = timezone.now()
    assert counted_by_tallies(certificate, now) == counted_from_scratch(certificate, now)


def _some(rng: random.Random, certificate: Certificate, k: int = 3) -> list[Recipient]:
    recipients = list(Recipient.objects.filter(certificate=certificate))
    return rng.sample(recipients, min(k, len(recipients)))


def _deliver_or_bounce(rng: random.Random, certificate: Certificate) -> None:
    for recipient in outbox_claim(lease_owner="test", limit=rng.randint(1, 5)):
        if rng.random() < 0.8:
            outbox_record_accepted(
                recipient=recipient,
                lease_owner="test",
                reply="250 OK",
                message_id=f"<{recipient.pk}@test>",
                transport="smtp",
            )
        else:
            outbox_record_bounced(
                recipient=recipient, lease_owner="test", reply="550 no such user", code=550
            )


def _engage(rng: random.Random, certificate: Certificate) -> None:
    for recipient in _some(rng, certificate):
        action = rng.choice(["open", "click", "claim", "download", "share", "linkedin"])
        if action == "open":
            email_open_record(recipient=recipient, user_agent=BROWSER)
        elif action == "click":
            email_click_record(recipient=recipient, user_agent=BROWSER)
        elif action == "claim":
            credential_claim(recipient=recipient, channel=rng.choice(["email", "token"]))
        elif action == "download":
            credential_download_record(recipient=recipient, format="pdf", user_agent=BROWSER)
        elif action == "share":
            network = rng.choice([*SOCIAL_NETWORKS, "x"])
            credential_share_record(recipient=recipient, network=network, user_agent=BROWSER)
        else:
            credential_linkedin_add_record(recipient=recipient, user_agent=BROWSER)


def _edit(rng: random.Random, certificate: Certificate, serial: int) -> None:
    chosen = _some(rng, certificate, 1)
    if not chosen:
        return
    [recipient] = chosen
    choice = rng.choice(["email", "no email", "revoke", "delete"])
    if choice == "email":
        recipient_update(recipient=recipient, email=f"new{serial}@example.com")
    elif choice == "no email":
        recipient_update(recipient=recipient, email="")
    elif choice == "revoke":
        recipient_revoke(recipient=recipient, reason="Issued by mistake")
    else:
        recipient_delete(recipient=recipient)


def _bulk(rng: random.Random, certificate: Certificate) -> None:
    """What other writers do in bulk: an UPDATE of many rows, the tracking's machine
    opens and clicks, a bulk delete."""
    pks = [r.pk for r in _some(rng, certificate, 6)]
    choice = rng.choice(["machine", "machine click", "lease", "delete"])
    if choice == "machine":
        Recipient.objects.filter(pk__in=pks).update(machine_opened_at=timezone.now())
    elif choice == "machine click":
        Recipient.objects.filter(pk__in=pks[:3]).update(machine_clicked_at=timezone.now())
    elif choice == "lease":  # no counted column changes: the tallies stay as they are
        Recipient.objects.filter(pk__in=pks).update(lease_owner="", attempts=3)
    else:
        recipients_delete(certificate=certificate, recipient_ids=pks[:2])


def _random_history(rng: random.Random, certificate: Certificate, steps: int) -> None:
    for serial in range(1, steps + 1):
        kind = rng.choices(["add", "send", "outbox", "engage", "edit", "bulk"], [3, 2, 3, 4, 2, 1])
        try:
            if kind == ["add"]:
                rows = [
                    RawRow(i, f"Person {serial}-{i}", "" if i == 2 else f"p{serial}-{i}@x.org")
                    for i in range(rng.randint(1, 4))
                ]
                recipients_add(certificate=certificate, rows=rows)
            elif kind == ["send"]:
                certificate_send(certificate=certificate)
            elif kind == ["outbox"]:
                _deliver_or_bounce(rng, certificate)
            elif kind == ["engage"]:
                _engage(rng, certificate)
            elif kind == ["edit"]:
                _edit(rng, certificate, serial)
            else:
                _bulk(rng, certificate)
        except (ServiceError, RecipientsInvalid, CredentialError):
            pass  # refused as the services refuse it: nothing was written
        if serial % 10 == 0:
            assert_tallies_exact(certificate)
    assert_tallies_exact(certificate)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_keeps_the_tallies_equal_to_a_count_from_scratch(org: Organization, seed: int) -> None:
    rng = random.Random(seed)
    certificate = certificate_create(organization=org, name=f"Random {seed}")
    other = certificate_create(organization=org, name="Bystander")
    recipients_add(certificate=other, rows=[RawRow(0, "Bystander", "by@example.com")])
    _random_history(rng, certificate, 80)
    assert counted_by_tallies(other, timezone.now())["by_status"] == {
        EmailStatus.NOT_SENT: {name: 1 if name == "recipients" else 0 for name in FIELDS}
    }


def test_it_gives_the_statistics_the_same_numbers_as_a_count_from_scratch(
    org: Organization,
) -> None:
    certificate = certificate_create(organization=org, name="Statistics")
    _random_history(random.Random(7), certificate, 60)
    statistics = certificate_statistics(certificate)
    scratch = counted_from_scratch(certificate, timezone.now())
    by_status = scratch["by_status"]
    assert statistics["recipients"] == sum(row["recipients"] for row in by_status.values())
    assert statistics["claimed"]["count"] == scratch["claimed"]
    assert statistics["email"]["delivered"] == sum(
        row["recipients"] for status, row in by_status.items() if status in DELIVERED
    )
    assert statistics["email"]["opened"] == sum(row["opened"] for row in by_status.values())


def test_it_forgets_the_tallies_of_a_deleted_certificate(org: Organization) -> None:
    certificate = certificate_create(organization=org, name="Deleted")
    recipients_add(certificate=certificate, rows=[RawRow(0, "Ada", "ada@example.com")])
    assert RecipientTally.objects.filter(certificate_id=certificate.pk).exists()
    pk = certificate.pk
    certificate.delete()
    assert not RecipientTally.objects.filter(certificate_id=pk).exists()


def test_it_recounts_the_recipients_already_there_when_installed(org: Organization) -> None:
    """The migration counts the rows there before the triggers; `install` run again (as a
    later migration that rebuilds the recipient table runs it) recounts the same."""
    certificate = certificate_create(organization=org, name="Recounted")
    _random_history(random.Random(11), certificate, 30)
    before = counted_by_tallies(certificate, timezone.now())
    install(connection)
    assert counted_by_tallies(certificate, timezone.now()) == before
    assert_tallies_exact(certificate)


def test_it_has_every_tally_trigger_in_the_migrated_schema(db: None) -> None:
    """A table rebuild by a later migration would drop them silently; this says so."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        found = {row[0] for row in cursor.fetchall()}
    expected = set(TRIGGERS)
    if connection.vendor != "postgresql":
        expected.discard("recipient_tally_truncate")
    assert expected <= found


def test_it_reads_the_tallies_in_one_query(
    org: Organization, django_assert_num_queries: Any
) -> None:
    certificate = certificate_create(organization=org, name="One query")
    recipients_add(certificate=certificate, rows=[RawRow(0, "Ada", "ada@example.com")])
    with django_assert_num_queries(1):
        tallies = recipient_tallies(certificate)
    assert tallies[EmailStatus.NOT_SENT].recipients == 1
    assert tallies.sendable == 1


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_tallies_exact_under_two_concurrent_writers(org: Organization) -> None:
    """Two connections move recipients of one certificate at once, a transaction per
    recipient (as two senders do): both finish, and no change is lost or counted twice."""
    certificate = certificate_create(organization=org, name="Concurrent")
    rows = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(120)]
    recipients_add(certificate=certificate, rows=rows)
    pks = list(Recipient.objects.filter(certificate=certificate).values_list("pk", flat=True))
    failures: list[BaseException] = []

    def write(part: list[int]) -> None:
        try:
            for pk in part:
                with transaction.atomic():
                    Recipient.objects.filter(pk=pk).update(
                        email_status=EmailStatus.DELIVERED, first_sent_at=timezone.now()
                    )
                with transaction.atomic():
                    Recipient.objects.filter(pk=pk).update(machine_opened_at=timezone.now())
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(pks[i::2],)) for i in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert failures == []
    assert_tallies_exact(certificate)
    assert recipient_tallies(certificate)[EmailStatus.DELIVERED].machine_opened_only == 120


@pytest.mark.django_db(transaction=True)
def test_it_counts_the_machine_clicks_made_before_the_migration_that_tallies_them(
    org: Organization,
) -> None:
    """Migration 0013 adds `machine_clicked` to the key: back at 0012 the triggers know
    nothing of it, so the machine clicks recorded then are counted when it runs."""
    certificate = certificate_create(organization=org, name="Migrated")
    rows = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(4)]
    recipients_add(certificate=certificate, rows=rows)
    first, second, *_ = Recipient.objects.filter(certificate=certificate).order_by("pk")
    Recipient.objects.filter(pk=first.pk).update(machine_clicked_at=timezone.now())
    executor = MigrationExecutor(connection)
    executor.migrate([("certificates", "0012_credential_erased")])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_recipient SET machine_clicked_at = %s, clicked_at = %s "
            "WHERE id = %s",
            [timezone.now(), timezone.now(), second.pk],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert_tallies_exact(certificate)
    tallies = recipient_tallies(certificate)
    assert tallies.total("machine_clicked") == 2
    assert tallies.total("clicked") == 1
    assert tallies.total("clicked_any") == 2

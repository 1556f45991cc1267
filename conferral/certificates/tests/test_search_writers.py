"""The folded search column follows every writer of a name or an address (the triggers of
conferral.certificates.search_triggers): an edit of the name, a corrected address, an
import, an erasure, an UPDATE by hand, an insert through the ORM and the migration that
made it a plain column; the triggers are in the migrated schema; and a search is
answered from the `recipient_search` index, on whichever database the run uses."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from conferral.certificates.erasure import recipient_erase
from conferral.certificates.importing import recipients_import
from conferral.certificates.models import Certificate, Recipient, RecipientSearch
from conferral.certificates.search import SearchFold
from conferral.certificates.search_backlog import search_backlog_index
from conferral.certificates.search_triggers import TRIGGERS
from conferral.certificates.selectors import recipients_filter, recipients_page
from conferral.certificates.services import RawRow, recipient_update, recipients_add
from conferral.certificates.status import EmailStatus
from conferral.certificates.tally_triggers import TRIGGERS as TALLY_TRIGGERS

Add = Callable[..., list[Recipient]]


def found(certificate: Certificate, q: str) -> list[int]:
    return list(recipients_filter(certificate=certificate, q=q).values_list("pk", flat=True))


def stored(certificate: Certificate) -> list[tuple[str, str]]:
    """Each recipient's stored search text beside the fold of its name and address: the
    recipient's column on SQLite, the search table's row on PostgreSQL once the
    backlog is indexed."""
    recipients = (
        Recipient.objects.filter(certificate=certificate)
        .annotate(fold=SearchFold("name", "email"))
        .order_by("pk")
    )
    if connection.vendor != "postgresql":
        return list(recipients.values_list("search_text", "fold"))
    search_backlog_index()
    texts = dict(RecipientSearch.objects.values_list("recipient_id", "search_text"))
    return [(texts.get(pk, ""), fold) for pk, fold in recipients.values_list("pk", "fold")]


def test_it_finds_a_recipient_by_the_name_an_edit_gave(
    certificate: Certificate, add_recipients: Add
) -> None:
    [hans] = add_recipients(("Hans Meier", "hans@example.com"))
    recipient_update(recipient=hans, name="Jürgen Øberg")
    assert found(certificate, "jürgen øBERG") == [hans.pk]
    assert found(certificate, "meier") == []
    assert found(certificate, "hans@example") == [hans.pk]


def test_it_finds_a_recipient_by_a_corrected_address(
    certificate: Certificate, add_recipients: Add
) -> None:
    [asa] = add_recipients(("Åsa Lind", "asa@exmaple.com"))
    recipient_update(recipient=asa, email="Asa.Lind@Example.com")
    assert found(certificate, "ASA.LIND@EXAMPLE") == [asa.pk]
    assert found(certificate, "exmaple") == []
    assert found(certificate, "åsa lind") == [asa.pk]


def test_it_finds_the_recipients_an_import_added(certificate: Certificate) -> None:
    rows = [
        ("София Straße", "SOFIA@Example.org"),
        ("李小龍", ""),
        ("Ελένη Ada", "eleni@example.gr"),
    ]
    text = "\n".join(["name,email", *(f"{name},{email}" for name, email in rows)])
    recipients_import(certificate=certificate, stream=io.BytesIO(text.encode()))
    names = dict(Recipient.objects.filter(certificate=certificate).values_list("name", "pk"))
    assert found(certificate, "софия straße") == [names["София Straße"]]
    assert found(certificate, "sofia@example") == [names["София Straße"]]
    assert found(certificate, "小龍") == [names["李小龍"]]
    assert found(certificate, "ΕΛΈΝΗ") == [names["Ελένη Ada"]]


def test_it_writes_an_import_the_fold_the_database_would(certificate: Certificate) -> None:
    rows = [
        RawRow(1, "İstanbul Straße ǅemal", "Cemal@Example.com"),
        RawRow(2, "ΣΟΦΊΑ ﬁnn Kelvin \u212a", ""),
        RawRow(3, "Ada 100 % \\ Lovelace", "ADA@Example.org"),
    ]
    recipients_add(certificate=certificate, rows=rows, keep=False)
    pairs = stored(certificate)
    assert len(pairs) == len(rows)
    assert [written for written, _ in pairs] == [expected for _, expected in pairs]


def test_it_finds_nothing_of_an_erased_recipient(
    certificate: Certificate, add_recipients: Add
) -> None:
    ada, grace = add_recipients(
        ("Ada Lovelace", "ada@example.com"), ("Grace Hopper", "grace@example.com")
    )
    recipient_erase(recipient=ada)
    assert found(certificate, "lovelace") == []
    assert found(certificate, "ada@") == []
    assert found(certificate, "@example.com") == [grace.pk]


def test_it_folds_a_name_and_address_that_an_update_by_hand_wrote(
    certificate: Certificate, add_recipients: Add
) -> None:
    [person] = add_recipients(("Ada Lovelace", "ada@example.com"))
    Recipient.objects.filter(pk=person.pk).update(name="Юрий Гагарин", email="YURI@Example.com")
    assert found(certificate, "ЮРИЙ гагарин") == [person.pk]
    assert found(certificate, "yuri@example") == [person.pk]
    Recipient.objects.filter(pk=person.pk).update(search_text="lovelace")
    assert found(certificate, "lovelace") == []
    assert found(certificate, "юрий") == [person.pk]


def test_it_folds_a_recipient_the_orm_inserts(certificate: Certificate) -> None:
    person = Recipient.objects.create(
        certificate=certificate,
        name="Søren Kierkegaard",
        email="SOREN@Example.dk",
        email_status=EmailStatus.NOT_SENT,
    )
    assert found(certificate, "SØREN kierkegaard") == [person.pk]
    assert found(certificate, "soren@example.dk") == [person.pk]


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def tally_triggers() -> set[str]:
    truncate = {"recipient_tally_truncate"} if connection.vendor != "postgresql" else set()
    return set(TALLY_TRIGGERS) - truncate


def test_it_has_every_search_trigger_in_the_migrated_schema(db: None) -> None:
    """A table rebuild by a later migration would drop them silently; this says so."""
    assert set(TRIGGERS[connection.vendor]) <= triggers()


def test_it_answers_a_search_from_the_search_index(certificate: Certificate) -> None:
    """SQLite reads the matches from the covering index instead of the rows. PostgreSQL
    reads them from the search table's trigram index, the pattern its condition (shown
    here with the other indexes of the certificate gone and no table scan or walk of a
    key: for a few rows the planner would rather read those). Neither could before the
    column was a plain one."""
    rows = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(50)]
    rows += [RawRow(50, "Jörg Müller", "son4242@example.org"), RawRow(51, "Åsa Øberg 17")]
    recipients_add(certificate=certificate, rows=rows, keep=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # undone with the test's transaction
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")  # nor a walk of a key
            for index in ("recipient_cert_email", "recipient_cert_status", "recipient_cert_name"):
                cursor.execute(f"DROP INDEX {index}")
            cursor.execute("DROP INDEX recipient_cert_id")
    for q in ("jörg mül", "son4242@", "øBERG 1"):
        with CaptureQueriesContext(connection) as queries:
            page = recipients_page(
                recipients_filter(certificate=certificate, q=q), offset=0, limit=5, searched=True
            )
        assert page.count == 1
        explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        with connection.cursor() as cursor:
            # The recipients' query: on PostgreSQL a look at the backlog comes first.
            sql = next(q["sql"] for q in queries.captured_queries if "backlog" not in q["sql"])
            cursor.execute(f"{explain} {sql}")
            plan = " ".join(str(row) for row in cursor.fetchall())
        if connection.vendor == "postgresql":
            assert "Bitmap Index Scan on recipient_search" in plan, q
            assert "Index Cond: (search_text ~~" in plan, q
        else:
            assert "COVERING INDEX recipient_search" in plan, q


@pytest.mark.django_db(transaction=True)
def test_it_folds_the_names_written_before_the_column_was_a_plain_one(
    certificate: Certificate, add_recipients: Add
) -> None:
    """Back at 0013 the column is generated again; what is written then is what 0014
    folds into the plain column, and both ways keep the tallies' triggers."""
    [person] = add_recipients(("Ada Lovelace", "ada@example.com"))
    executor = MigrationExecutor(connection)
    executor.migrate([("certificates", "0013_tally_machine_clicked")])
    assert tally_triggers() <= triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_recipient SET name = %s, email = %s WHERE id = %s",
            ["Łukasz Ørsted", "LUKASZ@Example.pl", person.pk],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert found(certificate, "łukasz ørsted") == [person.pk]
    assert found(certificate, "lukasz@example.pl") == [person.pk]
    assert found(certificate, "lovelace") == []
    assert tally_triggers() | set(TRIGGERS[connection.vendor]) <= triggers()

"""A large import's search text on PostgreSQL is written after the import, from the
backlog (conferral.certificates.search_backlog): a search finds the same recipients
before and after, an edit made meanwhile is kept, a failed import leaves nothing
behind, a task and the worker's sweep do the writing, a small import writes its own,
and nothing outlives its recipient. On SQLite the backlog stays empty and the searches
are the same. (Here every import counts as large unless a test says otherwise.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from conferral.certificates import search_backlog
from conferral.certificates.models import Certificate, Recipient, RecipientSearch, SearchBacklog
from conferral.certificates.search import SearchFold
from conferral.certificates.search_backlog import (
    search_backlog_enqueue,
    search_backlog_index,
    search_backlog_write,
)
from conferral.certificates.selectors import recipients_filter
from conferral.certificates.services import (
    RawRow,
    RecipientsInvalid,
    recipient_update,
    recipients_add,
)
from conferral.certificates.status import EmailStatus
from conferral.delivery.tasks import sweep_run

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no backlog: its import folds as it goes"
)

PEOPLE = [
    RawRow(1, "Jürgen Øberg", "juergen@example.de"),
    RawRow(2, "Σωκράτης Παπαδόπουλος", "sokratis@example.gr"),
    RawRow(3, "Анна Иванова", "ANNA@Example.ru"),
    RawRow(4, "王小明", ""),
    RawRow(5, "Ada 100 % Lovelace_", "ada@example.org"),
]
PATTERNS = ["øberg", "ΣΩΚΡΆΤΗΣ", "анна ив", "小明", "100 %", "e_", "example", "@example.de", "zz"]


@pytest.fixture(autouse=True)
def backlogged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import here is left to the backlog, however few its rows."""
    monkeypatch.setattr(search_backlog, "AT_ONCE_MAX", 0)


def found(certificate: Certificate, q: str) -> list[int]:
    return list(recipients_filter(certificate=certificate, q=q).values_list("pk", flat=True))


def texts(certificate: Certificate) -> dict[int, str]:
    """The search table's text of each of the certificate's recipients that has one."""
    rows = RecipientSearch.objects.filter(recipient__certificate=certificate)
    return dict(rows.values_list("recipient_id", "search_text"))


def folds(certificate: Certificate) -> dict[int, str]:
    rows = Recipient.objects.filter(certificate=certificate).annotate(f=SearchFold("name", "email"))
    return dict(rows.values_list("pk", "f"))


def test_it_finds_the_same_recipients_before_and_after_the_backlog_is_indexed(
    certificate: Certificate,
) -> None:
    recipients_add(certificate=certificate, rows=PEOPLE, keep=False)
    before = {q: found(certificate, q) for q in PATTERNS}
    search_backlog_index()
    assert {q: found(certificate, q) for q in PATTERNS} == before
    assert not SearchBacklog.objects.exists()
    assert [len(before[q]) for q in PATTERNS] == [1, 1, 1, 1, 1, 1, 4, 1, 0]


@postgres_only
def test_it_leaves_an_import_to_the_backlog_and_writes_its_text_later(
    certificate: Certificate,
) -> None:
    recipients_add(certificate=certificate, rows=PEOPLE, keep=False)
    pks = sorted(folds(certificate))
    [(low, high)] = SearchBacklog.objects.filter(certificate=certificate).values_list("low", "high")
    assert (low, high) == (pks[0], pks[-1])
    assert texts(certificate) == {}
    assert search_backlog_index() == len(PEOPLE)
    assert texts(certificate) == folds(certificate)
    assert search_backlog_index() == 0


@postgres_only
def test_it_writes_a_chunk_at_a_time_and_keeps_an_edit_made_meanwhile(
    certificate: Certificate,
) -> None:
    recipients_add(certificate=certificate, rows=PEOPLE, keep=False)
    first, *_, last = Recipient.objects.filter(certificate=certificate).order_by("pk")
    recipient_update(recipient=last, name="Grace Hopper")
    assert texts(certificate) == {last.pk: "GRACE HOPPER\nADA@EXAMPLE.ORG"}
    assert found(certificate, "lovelace") == []
    assert found(certificate, "grace hop") == [last.pk]
    assert search_backlog_index(chunk=2) == len(PEOPLE) - 1
    assert texts(certificate) == folds(certificate)
    assert found(certificate, "jürgen") == [first.pk]
    assert found(certificate, "grace hop") == [last.pk]


@postgres_only
def test_it_steps_through_a_range_leaving_the_rest_on_the_backlog(
    certificate: Certificate,
) -> None:
    """A chunk per transaction: after one, the range starts where it stopped."""
    from conferral.certificates.search_backlog import _index_step

    recipients_add(certificate=certificate, rows=PEOPLE, keep=False)
    pks = sorted(folds(certificate))
    assert _index_step(2) == 2
    assert list(SearchBacklog.objects.values_list("low", "high")) == [(pks[2], pks[-1])]
    assert sorted(texts(certificate)) == pks[:2]
    assert found(certificate, "анна ив") == [pks[2]]


@postgres_only
def test_it_leaves_nothing_of_an_import_that_failed(certificate: Certificate) -> None:
    with pytest.raises(RecipientsInvalid):
        recipients_add(certificate=certificate, rows=[*PEOPLE, RawRow(6, "Bad", "not an address")])
    assert not SearchBacklog.objects.exists()
    assert not Recipient.objects.filter(certificate=certificate).exists()


@postgres_only
def test_it_writes_the_text_of_a_small_import_before_it_commits(
    certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_backlog, "AT_ONCE_MAX", len(PEOPLE))
    recipients_add(certificate=certificate, rows=PEOPLE, keep=False)
    assert not SearchBacklog.objects.exists()
    assert texts(certificate) == folds(certificate)
    monkeypatch.setattr(search_backlog, "AT_ONCE_MAX", len(PEOPLE) - 1)
    more = [RawRow(i, f"Person {i}", f"p{i}@example.com") for i in range(len(PEOPLE))]
    recipients_add(certificate=certificate, rows=more, keep=False)
    assert SearchBacklog.objects.count() == 1


@postgres_only
def test_it_writes_the_text_of_a_recipient_added_alone_at_once(certificate: Certificate) -> None:
    person = Recipient.objects.create(
        certificate=certificate,
        name="Søren Kierkegaard",
        email="soren@example.dk",
        email_status=EmailStatus.NOT_SENT,
    )
    assert texts(certificate) == {person.pk: "SØREN KIERKEGAARD\nSOREN@EXAMPLE.DK"}
    assert not SearchBacklog.objects.exists()


@postgres_only
def test_it_writes_the_backlog_in_the_worker_s_sweep(certificate: Certificate) -> None:
    recipients_add(certificate=certificate, rows=PEOPLE, keep=False)
    sweep_run()
    assert not SearchBacklog.objects.exists()
    assert texts(certificate) == folds(certificate)


@postgres_only
def test_it_drops_the_text_and_the_backlog_with_their_recipients(
    certificate: Certificate, org: object
) -> None:
    recipients_add(certificate=certificate, rows=PEOPLE, keep=False)
    search_backlog_index()
    recipients_add(certificate=certificate, rows=[RawRow(6, "Late Comer", "late@example.com")])
    Recipient.objects.filter(certificate=certificate, name__startswith="Ada").delete()
    assert len(texts(certificate)) == len(PEOPLE) - 1
    certificate.delete()
    assert not RecipientSearch.objects.exists()
    assert not SearchBacklog.objects.exists()


@postgres_only
def test_it_asks_a_worker_to_write_the_backlog_once_the_import_commits(
    certificate: Certificate, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        recipients_add(certificate=certificate, rows=PEOPLE, keep=False)
    assert search_backlog_enqueue in callbacks
    [job] = DBTaskResult.objects.filter(task_path=search_backlog_write.module_path)
    assert job.status == "READY"
    assert search_backlog_write.call() == len(PEOPLE)
    assert texts(certificate) == folds(certificate)


@postgres_only
def test_it_asks_no_worker_when_nothing_was_left_to_the_backlog(
    certificate: Certificate, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        recipients_add(certificate=certificate, rows=PEOPLE, write=False)
        Recipient.objects.create(certificate=certificate, name="Ada", email_status="not_sent")
    assert search_backlog_enqueue not in callbacks

# ruff: noqa: S608 (reviewed SQL: names come from the models, every value is a parameter)
"""PostgreSQL: an import's search text, written after the import instead of during it.

Writing each row's trigrams into the search index was the largest single part of a
large import on PostgreSQL: 1.35 to 1.5 s of the server's 3.7 to 4.0 s for 100,000
rows (bench/import.py, measured by dropping the index). No setting of the index made
it cheaper: a pending list of 1 GB, 256 MB of work_mem or GiST instead of GIN cost
within a tenth of it, and without its pending list (fastupdate off) the import took
11.6 s. Writing it from a second connection while the first copies the rows took
longer than the difference on two cores (2.7 to 2.8 s for the server's part alone).

So an import's COPY leaves the insert trigger out (SEARCH_LATER_SETTING). A small
import then writes its rows' text itself; a large one adds its range of ids to
SearchBacklog in the same transaction, and `search_backlog_index`, run by a task the
import starts once it commits and by every worker's sweep, writes the missing rows
into RecipientSearch and takes the range off the backlog, a chunk per transaction.
Until then a search of that certificate also reads the range's rows themselves
(`text_match`), so it finds the same recipients either way, only more slowly for
those seconds.

On SQLite none of this runs: its search reads the recipient table's own column, which
the import writes folded already."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django_tasks import task

from conferral.certificates.models import Certificate, Recipient
from conferral.certificates.search import FoldedTextContains, SearchFold, fold_sql
from conferral.certificates.search_models import RecipientSearch, SearchBacklog

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

logger = logging.getLogger(__name__)

SEARCH_LATER_SETTING = "conferral.search_later"
"""The setting the search insert trigger's WHEN reads: 'on' while an import's rows are
left to the backlog (a setting of the session, for its transaction only)."""
INDEX_CHUNK = 20_000
"""Ids indexed per transaction: 0.3 s of the server's time, so that a sweep's other
work and a concurrent edit of those rows wait no longer than that."""
AT_ONCE_MAX = 1_000
"""An import of up to this many rows (one chunk, such as a recipient added through the
API) writes its search text itself, before it commits: some 15 ms of trigrams, where a
backlog would make every search of the certificate read its rows until a worker came."""


@dataclass
class Span:
    """The first and last recipient an import's COPY writes, by public id, and how many
    it writes."""

    certificate_id: int = 0
    first: str = ""
    last: str = ""
    count: int = 0

    def add(self, certificate_id: int, public_ids: list[str]) -> None:
        if public_ids:
            self.certificate_id = certificate_id
            self.first = self.first or public_ids[0]
            self.last = public_ids[-1]
            self.count += len(public_ids)


@contextmanager
def searched_later(cursor: CursorWrapper, span: Span) -> Iterator[None]:
    """The block's inserts leave their search text out: after it, the range from
    `span`'s first to its last recipient goes onto SearchBacklog, or for a few rows
    (AT_ONCE_MAX) their text is written there and then. A block that fails adds
    nothing, and its failed transaction takes the setting back with it."""
    cursor.execute("SELECT set_config(%s, 'on', true)", [SEARCH_LATER_SETTING])
    yield
    cursor.execute("SELECT set_config(%s, 'off', true)", [SEARCH_LATER_SETTING])
    if not span.first:
        return
    recipients = connection.ops.quote_name(Recipient._meta.db_table)
    cursor.execute(
        f"SELECT min(id), max(id) FROM {recipients} WHERE public_id IN (%s, %s)",
        [span.first, span.last],
    )
    low, high = cursor.fetchone()
    if span.count <= AT_ONCE_MAX:
        _texts_write(cursor, span.certificate_id, low, high)
        return
    backlog = connection.ops.quote_name(SearchBacklog._meta.db_table)
    cursor.execute(
        f"INSERT INTO {backlog} (certificate_id, low, high) VALUES (%s, %s, %s)",
        [span.certificate_id, low, high],
    )
    transaction.on_commit(search_backlog_enqueue)


def _texts_write(cursor: CursorWrapper, certificate_id: int, low: int, high: int) -> int:
    """Write the search text of the certificate's recipients from id `low` to `high`
    that have none yet; how many were written."""
    recipients = connection.ops.quote_name(Recipient._meta.db_table)
    texts = connection.ops.quote_name(RecipientSearch._meta.db_table)
    cursor.execute(
        f"INSERT INTO {texts} (recipient_id, search_text) "
        f"SELECT id, {fold_sql('postgresql', 'name', 'email')} FROM {recipients} "
        "WHERE certificate_id = %s AND id BETWEEN %s AND %s "
        "ON CONFLICT (recipient_id) DO NOTHING",
        [certificate_id, low, high],
    )
    return max(int(cursor.rowcount), 0)


def search_backlog_enqueue() -> None:
    """Have a worker write the backlog now rather than at its next sweep (up to
    SWEEP_INTERVAL_SECONDS later). Never raises: the backlog's rows are the source of
    truth, and the sweep writes them if the queue is unavailable."""
    try:
        search_backlog_write.enqueue()
    except Exception:
        logger.exception("Could not enqueue the search backlog's task; the sweep will write it")


@task()
def search_backlog_write() -> int:
    """The task `search_backlog_enqueue` starts: `search_backlog_index`."""
    if not connection.in_atomic_block:
        close_old_connections()  # a long-lived worker's connection may be gone
    return search_backlog_index()


def text_match(certificate: Certificate, q: str) -> Q:
    """The recipients whose folded name or address contains `q`: on SQLite the
    recipient's own column; on PostgreSQL the search table, and the rows of the
    certificate's backlog folded as they are read."""
    if connection.vendor != "postgresql":
        return Q(FoldedTextContains(F("search_text"), q))
    texts = RecipientSearch.objects.filter(FoldedTextContains(F("search_text"), q))
    match = Q(pk__in=texts.values("recipient_id"))
    pending = SearchBacklog.objects.filter(certificate=certificate).values_list("low", "high")
    for low, high in pending:
        match |= Q(pk__range=(low, high)) & Q(FoldedTextContains(SearchFold("name", "email"), q))
    return match


def search_backlog_index(chunk: int = INDEX_CHUNK) -> int:
    """Write the search text of every range on the backlog, a chunk of ids per
    transaction, and return how many rows were written. A range another worker is
    indexing is skipped (its row is locked); a row that already has its text (an edit
    wrote it meanwhile) keeps it. PostgreSQL only: SQLite has no backlog."""
    if connection.vendor != "postgresql":
        return 0
    written = 0
    while (step := _index_step(chunk)) is not None:
        written += step
    return written


def _index_step(chunk: int) -> int | None:
    """One chunk of the first unlocked range, or None when none is left."""
    backlog = connection.ops.quote_name(SearchBacklog._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, certificate_id, low, high FROM {backlog} "
            "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
        )
        row = cursor.fetchone()
        if row is None:
            return None
        pk, certificate_id, low, high = row
        end = min(high, low + chunk - 1)
        written = _texts_write(cursor, certificate_id, low, end)
        if end >= high:
            cursor.execute(f"DELETE FROM {backlog} WHERE id = %s", [pk])
        else:
            cursor.execute(f"UPDATE {backlog} SET low = %s WHERE id = %s", [end + 1, pk])
    return written

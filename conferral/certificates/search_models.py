"""PostgreSQL's search table and its backlog (conferral.certificates.search_backlog).

A recipient search on PostgreSQL reads trigrams of each recipient's folded name and
address. They used to be indexed on the recipient table itself, where every import and
every update that moved a recipient to another index entry (a send, a delivery, an open)
wrote some forty trigram entries again. Here the folded text has a narrow table of its
own, written when a recipient is added or its name or address changes, and nothing
else. An import leaves its rows to the backlog instead, so that it does not wait for
their trigrams: a worker's sweep indexes them moments later, and a search meanwhile
reads those rows themselves.

SQLite reads the recipient table's own `search_text` through its covering index and
writes neither table: both stay empty there."""

from __future__ import annotations

from django.db import models

from conferral.certificates.models import Certificate, Recipient


class RecipientSearch(models.Model):
    """One recipient's name and address folded as `fold_sql` folds them, written by the
    recipient table's triggers (conferral.certificates.search_triggers) or by the
    backlog's indexing, never from Python; read through SearchIndex."""

    recipient = models.OneToOneField(
        Recipient, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    search_text = models.TextField()

    def __str__(self) -> str:
        return f"search text of {self.recipient_id}"


class SearchBacklog(models.Model):
    """The recipients of one import (PostgreSQL) whose search text is not written yet:
    the certificate's ids from `low` to `high`. A row of another certificate or one
    that a trigger already wrote may fall in the range too; the indexing skips both."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="+")
    low = models.BigIntegerField()
    high = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.low} to {self.high}"

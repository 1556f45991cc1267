"""How far each journal segment has been applied (conferral.tracking.journal)."""

from __future__ import annotations

from django.db import models


class JournalOffset(models.Model):
    """The bytes of segment `name` that are in the database. It moves in the same
    transaction as the hits it covers, so a crash between the two cannot apply a hit
    twice or skip one."""

    name = models.CharField(max_length=200, unique=True)
    offset = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.offset}"

"""The one table of the request helpers: the throttle's counters (conferral.core.throttle)."""

from __future__ import annotations

from django.db import models


class ThrottleCounter(models.Model):
    """How many times one key was counted in one window of one limit. The primary key
    is `<limit>:<hmac digest of the key>:<window number>`: never the raw address, email,
    token or API key. A row outlives its window only until the next window starts
    somewhere (conferral.core.throttle deletes the expired ones then)."""

    key = models.CharField(max_length=120, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"

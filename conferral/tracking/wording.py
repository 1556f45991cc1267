"""How a time and a server's reply appear inside a sentence of the timeline and the
summary."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone

REPLY_MAX = 300


def when_text(moment: dt.datetime | None, same_day_as: dt.datetime | None = None) -> str:
    """A time for a sentence, in the formats the timeline uses: the time alone on the
    same day, the date and time otherwise."""
    if moment is None:
        return ""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    local = timezone.localtime(moment)
    if same_day_as is not None and timezone.localtime(same_day_as).date() == local.date():
        return formats.time_format(local, "TIME_FORMAT")
    return formats.date_format(local, "DATETIME_FORMAT")


def reply_text(reply: str, code: int | None = None) -> str:
    """A server's reply for a sentence: one line, shortened, or its code alone."""
    text = " ".join(reply.split())
    if not text and code:
        text = str(code)
    if len(text) > REPLY_MAX:
        text = text[: REPLY_MAX - 1] + "…"
    return text

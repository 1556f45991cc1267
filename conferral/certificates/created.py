"""Recipients just added, announced once their transaction commits: the webhooks'
`recipient.created` listens here. Adding a recipient writes no event (an import of
100,000 would write 100,000 rows nobody reads), so this is its own small seam: each
listener registered with `recipients_created_subscribe` gets, after commit, the
certificate and the public ids of each chunk `recipients_add` wrote. While nothing
listens, announcing costs one list check."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

Listener = Callable[[int, Sequence[str]], None]  # (certificate pk, recipients' public ids)
_listeners: list[Listener] = []


def recipients_created_subscribe(listener: Listener) -> Callable[[], None]:
    """Have `listener` called after each commit that added recipients; returns the
    function that unsubscribes it."""
    _listeners.append(listener)
    return partial(_unsubscribe, listener)


def _unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def recipients_created_dispatch(*, certificate_id: int, public_ids: Sequence[str]) -> None:
    """Announce recipients written in the current transaction once it commits (nothing
    for one that rolls back)."""
    if _listeners and public_ids:
        transaction.on_commit(partial(_deliver, certificate_id, tuple(public_ids)))


def _deliver(certificate_id: int, public_ids: tuple[str, ...]) -> None:
    for listener in list(_listeners):
        try:
            listener(certificate_id, public_ids)
        except Exception:
            logger.exception("Recipients listener %r failed", listener)

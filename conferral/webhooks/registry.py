"""Which enabled endpoints want the events of a certificate, remembered for a few
seconds per process, so the subscriber usually reads nothing: while no endpoint is
enabled at all, an event batch costs no query; otherwise a certificate's endpoints are
read once and then kept for ANY_ENDPOINT_SECONDS. Registering, changing or deleting an
endpoint forgets everything at once in the process that did it; another process
notices within those seconds (a delivery for an endpoint deleted meanwhile fails its
foreign key, and the subscriber reads afresh: conferral.webhooks.subscriber)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from conferral.webhooks.models import Endpoint

ANY_ENDPOINT_SECONDS = 5.0
CERTIFICATES_KEPT = 10_000

Wanted = tuple[tuple[int, frozenset[str]], ...]  # (endpoint pk, its event types)

_any: dict[str, float | bool] = {}
_by_certificate: dict[int, tuple[float, Wanted]] = {}


def endpoints_exist() -> bool:
    checked = _any.get("at")
    if isinstance(checked, float) and time.monotonic() - checked < ANY_ENDPOINT_SECONDS:
        return bool(_any["any"])
    found = Endpoint.objects.filter(disabled_at__isnull=True).exists()
    _any.update(any=found, at=time.monotonic())
    return found


def endpoints_of(certificate_ids: Iterable[int]) -> dict[int, Wanted]:
    """Each certificate's enabled endpoints, read with one query for those not known."""
    now = time.monotonic()
    known: dict[int, Wanted] = {}
    unknown: set[int] = set()
    for certificate_id in set(certificate_ids):
        cached = _by_certificate.get(certificate_id)
        if cached is not None and now - cached[0] < ANY_ENDPOINT_SECONDS:
            known[certificate_id] = cached[1]
        else:
            unknown.add(certificate_id)
    if unknown:
        found: dict[int, list[tuple[int, frozenset[str]]]] = {pk: [] for pk in unknown}
        for pk, types, certificate_id in Endpoint.objects.filter(
            organization__certificates__id__in=unknown, disabled_at__isnull=True
        ).values_list("pk", "event_types", "organization__certificates__id"):
            found[certificate_id].append((pk, frozenset(types)))
        if len(_by_certificate) > CERTIFICATES_KEPT:
            _by_certificate.clear()
        for certificate_id, endpoints in found.items():
            known[certificate_id] = tuple(endpoints)
            _by_certificate[certificate_id] = (now, known[certificate_id])
    return known


def endpoints_changed() -> None:
    _any.clear()
    _by_certificate.clear()

"""Load at start what the first request or task would otherwise load on its way.

Django imports the URLconf, and with it every view, schema and service they import, at
the first `resolve()` or `reverse()`, and builds its reverse lookup on the first
`reverse()`. A worker's first message built its tracking links that way: 0.4 to 0.9 s of
imports inside the first send. `warm_up` does it once, when a worker starts, before it
takes any work. (Web processes still load it at their first request: with a warm start
there too, four tests of `conferral serve` got no answer in time on a heavily loaded
machine, so it was taken out.)"""

from __future__ import annotations

from django.urls import URLResolver, get_resolver


def warm_up() -> None:
    """Import the URLconf and everything it reaches, and build its reverse lookups."""
    _populate(get_resolver())


def _populate(resolver: URLResolver) -> None:
    resolver.reverse_dict  # noqa: B018 (reading it imports the patterns and builds it)
    for _prefix, namespace in resolver.namespace_dict.values():
        _populate(namespace)

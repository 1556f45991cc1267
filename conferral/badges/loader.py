"""The JSON-LD document loader: the contexts this installation ships, and nothing else.

Canonicalisation (conferral.badges.proof) resolves every `@context` URL through here, so
nothing is ever fetched at run time: a document that names any other context is
refused with `ContextRefused`, which a verifier reports as "unknown context" rather
than quietly reading the document another way."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cachetools import LRUCache

CONTEXTS = Path(__file__).resolve().parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SHIPPED = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
}


class ContextRefused(Exception):
    """A document names a context that is not shipped with Conferral."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"unknown JSON-LD context: {url}")


@cache
def _shipped(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CONTEXTS / name).read_text(encoding="utf-8"))
    return data


class Loader:
    """A pyld document loader serving `documents` (URL to parsed JSON) and refusing any
    other URL. It brings its own cache of resolved contexts: pyld's shared one would
    let a context one loader served be used by another that does not serve it."""

    def __init__(self, documents: Mapping[str, dict[str, Any]]) -> None:
        self.documents = dict(documents)
        self.resolved: LRUCache[str, Any] = LRUCache(maxsize=len(self.documents) * 4 + 4)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        document = self.documents.get(url)
        if document is None:
            raise ContextRefused(url)
        return {"contextUrl": None, "documentUrl": url, "document": document}


def loader_for(documents: Mapping[str, dict[str, Any]]) -> Loader:
    return Loader(documents)


@cache
def shipped_loader() -> Loader:
    """The loader for the contexts in ./contexts (one per process, its cache kept)."""
    return Loader({url: _shipped(name) for url, name in SHIPPED.items()})

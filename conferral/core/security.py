"""What keeps a public Conferral safe: a secret key nobody else knows, and a
Content-Security-Policy on every page.

The secret key signs sessions, password-reset links and every tracking link and pixel
we mail out. A key published in the source would let anyone forge those, so Conferral
never signs with one: without CONFERRAL_SECRET_KEY it generates a random key into the
data directory on first start (next to the SQLite database, so it lives as long as
the data it signs) and reads it from there afterwards."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse

# The development key earlier versions shipped as the default. It is public, so it is
# refused wherever a forged signature would matter.
PUBLISHED_DEVELOPMENT_KEY = "conferral-insecure-development-key-change-me"

KEY_FILE = "secret_key"


def generated_secret_key(data_dir: Path) -> str:
    """The key kept in `data_dir`, generated on first use and readable by its owner
    only. A new key is written to a file of its own and then linked into place, which
    fails if another process got there first: processes starting at once agree on one
    key, and none ever reads a half-written file."""
    path = data_dir / KEY_FILE
    if not path.exists():
        draft = data_dir / f".{KEY_FILE}.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if not key:
        raise SystemExit(
            f"{path} is empty: delete it to generate a new secret key, or set CONFERRAL_SECRET_KEY."
        )
    return key


def published_key_refusal(key: str, fallbacks: list[str], *, https: bool, debug: bool) -> str:
    """Why Conferral must not start with these keys ("" when it may). Only a debug run
    on plain http may use the published key: anything else may face the internet."""
    if debug and not https:
        return ""
    if key == PUBLISHED_DEVELOPMENT_KEY:
        setting = "CONFERRAL_SECRET_KEY"
    elif PUBLISHED_DEVELOPMENT_KEY in fallbacks:
        setting = "CONFERRAL_SECRET_KEY_FALLBACKS"
    else:
        return ""
    return (
        f"{setting} holds the published development key, so anyone could forge "
        "sessions and tracking links. Set CONFERRAL_SECRET_KEY to a random value "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or unset it "
        "to use the key generated in the data directory."
    )


def _style_hash(css: str) -> str:
    digest = hashlib.sha256(css.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# htmx 2.0.11 adds one <style> element of its own (the request indicator); its hash
# lets exactly that stylesheet in and no other inline one. Should an htmx upgrade change
# the text, the browser test of every page reports the blocked style.
HTMX_INDICATOR_STYLE = (
    ".htmx-indicator{opacity:0;visibility: hidden} "
    ".htmx-request .htmx-indicator, .htmx-request.htmx-indicator"
    "{opacity:1;visibility: visible;transition: opacity 200ms ease-in}"
)

# Scripts and stylesheets come from our own static files only, and no inline style
# is allowed, not even a style attribute: templates use classes, and scripts set styles
# through the DOM (element.style), which a policy does not restrict.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {_style_hash(HTMX_INDICATOR_STYLE)}",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Gives every response the site-wide policy, unless its view set a policy of its
    own: the mailbox and the previews set stricter, sandboxed ones, and they stand."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

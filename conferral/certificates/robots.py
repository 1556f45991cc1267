"""Search engines and a credential's public pages: the one home of the rule.

The recipient's page, the verification page, the downloads and the Open Badges files
of a credential ask search engines not to index them (X-Robots-Tag, and the robots
meta tag of the HTML pages) unless its certificate allows indexing: an indexed
verification page tells the world a person's name and what they did. An erased or
revoked credential is never indexable, and a page about no credential (a claim form, a
"not found") never either. robots.txt is no help here: a crawler that may not fetch a
page never sees its noindex, and may still list its address from links elsewhere."""

from __future__ import annotations

from django.http import HttpResponse

from conferral.certificates.models import Recipient

NOINDEX = "noindex, nofollow"


def indexable(recipient: Recipient | None) -> bool:
    """Whether search engines may index the pages of `recipient`'s credential."""
    return (
        recipient is not None
        and recipient.certificate.allow_indexing
        and recipient.erased_at is None
        and recipient.revoked_at is None
    )


def robots_tagged(response: HttpResponse, recipient: Recipient | None = None) -> HttpResponse:
    """`response` with X-Robots-Tag: noindex, nofollow, unless it shows an indexable
    credential (the HTML pages say the same with `indexable` in their context)."""
    if not indexable(recipient):
        response["X-Robots-Tag"] = NOINDEX
    return response

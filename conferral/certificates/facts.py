"""What each number of the statistics counts, as a condition on the recipient rows: one
definition for the count (conferral.stats) and for the recipients tab filtered to it,
so a number and the list behind it always agree."""

from __future__ import annotations

from django.db import models
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from conferral.certificates.models import Recipient
from conferral.certificates.status import DELIVERED


class Fact(models.TextChoices):
    SENT = "sent", _("Sent at least once")
    DELIVERED = "delivered", _("Delivered and not bounced since")
    OPENED = "opened", _("Opened (a click counts as an open)")
    CLICKED = "clicked", _("Clicked the email's link")
    MACHINE_OPENED_ONLY = "machine_opened_only", _("Only a machine's open")
    MACHINE_OPENED = "machine_opened", _("Opened by a machine")
    MACHINE_CLICKED = "machine_clicked", _("Clicked by a machine")
    OPENED_ANY = "opened_any", _("Opened, by a person or a machine")
    CLICKED_ANY = "clicked_any", _("Clicked, by a person or a machine")
    CLAIMED = "claimed", _("Claimed")
    SHARED_OR_DOWNLOADED = "shared_or_downloaded", _("Shared or downloaded")
    ADDED_TO_LINKEDIN = "added_to_linkedin", _("Added to LinkedIn")


SHARED_TEXT = "shared_text"
"""The annotation `with_shared_text` adds: the `shared` list as JSON text."""


def with_shared_text(recipients: QuerySet[Recipient]) -> QuerySet[Recipient]:
    """`shared` as text, for `shared_on` and SHARED_OR_DOWNLOADED. JSON containment is
    not portable (SQLite has no `contains` lookup for JSON), but the JSON text is: both
    databases write a list of strings with each element in double quotes, and a quote
    inside an element is escaped, so `"x"` only matches the element "x"."""
    return recipients.annotate(**{SHARED_TEXT: Cast("shared", TextField())})


def shared_on(network: str) -> Q:
    """Shared on `network` (needs `with_shared_text`)."""
    return Q(**{f"{SHARED_TEXT}__contains": f'"{network}"'})


_CLICKED = Q(clicked_at__isnull=False)
_OPENED = Q(opened_at__isnull=False) | _CLICKED
_MACHINE_OPENED = Q(machine_opened_at__isnull=False)
_MACHINE_CLICKED = Q(machine_clicked_at__isnull=False)

FACTS: dict[Fact, Q] = {
    Fact.SENT: Q(first_sent_at__isnull=False),
    Fact.DELIVERED: Q(email_status__in=DELIVERED),
    Fact.OPENED: _OPENED,
    Fact.CLICKED: _CLICKED,
    Fact.MACHINE_OPENED_ONLY: _MACHINE_OPENED & ~_OPENED,
    # A machine's click infers a machine's open, as a person's click infers a person's:
    # so all opens are exactly the people's and the machines' together.
    Fact.MACHINE_OPENED: _MACHINE_OPENED | _MACHINE_CLICKED,
    Fact.MACHINE_CLICKED: _MACHINE_CLICKED,
    Fact.OPENED_ANY: _OPENED | _MACHINE_OPENED | _MACHINE_CLICKED,
    Fact.CLICKED_ANY: _CLICKED | _MACHINE_CLICKED,
    Fact.CLAIMED: Q(claimed_at__isnull=False),
    Fact.SHARED_OR_DOWNLOADED: Q(downloaded_at__isnull=False)
    | Q(**{f"{SHARED_TEXT}__contains": '"'}),
    Fact.ADDED_TO_LINKEDIN: Q(linkedin_added_at__isnull=False),
}
"""Each fact's condition (those about sharing need `with_shared_text`)."""

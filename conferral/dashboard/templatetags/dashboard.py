"""Template helpers of the dashboard."""

from __future__ import annotations

from django import template

from conferral.certificates.models import Recipient
from conferral.certificates.status import Status
from conferral.dashboard.mailbox import mailbox_enabled

register = template.Library()


@register.simple_tag
def show_mailbox() -> bool:
    """Whether the navigation offers the local mailbox."""
    return mailbox_enabled()


@register.filter
def certificate_status(recipient: Recipient) -> str:
    """The human label of a recipient's certificate status (a generated column, which
    has no get_status_display)."""
    return str(Status(recipient.status).label)

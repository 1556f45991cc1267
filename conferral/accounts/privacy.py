"""An organization's privacy settings: whether its emails track opens and clicks, and
how long its events are kept. `organization_privacy_update` is the one writer (the
dashboard's privacy page and PATCH /api/v1/organization both call it) and the one home
of what a valid setting is.

The project keeps no audit table, so a change is logged (who, what, before and after;
the log line has the time) rather than recorded in the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from conferral.accounts.models import Organization

logger = logging.getLogger(__name__)

RETENTION_DAYS_MIN = 1
RETENTION_DAYS_MAX = 3650
"""An organization keeps its events at least a day and at most ten years; empty is the
installation's EVENT_RETENTION_DAYS."""


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    track_opens: bool
    track_clicks: bool
    event_retention_days: int | None  # None: the installation's default


def privacy_settings_of(organization: Organization) -> PrivacySettings:
    return PrivacySettings(
        track_opens=organization.track_opens,
        track_clicks=organization.track_clicks,
        event_retention_days=organization.event_retention_days,
    )


def retention_days_default() -> int:
    """The installation's EVENT_RETENTION_DAYS (0: events are kept forever)."""
    return int(settings.EVENT_RETENTION_DAYS)


def retention_days_check(days: object) -> int | None:
    """`days` as a retention setting, or a ValidationError naming the field."""
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValidationError({"event_retention_days": [_("Must be a whole number of days.")]})
    if not RETENTION_DAYS_MIN <= days <= RETENTION_DAYS_MAX:
        raise ValidationError(
            {
                "event_retention_days": [
                    _("Must be between %(min)s and %(max)s days, or empty for the default.")
                    % {"min": RETENTION_DAYS_MIN, "max": RETENTION_DAYS_MAX}
                ]
            }
        )
    return days


def organization_privacy_update(
    *, organization: Organization, values: PrivacySettings, by: str
) -> Organization:
    """Save the organization's privacy settings; `by` names who changed them (a user's
    email, or an API key's prefix) for the log. Refuses an invalid retention with a
    ValidationError and then changes nothing.

    Switching tracking off takes effect for the emails rendered from then on
    (conferral.delivery.message leaves out the pixel, or links straight to the
    recipient's page), and the statistics show "not tracked" at once
    (conferral.stats.selectors)."""
    days = retention_days_check(values.event_retention_days)
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        before = privacy_settings_of(locked)
        locked.track_opens = bool(values.track_opens)
        locked.track_clicks = bool(values.track_clicks)
        locked.event_retention_days = days
        locked.save(update_fields=["track_opens", "track_clicks", "event_retention_days"])
    after = privacy_settings_of(locked)
    if after != before:
        logger.info(
            "privacy settings of organization %s changed by %s: %s -> %s",
            locked.public_id,
            by,
            before,
            after,
        )
    organization.track_opens = locked.track_opens
    organization.track_clicks = locked.track_clicks
    organization.event_retention_days = locked.event_retention_days
    return organization

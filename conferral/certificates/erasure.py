"""Erasing a recipient at the issuer's request: the person's data goes, the facts stay.

In one transaction `recipient_erase` empties the name, the address, the attributes and
everything else on the row that came from or quotes the person (the mail server's last
reply, the provider's message id, the revocation reason), cancels a send or reminder
still to come, strips the events of their user agents, client hashes and personal
detail fields (each detail class names its own: `EventDetail.PERSONAL`), and records
one `credential.erased` naming the member who did it. The status columns stay, so the
statistics keep counting the recipient, and the timeline keeps its types, times,
channels and machine verdicts.

The copies kept elsewhere go in the same transaction when they are rows, and right
after it commits when they are files (the rendered PDF and PNGs of the credential as it
was). This app deletes its replaced tokens; the apps above it keep the other copies
(stored inbound reports, the local mailbox's messages, webhook deliveries, the signed
Open Badges document) and each deletes its own: it registers with `erasure_subscribe`
and is called, inside the erasure's transaction, with an `Erasure` naming the
recipient, its organization, every address it had and the Message-IDs sent to it (read
before they are blanked). A listener that fails rolls the erasure back: nothing is
half erased. The token and the credential id stay: the recipient's links, its
verification page and its badge answer "erased by its issuer" (410), and the badge's
status list entry is set (conferral.badges.status_list), so verifiers elsewhere stop
accepting it.

The address stays on the organization's suppression list when it is there: not writing
again to someone who complained or whose mailbox is gone is the point of that list
(docs/privacy.md)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from conferral.certificates.design import design_of
from conferral.certificates.event_details import CredentialErased, EmailCancelled
from conferral.certificates.events import event_record, events_anonymise
from conferral.certificates.models import Channel, Event, EventType, Recipient, ReplacedToken
from conferral.certificates.rendering.cache import render_cache
from conferral.certificates.rendering.renderer import (
    PREVIEW_PPI,
    Format,
    RenderError,
    render_job,
)
from conferral.certificates.services import ServiceError
from conferral.certificates.status import EmailStatus, Step, transition

logger = logging.getLogger(__name__)

# The renderings the public pages and the dashboard keep: the PDF, the PNG download and
# the page's preview.
RENDERINGS: tuple[tuple[Format, float | None], ...] = (
    ("pdf", None),
    ("png", None),
    ("png", PREVIEW_PPI),
)


class RecipientErased(ServiceError):
    """The recipient was erased: nothing of theirs can be changed, sent or revoked."""

    def __init__(self, erased_at: dt.datetime) -> None:
        self.erased_at = erased_at
        super().__init__(
            _("This recipient was erased on %(date)s: there is nothing left to change.")
            % {"date": formats.date_format(timezone.localtime(erased_at), "DATE_FORMAT")}
        )


@dataclass(frozen=True, slots=True)
class Erasure:
    """What a listener needs to find its copies of an erased recipient's data."""

    recipient_id: int
    organization_id: int
    addresses: frozenset[str]  # lower-cased: the current one and those its edits named
    message_ids: frozenset[str]  # of the emails sent to it


Listener = Callable[[Erasure], None]
_listeners: list[Listener] = []


def erasure_subscribe(listener: Listener) -> Callable[[], None]:
    """Have `listener` delete its copies of every recipient erased from now on (inside
    the erasure's transaction); returns the function that unsubscribes it."""
    _listeners.append(listener)
    return partial(_unsubscribe, listener)


def _unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def recipient_erased_refuse(recipient: Recipient) -> None:
    """Raise RecipientErased for an erased recipient (edit, resend, revoke, new token)."""
    if recipient.erased_at is not None:
        raise RecipientErased(recipient.erased_at)


def recipient_erase(
    *, recipient: Recipient, by: str = "", channel: str = Channel.ADMIN
) -> Recipient:
    """Erase the recipient (see the module's docstring); `by` is the member's sign-in
    address (empty through the API) and `channel` where it was asked for. A second
    erase changes nothing and raises RecipientErased."""
    with transaction.atomic():
        row = (
            Recipient.objects.select_for_update()
            .select_related("certificate__organization")
            .get(pk=recipient.pk)
        )
        recipient_erased_refuse(row)
        now = timezone.now()
        files = _rendered_files(row)
        addresses, message_ids = _addresses_and_messages(row)
        _pending_cancel(row, now)
        row.name = ""
        row.email = ""
        row.attributes = {}
        row.last_reply = ""
        row.provider_message_id = ""
        row.revoke_reason = ""
        row.reminder_due_at = None
        row.erased_at = now
        row.save(
            update_fields=[
                "name",
                "email",
                "attributes",
                "last_reply",
                "provider_message_id",
                "revoke_reason",
                "reminder_due_at",
                "erased_at",
            ]
        )
        events_anonymise(recipient_id=row.pk)
        ReplacedToken.objects.filter(recipient_id=row.pk).delete()
        erasure = Erasure(
            recipient_id=row.pk,
            organization_id=row.certificate.organization_id,
            addresses=frozenset(addresses),
            message_ids=frozenset(message_ids),
        )
        for listener in list(_listeners):
            listener(erasure)
        event_record(recipient=row, detail=CredentialErased(by=by), at=now, channel=channel)
        transaction.on_commit(partial(_files_delete, files))
    row.refresh_from_db()
    return row


def erasure_of(recipient: Recipient) -> CredentialErased | None:
    """Who erased the recipient (None when it was not erased)."""
    if recipient.erased_at is None:
        return None
    stored = (
        Event.objects.filter(recipient_id=recipient.pk, type=EventType.CREDENTIAL_ERASED)
        .values_list("detail", flat=True)
        .first()
    )
    return CredentialErased.from_json(stored or {})


def _pending_cancel(row: Recipient, now: dt.datetime) -> None:
    """A send still to come is called off (a scheduled one as if never scheduled, a
    queued or deferred one because no address is left); one a worker holds right now
    cannot be taken back."""
    held = bool(row.lease_owner) and row.lease_until is not None and row.lease_until > now
    if row.next_attempt_at is None or held:
        return
    step = Step.CANCEL if row.email_status == EmailStatus.SCHEDULED else Step.ADDRESS_REMOVE
    row.email_status = transition(step).apply(row.email_status)
    row.next_attempt_at = None
    row.attempts = 0
    row.save(update_fields=["email_status", "next_attempt_at", "attempts"])
    event_record(recipient=row, detail=EmailCancelled(), at=now)


def _addresses_and_messages(row: Recipient) -> tuple[set[str], set[str]]:
    """Every address the recipient had (the current one and those its edits name) and
    the Message-IDs of the emails sent to them, read before the events lose them."""
    addresses = {row.email.lower()} if row.email else set()
    message_ids: set[str] = set()
    kinds = (EventType.RECIPIENT_UPDATED, EventType.EMAIL_SENT)
    for kind, stored in Event.objects.filter(recipient_id=row.pk, type__in=kinds).values_list(
        "type", "detail"
    ):
        detail = stored or {}
        if kind == EventType.EMAIL_SENT:
            message_ids.add(str(detail.get("message_id", "")))
        else:
            addresses.update(str(detail.get(key, "")).lower() for key in ("old_email", "new_email"))
    return addresses - {""}, message_ids - {""}


def _rendered_files(row: Recipient) -> list[Path]:
    """Where the render cache keeps this credential as it looks now (its name on it)."""
    store = render_cache()
    design = design_of(row.certificate)
    try:
        with translation.override(row.certificate.language):
            jobs = [(render_job(row, design, fmt, ppi), fmt) for fmt, ppi in RENDERINGS]
    except RenderError:
        logger.warning("could not name the rendered files of recipient %s", row.pk)
        return []
    return [store.path(job.key, fmt) for job, fmt in jobs]


def _files_delete(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            logger.warning("could not delete the rendered file %s: %s", path.name, error)

"""What recipients and verifiers do with an email and a credential: open, click, view,
download, share, add to LinkedIn, verify (claiming is conferral.certificates.credentials).
Each service writes the recipient's status columns and its event in one transaction.
Opens and clicks follow the rules of conferral.tracking.hits, which applies the tracking
journal's batches too.
Column writes are conditional UPDATEs (for opens and clicks: rows read locked, then
written), so concurrent or repeated hits change a column once ("first open") and move
the email status only as the status machine allows.

Opens, clicks and views are judged by `machine.machine_verdict`: a machine-made hit is
recorded with `machine=True` and its reason in the detail, and changes no status a
person's hit would change (a machine open only sets `machine_opened_at`).

Hits that change no status when repeated (views, verifications, machine opens) are
folded: a repeat from the same client within settings.EVENT_FOLD_SECONDS of the first
adds to that event's count (`event_fold`) instead of writing another row, so a page
reloaded all day or a scanner's retries cannot flood the timeline. Such a service
returns the event it wrote, or None when the hit was folded into an earlier one."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from conferral.certificates.credentials import credential_usable
from conferral.certificates.event_details import (
    CredentialDownloaded,
    CredentialLinkedinAdded,
    CredentialShared,
    CredentialVerified,
    CredentialViewed,
    Foldable,
)
from conferral.certificates.events import NewEvent, event_fold, event_record
from conferral.certificates.models import Channel, Event, Recipient
from conferral.tracking.hits import Hit, hits_apply
from conferral.tracking.links import CLICK, OPEN
from conferral.tracking.machine import Verdict, machine_verdict


class Network(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    FACEBOOK = "facebook", "Facebook"
    X = "x", "X"


class DownloadFormat(models.TextChoices):
    PDF = "pdf", gettext_lazy("PDF document")
    PNG = "png", gettext_lazy("PNG image")
    # An Open Badge's own files (conferral.badges.views): the signed credential, and the
    # badge image with the credential baked in.
    BADGE_JSON = "badge-json", gettext_lazy("Open Badges credential (JSON)")
    BADGE_PNG = "badge-png", gettext_lazy("badge image with the credential baked in (PNG)")
    BADGE_SVG = "badge-svg", gettext_lazy("badge image with the credential baked in (SVG)")


def _delivered_at(recipient: Recipient) -> dt.datetime | None:
    return recipient.delivered_at or recipient.first_sent_at


def _link_verdict(
    recipient: Recipient, user_agent: str, client_address: str, method: str, at: dt.datetime
) -> Verdict:
    return machine_verdict(
        user_agent=user_agent,
        client_address=client_address,
        method=method,
        delivered_at=_delivered_at(recipient),
        at=at,
    )


def _record_or_fold(
    *,
    recipient: Recipient,
    detail: Foldable,
    at: dt.datetime,
    channel: str,
    machine: bool,
    user_agent: str,
    client_address: str,
) -> Event | None:
    """Count the hit into an earlier event of the same client, else write its own."""
    within = dt.timedelta(seconds=settings.EVENT_FOLD_SECONDS)
    if event_fold(
        recipient=recipient,
        detail=detail,
        at=at,
        within=within,
        channel=channel,
        machine=machine,
        client_address=client_address,
    ):
        return None
    return event_record(
        recipient=recipient,
        detail=detail,
        at=at,
        channel=channel,
        machine=machine,
        user_agent=user_agent,
        client_address=client_address,
    )


def _refresh(recipient: Recipient, *fields: str) -> None:
    recipient.refresh_from_db(fields=list(fields))


def _email_hit(
    kind: str, recipient: Recipient, user_agent: str, client_address: str, method: str
) -> NewEvent | None:
    hit = Hit(
        kind=kind,
        public_id=recipient.public_id,
        at=timezone.now(),
        user_agent=user_agent,
        client_address=client_address,
        method=method,
    )
    [event] = hits_apply([hit])
    _refresh(recipient, "email_status", "opened_at", "machine_opened_at", "clicked_at")
    return event


def email_open_record(
    *, recipient: Recipient, user_agent: str = "", client_address: str = "", method: str = "GET"
) -> NewEvent | None:
    """The open pixel was fetched (or a provider reported an open): one hit through
    conferral.tracking.hits, which holds the rules. Returns the event written, or None
    when a machine's repeat was folded into its first open."""
    return _email_hit(OPEN, recipient, user_agent, client_address, method)


def email_click_record(
    *, recipient: Recipient, user_agent: str = "", client_address: str = "", method: str = "GET"
) -> NewEvent | None:
    """The tracked link in the email was followed: one hit through
    conferral.tracking.hits (a person's first click also infers the open)."""
    return _email_hit(CLICK, recipient, user_agent, client_address, method)


def credential_view_record(
    *,
    recipient: Recipient,
    channel: Channel | str,
    user_agent: str = "",
    client_address: str = "",
    method: str = "GET",
) -> Event | None:
    """The recipient page was shown. Viewing never claims. Only a view through the
    email's link is judged by how soon it came after delivery. The first view sets
    `viewed_at`; repeats from the same client are folded."""
    now = timezone.now()
    channel = Channel(channel)
    if channel == Channel.EMAIL:
        verdict = _link_verdict(recipient, user_agent, client_address, method, now)
    else:
        verdict = machine_verdict(
            user_agent=user_agent, client_address=client_address, method=method
        )
    with transaction.atomic():
        if not verdict:
            Recipient.objects.filter(pk=recipient.pk, viewed_at__isnull=True).update(viewed_at=now)
        event = _record_or_fold(
            recipient=recipient,
            detail=CredentialViewed(
                machine_reason=verdict.machine_reason, machine_source=verdict.machine_source
            ),
            at=now,
            channel=channel,
            machine=bool(verdict),
            user_agent=user_agent,
            client_address=client_address,
        )
    _refresh(recipient, "viewed_at")
    return event


def credential_download_record(
    *,
    recipient: Recipient,
    format: DownloadFormat | str,
    user_agent: str = "",
    client_address: str = "",
    method: str = "GET",
    channel: Channel | str = "",
) -> Event:
    """A file of the credential was downloaded: the PDF or PNG, or an Open Badge's JSON
    or baked image (only a claimed, unrevoked credential). With the
    `admin` channel the issuer downloaded it from the dashboard to hand it out
    themselves: allowed before a claim (not after a revocation), never judged
    machine-made, and not the recipient's download, so `downloaded_at` is left alone."""
    fmt = DownloadFormat(format)
    by_issuer = bool(channel) and Channel(channel) == Channel.ADMIN
    now = timezone.now()
    # The issuer's download is a signed-in person's button press, not a link followed.
    verdict = (
        Verdict()
        if by_issuer
        else machine_verdict(user_agent=user_agent, client_address=client_address, method=method)
    )
    with transaction.atomic():
        credential_usable(recipient, claimed=not by_issuer)
        if not verdict and not by_issuer:
            Recipient.objects.filter(pk=recipient.pk, downloaded_at__isnull=True).update(
                downloaded_at=now
            )
        event = event_record(
            recipient=recipient,
            detail=CredentialDownloaded(
                format=fmt.value,
                machine_reason=verdict.machine_reason,
                machine_source=verdict.machine_source,
            ),
            at=now,
            channel=Channel.ADMIN if by_issuer else "",
            machine=bool(verdict),
            user_agent=user_agent,
            client_address=client_address,
        )
    _refresh(recipient, "downloaded_at")
    return event


def credential_share_record(
    *,
    recipient: Recipient,
    network: Network | str,
    user_agent: str = "",
    client_address: str = "",
) -> Event:
    """A share button was pressed; the network joins `recipient.shared` once."""
    network = Network(network)
    now = timezone.now()
    with transaction.atomic():
        credential_usable(recipient)
        row = Recipient.objects.select_for_update().only("shared").get(pk=recipient.pk)
        if network.value not in row.shared:
            row.shared = [*row.shared, network.value]
            row.save(update_fields=["shared"])
        event = event_record(
            recipient=recipient,
            detail=CredentialShared(network=network.value),
            at=now,
            user_agent=user_agent,
            client_address=client_address,
        )
    _refresh(recipient, "shared")
    return event


def credential_linkedin_add_record(
    *, recipient: Recipient, user_agent: str = "", client_address: str = ""
) -> Event:
    """The "Add to LinkedIn profile" button was pressed."""
    now = timezone.now()
    with transaction.atomic():
        credential_usable(recipient)
        Recipient.objects.filter(pk=recipient.pk, linkedin_added_at__isnull=True).update(
            linkedin_added_at=now
        )
        event = event_record(
            recipient=recipient,
            detail=CredentialLinkedinAdded(),
            at=now,
            user_agent=user_agent,
            client_address=client_address,
        )
    _refresh(recipient, "linkedin_added_at")
    return event


def credential_verify_record(
    *, recipient: Recipient, user_agent: str = "", client_address: str = "", method: str = "GET"
) -> Event | None:
    """Someone looked at the public verification page; repeats from the same client
    are folded."""
    verdict = machine_verdict(user_agent=user_agent, client_address=client_address, method=method)
    with transaction.atomic():
        return _record_or_fold(
            recipient=recipient,
            detail=CredentialVerified(
                machine_reason=verdict.machine_reason, machine_source=verdict.machine_source
            ),
            at=timezone.now(),
            channel="",
            machine=bool(verdict),
            user_agent=user_agent,
            client_address=client_address,
        )

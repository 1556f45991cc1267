"""Statistics of a certificate (the statistics page and the API), each number counted
by its definition in conferral.certificates.facts, read from the tallies the database
keeps of the recipient rows' denormalised status columns; neither the recipient nor
the event table is scanned."""

from __future__ import annotations

from typing import Any

from conferral.certificates.models import Certificate
from conferral.certificates.status import DELIVERED, EmailStatus
from conferral.certificates.tallies import SOCIAL_NETWORKS, Tallies, recipient_tallies


def percent(count: int, total: int) -> float:
    """`count` as a percentage of `total`, one decimal; 0.0 when there is no total."""
    if not total:
        return 0.0
    return round(count * 100 / total, 1)


def certificate_statistics(
    certificate: Certificate, *, tallies: Tallies | None = None
) -> dict[str, Any]:
    """The statistics of one certificate, from its tally rows in one query
    (conferral.certificates.tallies says why; a caller that has the tallies already
    passes them); the organization's tracking switches cost one more query unless the
    certificate holds its organization already. This docstring is the one home of
    what each number means.

    Every percentage is of all recipients, one decimal. The email counts:

    - `not_provided`, `not_sent`, `scheduled`, `sending`: recipients whose current email
      status is that one.
    - `sent`: recipients whose message left us at least once (`first_sent_at` set),
      whatever happened next, bounces included.
    - `delivered`: recipients whose message the server accepted and that have not
      bounced since (the status machine's DELIVERED group: opened, clicked and
      complained ones included). A message that bounces after it was accepted (a late
      bounce report) leaves delivered for bounced; opened and clicked still count it.
    - `opened`: human opens and inferred opens: a recorded open (`opened_at`) or a click
      (`clicked_at`), since a click means the email was read even if images were blocked.
    - `clicked`: recipients who followed the "Get certificate" link (`clicked_at`).
    - `bounced`: recipients whose email status is bounced (hard or soft).
    - `complained`: recipients who marked the email as spam.

    `opens` and `clicks` put side by side what a person did, what machines did and
    both, so an issuer can compare with tools that count every pixel load and every
    scanner's click (each a count and a percent):

    - human opens: `opened` above (a person's open, or one a click infers).
    - human clicks: `clicked` above (`clicked_at`).
    - machine opens: recipients with a machine's open (`machine_opened_at`: an image
      proxy such as Apple Mail Privacy Protection, a security scanner) or a machine's
      click (which infers one, as a person's click infers a person's open), whatever a
      person did too.
    - machine clicks: recipients with a machine's click (`machine_clicked_at`: a link
      scanner following every link, a click before any open, a hidden link).
    - all opens: recipients with any open, a person's or a machine's: exactly the
      human and the machine opens together. Every click infers an open, so all clicks
      are among all opens.
    - all clicks: recipients with any click, a person's or a machine's.

    `tracking` says whether the organization tracks opens and clicks now. When it does
    not, `opens` or `clicks` is None ("not tracked"), even if some were recorded before
    it was switched off: without the pixel or the tracked link a message reports
    nothing, so the count recorded so far would fall further behind with every message
    and read as a rate it is not (nothing records since when it is off, which a note
    beside the count would need). Switching tracking back on shows the counts again,
    which then miss the messages sent while it was off. The fields
    `email.opened`, `email.clicked` and `machine_opens` stay as they were for the
    clients that read them: always the counts recorded.

    `machine_opens` counts apart the recipients with only a machine-made open (an image
    proxy such as Apple Mail Privacy Protection, or a link scanner): `machine_opened_at`
    set, and neither a human open nor a click (kept for the clients that read it; the
    dashboard links it to those recipients). `shared_or_downloaded` counts recipients
    who downloaded their credential or shared it on at least one network;
    `social_shares` counts, per network, the recipients who shared there through the
    recipient page's buttons."""
    if tallies is None:
        tallies = recipient_tallies(certificate)
    claimed = tallies.claimed
    row = {
        "claimed": claimed.claimed,
        "shared_or_downloaded": claimed.shared_or_downloaded,
        "added_to_linkedin": claimed.added_to_linkedin,
        **{f"share_{network}": count for network, count in claimed.shares.items()},
        "recipients": tallies.total("recipients"),
        "sent": tallies.total("sent"),
        "delivered": tallies.total("recipients", DELIVERED),
        "opened": tallies.total("opened"),
        "clicked": tallies.total("clicked"),
        "machine_opens": tallies.total("machine_opened_only"),
        "machine_opened": tallies.total("machine_opened"),
        "machine_clicked": tallies.total("machine_clicked"),
        "opened_any": tallies.total("opened_any"),
        "clicked_any": tallies.total("clicked_any"),
        **{f"email_{status.value}": tallies[status].recipients for status in EmailStatus},
    }
    total = row["recipients"]

    def part(key: str) -> dict[str, Any]:
        return {"count": row[key], "percent": percent(row[key], total)}

    organization = certificate.organization
    opens = {"human": part("opened"), "machine": part("machine_opened"), "all": part("opened_any")}
    clicks = {
        "human": part("clicked"),
        "machine": part("machine_clicked"),
        "all": part("clicked_any"),
    }

    return {
        "recipients": total,
        "created_at": certificate.created_at,
        "claimed": part("claimed"),
        "shared_or_downloaded": part("shared_or_downloaded"),
        "added_to_linkedin": part("added_to_linkedin"),
        "social_shares": {network: row[f"share_{network}"] for network in SOCIAL_NETWORKS},
        "email": {
            "not_provided": row["email_not_provided"],
            "not_sent": row["email_not_sent"],
            "scheduled": row["email_scheduled"],
            "sending": row["email_sending"],
            "sent": row["sent"],
            "delivered": row["delivered"],
            "opened": row["opened"],
            "clicked": row["clicked"],
            "bounced": row["email_bounced"],
            "complained": row["email_complained"],
        },
        "machine_opens": row["machine_opens"],
        "tracking": {"opens": organization.track_opens, "clicks": organization.track_clicks},
        "opens": opens if organization.track_opens else None,
        "clicks": clicks if organization.track_clicks else None,
    }

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from conferral.accounts.models import Organization
from conferral.certificates.search import SearchIndex
from conferral.certificates.status import STATUS_EXPRESSION, BounceKind, EmailStatus, Status
from conferral.core import ids

NAME_MAX_LENGTH = 200


class Kind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    BADGE = "badge", _("Badge")


class CertificateState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class Language(models.TextChoices):
    EN = "en", "English"
    DE = "de", "Deutsch"


class Certificate(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=ids.public_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="certificates"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CERTIFICATE)
    description = models.TextField(blank=True)
    criteria = models.TextField(blank=True)
    state = models.CharField(
        max_length=16, choices=CertificateState.choices, default=CertificateState.DRAFT
    )
    issue_date = models.DateField(null=True, blank=True)
    expires_at = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    # Blank means the default subject / body in the certificate's language.
    email_subject = models.CharField(max_length=300, blank=True)
    email_body = models.TextField(blank=True)
    # Background and positioned fields; empty means the built-in design.
    design = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Archived certificates leave the list (and take no new sends); nothing is deleted.
    archived_at = models.DateTimeField(null=True, blank=True)
    # Reminders to recipients who have not claimed: every `reminder_interval_days`
    # after the last message, at most `reminder_limit` of them (empty: no reminders),
    # and a last one before the optional claim deadline.
    reminder_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    reminder_limit = models.PositiveSmallIntegerField(default=2)
    claim_deadline = models.DateField(null=True, blank=True)
    # Search engines are asked not to index its recipient and verification pages unless
    # the issuer allows it: an indexed verification page exposes a person's name.
    allow_indexing = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.issue_date and self.expires_at and self.expires_at < self.issue_date:
            raise ValidationError(
                {"expires_at": _("The expiry date cannot be before the issue date.")}
            )


class Channel(models.TextChoices):
    EMAIL = "email", _("Link in our email")
    ADMIN = "admin", _("Link from the dashboard")
    API = "api", _("Link handed out through the API")
    TOKEN = "token", _("Token typed into the claim page")


class Recipient(models.Model):
    """One person on a certificate's list, with the denormalised current state of both
    status axes. Every change to these columns goes with an Event in one transaction."""

    # Unique through Meta.constraints rather than unique=True: on PostgreSQL that spares
    # each of them a second (pattern-ops) index, which every insert would maintain.
    public_id = models.CharField(max_length=32, default=ids.public_id, editable=False)
    credential_id = models.CharField(max_length=32, default=ids.public_id, editable=False)
    token = models.CharField(max_length=24, default=ids.new_token, editable=False)
    # No index of its own: the composite indexes below start with the certificate.
    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="recipients", db_index=False
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # SQLite: the name and address folded for search, by database triggers whenever
    # either changes (conferral.certificates.search_triggers). Empty on PostgreSQL,
    # whose search reads RecipientSearch (conferral.certificates.search_models).
    search_text = models.TextField(default="", editable=False)

    # Email axis.
    email_status = models.CharField(max_length=16, choices=EmailStatus.choices)
    status = models.GeneratedField(
        expression=STATUS_EXPRESSION,
        output_field=models.CharField(max_length=16, choices=Status.choices),
        db_persist=True,
    )
    bounce_kind = models.CharField(max_length=8, choices=BounceKind.choices, blank=True)
    last_reply = models.TextField(blank=True)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    machine_opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    machine_clicked_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveIntegerField(default=0)
    # The id an email provider gave the last message (its webhooks name it).
    provider_message_id = models.CharField(max_length=255, blank=True)
    # Reminders: how many were sent, and when the next one is due (empty: none).
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    # One-click unsubscribe (RFC 8058): no more reminders.
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    # Outbox: a pending send has `next_attempt_at`; a worker holds it while `lease_until`
    # is in the future. The row, not the task queue, is the source of truth.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    # Credential engagement axis.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    shared = models.JSONField(default=list, blank=True)
    linkedin_added_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    # Erased by its issuer: name, address and attributes are gone, its events anonymised;
    # the status columns stay, so the statistics keep counting it.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # A certificate's recipients of one email status or certificate status (the
            # filters, the sends). Narrow: the statistics read RecipientTally, so no
            # write has to move a wide covering entry for them. In id order, as the
            # filtered lists and the send's chunks read them: PostgreSQL's entries of one
            # key are not, and a send's chunk of 1,000 read every not-sent entry and
            # sorted them (120 ms a chunk at 100,000, 12 of the 26 s of the queueing).
            models.Index(fields=["certificate", "email_status", "id"], name="recipient_cert_email"),
            models.Index(fields=["certificate", "status", "id"], name="recipient_cert_status"),
            # The recipients tab sorted by name, a page at a time, without a sort of
            # the whole list (the primary key breaks ties: SQLite keeps it in every
            # index, PostgreSQL sorts the few rows of one name).
            models.Index(fields=["certificate", "name"], name="recipient_cert_name"),
            # The list in its default order (by primary key), a page at a time: a deep
            # page skips entries of this narrow index, not rows (recipients_page).
            models.Index(fields=["certificate", "id"], name="recipient_cert_id"),
            # What a search reads instead of the wide rows: on SQLite these columns, on
            # PostgreSQL trigrams of RecipientSearch's text (SearchIndex).
            SearchIndex(fields=["certificate", "search_text", "token"], name="recipient_search"),
            # The outbox: only the rows with a next attempt, so an update of any other
            # row (an open, a claim, a delivery's clearing) writes no entry here. In the
            # claim's order, the primary key included: PostgreSQL's index entries are not
            # in id order within one time, and a send's rows share one, so on
            # (next_attempt_at) alone each claim read and sorted every due row (13 ms a
            # claim at 10,000 queued; 0.5 ms in this order, reading only what it takes).
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(next_attempt_at__isnull=False),
                name="recipient_outbox_due",
            ),
            # The send progress's "waiting" count (certificates.tallies): only the rows
            # with a next attempt, found by certificate, counted from the index alone.
            models.Index(
                fields=["certificate", "next_attempt_at", "email_status"],
                condition=Q(next_attempt_at__isnull=False),
                name="recipient_cert_pending",
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="recipient_provider_message",
            ),
            # The reminders due, in their claim's order (as the outbox's, for the same
            # reason: a certificate's reminders fall due at one time).
            models.Index(
                fields=["reminder_due_at", "id"],
                condition=Q(reminder_due_at__isnull=False),
                name="recipient_reminder_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="recipient_public_id"),
            models.UniqueConstraint(fields=["credential_id"], name="recipient_credential_id"),
            models.UniqueConstraint(fields=["token"], name="recipient_token"),
            models.UniqueConstraint(
                "certificate",
                "email",
                condition=~Q(email=""),
                name="recipient_unique_email",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RecipientTally(models.Model):
    """How many of a certificate's recipients share one combination of the facts the
    statistics count: kept exact by database triggers on the recipient table
    (conferral.certificates.tally_triggers), so the statistics read a few dozen of these
    rows instead of every recipient, and no writer (ORM, bulk SQL, COPY) can leave them
    behind.

    Never written from Python. A trigger adds 1 to the combination a recipient enters
    and takes 1 from the one it leaves. On PostgreSQL each connection adds to its own
    `slot` (its backend pid modulo TALLY_SLOTS), so concurrent senders to one
    certificate do not queue behind one counter row; a reader sums the slots. A
    combination nobody has any more stays with `n` 0."""

    # No foreign key constraint and no cascade: the rows go by trigger with their
    # certificate, after its recipients' own triggers have run.
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # recipient_tally_key starts with it
        related_name="+",
    )
    slot = models.PositiveSmallIntegerField(default=0)
    email_status = models.CharField(max_length=16, choices=EmailStatus.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    # Each "the column is set" (or "the shares list names it") on the recipient row.
    sent = models.BooleanField()  # first_sent_at
    opened = models.BooleanField()  # opened_at
    clicked = models.BooleanField()  # clicked_at
    machine_opened = models.BooleanField()  # machine_opened_at
    machine_clicked = models.BooleanField()  # machine_clicked_at
    revoked = models.BooleanField()  # revoked_at
    downloaded = models.BooleanField()  # downloaded_at
    linkedin_added = models.BooleanField()  # linkedin_added_at
    shared_linkedin = models.BooleanField()
    shared_facebook = models.BooleanField()
    shared_x = models.BooleanField()
    shared_any = models.BooleanField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "certificate",
                    "slot",
                    "email_status",
                    "status",
                    "sent",
                    "opened",
                    "clicked",
                    "machine_opened",
                    "machine_clicked",
                    "revoked",
                    "downloaded",
                    "linkedin_added",
                    "shared_linkedin",
                    "shared_facebook",
                    "shared_x",
                    "shared_any",
                ],
                name="recipient_tally_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.n} of {self.certificate_id} {self.email_status}"


TALLY_SLOTS = 8
"""How many counter rows a PostgreSQL tally spreads over (see RecipientTally)."""


class DesignAssetKind(models.TextChoices):
    BACKGROUND = "background", _("Background")
    BADGE = "badge", _("Badge image")


class DesignAsset(models.Model):
    """An uploaded background or badge image of a certificate's design, kept in the
    database (every web server and worker reads the same bytes). `Certificate.design`
    names it by `public_id`."""

    public_id = models.CharField(max_length=32, unique=True, default=ids.public_id, editable=False)
    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="design_assets"
    )
    kind = models.CharField(max_length=16, choices=DesignAssetKind.choices)
    content_type = models.CharField(max_length=64)  # image/png, image/jpeg, application/pdf
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(default=0)  # pixels (points for a PDF)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} of {self.certificate_id} ({self.content_type})"


class StagedUpload(models.Model):
    """A recipient list uploaded for a preview, kept until the issuer confirms or
    cancels (or it expires). In the database, so whichever web server answers the
    confirmation finds the file the preview read."""

    name = models.CharField(max_length=32, unique=True)  # random: the only way to find it
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="+")
    data = models.BinaryField()
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"staged upload for {self.certificate_id}"


class ReplacedToken(models.Model):
    """A recipient token that was regenerated: its link answers "this link was replaced"
    instead of a bare 404."""

    token = models.CharField(max_length=24, unique=True)
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="replaced_tokens"
    )
    replaced_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"replaced token of {self.recipient_id}"


class EventType(models.TextChoices):
    EMAIL_QUEUED = "email.queued", _("Email queued")
    EMAIL_CANCELLED = "email.cancelled", _("Scheduled email cancelled")
    EMAIL_SENT = "email.sent", _("Email sent")
    EMAIL_DELIVERED = "email.delivered", _("Email delivered")
    EMAIL_DEFERRED = "email.deferred", _("Email deferred")
    EMAIL_BOUNCED = "email.bounced", _("Email bounced")
    EMAIL_OPENED = "email.opened", _("Email opened")
    EMAIL_CLICKED = "email.clicked", _("Email link clicked")
    EMAIL_COMPLAINED = "email.complained", _("Marked as spam")
    EMAIL_AUTO_REPLIED = "email.auto_replied", _("Automatic reply received")
    EMAIL_SUPPRESSED = "email.suppressed", _("Email not sent: address suppressed")
    EMAIL_UNSUBSCRIBED = "email.unsubscribed", _("Unsubscribed from reminders")
    CREDENTIAL_VIEWED = "credential.viewed", _("Credential viewed")
    CREDENTIAL_CLAIMED = "credential.claimed", _("Credential claimed")
    CREDENTIAL_DOWNLOADED = "credential.downloaded", _("Credential downloaded")
    CREDENTIAL_SHARED = "credential.shared", _("Credential shared")
    CREDENTIAL_LINKEDIN_ADDED = "credential.linkedin_added", _("Added to LinkedIn profile")
    CREDENTIAL_VERIFIED = "credential.verified", _("Credential verified")
    CREDENTIAL_REVOKED = "credential.revoked", _("Credential revoked")
    CREDENTIAL_REISSUED = "credential.reissued", _("Credential reissued")
    CREDENTIAL_ERASED = "credential.erased", _("Recipient erased by the issuer")
    RECIPIENT_UPDATED = "recipient.updated", _("Recipient details changed")


class Event(models.Model):
    """Append-only: something that happened to a recipient. Deleted only with its
    recipient or once older than its organization keeps events
    (conferral.tracking.retention), and never changed but for two things: a repeat of the same view,
    verification or machine open from the same client within a short window raises
    the count in its detail instead of adding a row (`event_fold`); and an open or
    click taken for a person's that a later hit shows to be a machine's (the same
    client followed every link at once, or the hidden honeypot link) gets its
    `machine` flag and its detail's reason set (conferral.tracking.sequence). Events
    come into being only through conferral.certificates.events, which types each
    one's `detail`."""

    # No single-column indexes: (recipient, at) and (certificate, type) below serve both.
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    type = models.CharField(max_length=32, choices=EventType.choices)
    at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    machine = models.BooleanField(default=False)
    user_agent = models.CharField(max_length=400, blank=True)
    client_hash = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["recipient", "at"], name="event_recipient_at"),
            models.Index(fields=["certificate", "type"], name="event_certificate_type"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.at:%Y-%m-%d %H:%M:%S}"


# The search table's models live beside the search code; imported here, Django finds them.
from conferral.certificates.search_models import (  # noqa: E402
    RecipientSearch as RecipientSearch,
)
from conferral.certificates.search_models import (  # noqa: E402
    SearchBacklog as SearchBacklog,
)

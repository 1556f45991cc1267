"""Every message that came back to a return path, as it arrived: the raw bytes (what
the issuer can read on the report page), what the parser found in it and what was done
about it. The report is kept whether or not it could be tied to a recipient, so a
message the receiver could not make sense of is never lost."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferral.accounts.models import Organization
from conferral.certificates.models import Recipient

# A report is stored up to this size; a longer one (a DSN quoting a large original) is
# cut, and `raw_size` keeps how long it was. The parser always reads all of it.
RAW_MAX_BYTES = 1024 * 1024


class Source(models.TextChoices):
    SMTP = "smtp", _("SMTP")
    LMTP = "lmtp", _("LMTP")
    IMAP = "imap", _("IMAP mailbox")


class Outcome(models.TextChoices):
    APPLIED = "applied", _("Recorded on the recipient's timeline")
    NOTED = "noted", _("Matched; nothing to record")  # a delay notice, a plain reply
    UNMATCHED = "unmatched", _("Not matched to a recipient")
    INVALID = "invalid", _("Not an email")


class InboundReport(models.Model):
    """One message received by `conferral bounces serve` or `poll`. `fingerprint` tells a
    replay (the same report delivered again) from a new one: with the recipient it is
    unique, so a replay records nothing twice."""

    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, choices=Source.choices)
    envelope_from = models.CharField(max_length=998, blank=True)
    envelope_to = models.CharField(max_length=998, blank=True)
    message_id = models.CharField(max_length=998, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    fingerprint = models.CharField(max_length=64)  # sha256 hex of the Message-ID or raw
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    kind = models.CharField(max_length=16, blank=True)  # the ReportKind of its findings
    recipient = models.ForeignKey(
        Recipient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    findings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)  # why it is unmatched or invalid
    raw = models.BinaryField()
    raw_size = models.PositiveIntegerField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "received_at"], name="inbound_report_org"),
        ]
        constraints = [
            # NULLs are distinct: unmatched replays are looked up, not constrained.
            models.UniqueConstraint(
                fields=["fingerprint", "recipient"], name="inbound_report_replay"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.subject or self.message_id} ({self.outcome})"

    @property
    def is_cut(self) -> bool:
        return len(self.raw) < self.raw_size

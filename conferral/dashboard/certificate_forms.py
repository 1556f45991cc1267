"""Forms of a certificate's settings, its scheduled send and its test email."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferral.certificates.editing import EDITABLE
from conferral.certificates.models import Certificate, Kind, Language
from conferral.delivery.reminders import reminder_settings_check

PLACEHOLDERS = (
    "{recipient.name}",
    "{certificate.name}",
    "{certificate.kind}",
    "{issue_date}",
    "{expiry_date}",
    "{organization.name}",
)


class CertificateForm(forms.ModelForm[Certificate]):
    """Name, kind, texts, dates, language and the email of a certificate."""

    class Meta:
        model = Certificate
        fields = list(EDITABLE)
        labels = {
            "kind": _("Kind"),
            "description": _("Description"),
            "criteria": _("Criteria"),
            "issue_date": _("Issue date"),
            "expires_at": _("Expiry date"),
            "language": _("Language of the email and the pages"),
            "email_subject": _("Email subject"),
            "email_body": _("Email text"),
            "reminder_interval_days": _("Remind after (days)"),
            "reminder_limit": _("At most this many reminders"),
            "claim_deadline": _("Claim deadline"),
            "allow_indexing": _("Let search engines index recipient and verification pages"),
        }
        help_texts = {
            "email_subject": _("Leave empty for the default subject in the chosen language."),
            "email_body": _(
                "Leave empty for the default text. Placeholders: %(placeholders)s, and "
                "{recipient.COLUMN} for a COLUMN of the imported list."
            )
            % {"placeholders": ", ".join(PLACEHOLDERS)},
            "expires_at": _("Optional: after this day the verification page says expired."),
            "reminder_interval_days": _(
                "Optional: email a reminder to recipients who have not claimed their "
                "credential this many days after the last email. Leave empty for no reminders."
            ),
            "claim_deadline": _(
                "Optional: the last reminder goes out a few days before this day, and none "
                "after it. Claiming stays possible after the deadline."
            ),
            "allow_indexing": _(
                "Off by default: an indexed verification page shows the recipient's name "
                "to anyone who searches for it."
            ),
        }
        error_messages = {"name": {"required": _("Give the certificate a name.")}}
        widgets = {
            "kind": forms.RadioSelect(choices=Kind.choices),
            "language": forms.Select(choices=Language.choices),
            "issue_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "claim_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "criteria": forms.Textarea(attrs={"rows": 3}),
            "email_body": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left out (a form that predates reminders): the model's default.
        self.fields["reminder_limit"].required = False

    def clean_reminder_limit(self) -> int:
        limit = self.cleaned_data.get("reminder_limit")
        default = Certificate._meta.get_field("reminder_limit").get_default()
        return int(default if limit is None else limit)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError(_("Give the certificate a name."))
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.has_error("reminder_interval_days") and not self.has_error("reminder_limit"):
            try:
                reminder_settings_check(
                    interval_days=cleaned.get("reminder_interval_days"),
                    limit=cleaned["reminder_limit"],
                    claim_deadline=cleaned.get("claim_deadline"),
                    issue_date=cleaned.get("issue_date"),
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


class ScheduleForm(forms.Form):
    """When to send: a local date and time in the issuer's time zone."""

    at = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean_at(self) -> dt.datetime:
        at: dt.datetime = self.cleaned_data["at"]
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        if at <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return at


class TestEmailForm(forms.Form):
    to = forms.EmailField(label=_("Send a test email to"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].widget.attrs["autocomplete"] = "email"

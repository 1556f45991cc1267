"""Forms of a certificate's settings, its scheduled send and its test email."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferral.certificates.editing import EDITABLE
from conferral.certificates.models import Certificate, Kind, Language

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
        }
        help_texts = {
            "email_subject": _("Leave empty for the default subject in the chosen language."),
            "email_body": _(
                "Leave empty for the default text. Placeholders: %(placeholders)s, and "
                "{recipient.COLUMN} for a COLUMN of the imported list."
            )
            % {"placeholders": ", ".join(PLACEHOLDERS)},
            "expires_at": _("Optional: after this day the verification page says expired."),
        }
        error_messages = {"name": {"required": _("Give the certificate a name.")}}
        widgets = {
            "kind": forms.RadioSelect(choices=Kind.choices),
            "language": forms.Select(choices=Language.choices),
            "issue_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "criteria": forms.Textarea(attrs={"rows": 3}),
            "email_body": forms.Textarea(attrs={"rows": 8}),
        }

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError(_("Give the certificate a name."))
        return name


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

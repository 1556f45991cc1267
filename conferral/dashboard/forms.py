"""Forms of the issuer dashboard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db import models
from django.utils.translation import gettext_lazy as _

from conferral.certificates.facts import Fact
from conferral.certificates.status import EmailStatus, Status


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with an email address (usernames are the lower-cased addresses)."""

    username = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That email and password do not match. Check the password (it is "
            "case-sensitive) and try again."
        ),
    }

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


class RecipientFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, email or token")}),
    )
    status = forms.ChoiceField(
        label=_("Certificate status"),
        required=False,
        choices=[("", _("Any")), *Status.choices],
    )
    email_status = forms.ChoiceField(
        label=_("Email status"),
        required=False,
        choices=[("", _("Any")), *EmailStatus.choices],
    )
    fact = forms.ChoiceField(
        label=_("Counted as"),
        required=False,
        choices=[("", _("Any")), *Fact.choices],
    )

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid value counts as no filter)."""
        names = ("q", "status", "email_status", "fact")
        if not self.is_valid():
            return dict.fromkeys(names, "")
        return {name: self.cleaned_data[name] or "" for name in names}


# The recipients tab (conferral.dashboard.recipients).

RECIPIENT_SORTS = {
    "name": "name",
    "-name": "-name",
    "email": "email",
    "-email": "-email",
    "status": "status",
    "-status": "-status",
    "email_status": "email_status",
    "-email_status": "-email_status",
    "created": "created_at",
    "-created": "-created_at",
}


class RecipientListForm(RecipientFilterForm):
    """The list's search, filters and sort order."""

    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Added first")),
            ("-created", _("Added last")),
            ("name", _("Name (A to Z)")),
            ("-name", _("Name (Z to A)")),
            ("email", _("Email (A to Z)")),
            ("-email", _("Email (Z to A)")),
            ("status", _("Certificate status")),
            ("email_status", _("Email status")),
        ],
    )

    def ordering(self) -> tuple[str, ...]:
        """The ORDER BY of the list: the chosen column, then the primary key so that
        pages are stable."""
        sort = self.cleaned_data.get("sort", "") if self.is_valid() else ""
        column = RECIPIENT_SORTS.get(sort or "")
        if column is None:
            return ("id",)
        return (column, "-id" if column.startswith("-") else "id")


class RecipientsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,text/plain,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class RecipientForm(forms.Form):
    """One recipient's name and address, to add one or to correct one."""

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown on the verification page)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BulkAction(models.TextChoices):
    SEND = "send", _("Send the email")
    NUDGE = "nudge", _("Resend to those who have not opened it")
    REVOKE = "revoke", _("Revoke")
    DELETE = "delete", _("Delete")


class _PublicIds(forms.MultipleChoiceField):
    """Public ids, any: which of them are on the certificate is the view's query."""

    def valid_value(self, value: Any) -> bool:
        return isinstance(value, str) and len(value) <= 32


class BulkForm(forms.Form):
    """A bulk action on the ticked recipients, or on every recipient the filter finds."""

    action = forms.ChoiceField(label=_("With the selection"), choices=BulkAction.choices)
    scope = forms.ChoiceField(
        choices=[("selected", _("Ticked recipients")), ("all", _("Every recipient found"))],
        initial="selected",
    )
    selected = _PublicIds(required=False)
    reason = forms.CharField(required=False, max_length=2000)

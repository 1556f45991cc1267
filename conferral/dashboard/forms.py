"""Forms of the issuer dashboard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

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

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid value counts as no filter)."""
        if not self.is_valid():
            return {"q": "", "status": "", "email_status": ""}
        return {name: self.cleaned_data[name] or "" for name in ("q", "status", "email_status")}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )

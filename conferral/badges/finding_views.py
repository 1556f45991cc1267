"""The public "find my credentials" page: a recipient types their email address and
gets one email with the links to all their credentials (conferral.badges.finding).

Throttled per client address and per address typed; the answer is the same page
whether or not the address is known, so the page tells nobody who has credentials."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from conferral.badges.finding import credentials_list_send
from conferral.certificates.robots import robots_tagged
from conferral.core.http import render_in
from conferral.core.throttle import throttle_address
from conferral.core.throttle_views import RECIPIENT_BASE, hits_refusal


class FindForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=254)


@require_http_methods(["GET", "HEAD", "POST"])
def find(request: HttpRequest) -> HttpResponse:
    form = FindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        refused = hits_refusal(
            request,
            [("find_address", throttle_address(request)), ("find_email", email)],
            RECIPIENT_BASE,
        )
        if refused is not None:
            return refused
        credentials_list_send.enqueue(email)
        return robots_tagged(render_in(request, None, "badges/find_sent.html", {"email": email}))
    status = 400 if request.method == "POST" else 200
    return robots_tagged(
        render_in(request, None, "badges/find.html", {"form": form}, status=status)
    )

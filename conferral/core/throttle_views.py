"""The limits of conferral.core.throttle applied to pages: the 429 page, the sign-in and
password reset views that count, and the decorator for recipient links.

A page that guesses cheaply (a token, a link) or costs (a password hash, an email) is
looked at before the work is done and counted after it; the 429 says when to try again,
in words and in `Retry-After`, and nothing the visitor sent is kept or acted on."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from conferral.core.http import render_in
from conferral.core.ids import normalize_token
from conferral.core.throttle import (
    Decision,
    limit_of,
    throttle_address,
    throttle_check,
    throttle_hit,
    throttle_refused,
)

DASHBOARD_BASE = "dashboard/base.html"
RECIPIENT_BASE = "recipient/base.html"

# What is counted: a limit's name (settings.THROTTLE_LIMITS) and the key it counts.
Target = tuple[str, str]
View = Callable[..., HttpResponse]


def wait_text(seconds: int) -> str:
    """How long to wait, in words: seconds under a minute, otherwise minutes rounded up."""
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = -(-seconds // 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def throttled_page(
    request: HttpRequest, decision: Decision, base: str = DASHBOARD_BASE
) -> HttpResponse:
    """The 429 page in the layout `base`, saying in how long and at what time (UTC)."""
    retry_at = timezone.now() + dt.timedelta(seconds=decision.retry_after)
    context = {
        "base_template": base,
        "wait": wait_text(decision.retry_after),
        "retry_at": retry_at.astimezone(dt.UTC).strftime("%H:%M"),
    }
    response = render_in(request, None, "429.html", context, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


def _refusal(request: HttpRequest, decisions: Iterable[Decision], base: str) -> HttpResponse | None:
    refused = throttle_refused(*decisions)
    return None if refused is None else throttled_page(request, refused, base)


def checks_refusal(
    request: HttpRequest, targets: Iterable[Target], base: str = DASHBOARD_BASE
) -> HttpResponse | None:
    """The 429 page if any target has used up its window, else None; counts nothing."""
    return _refusal(request, (throttle_check(limit_of(n), k) for n, k in targets), base)


def hits_refusal(
    request: HttpRequest, targets: Iterable[Target], base: str = DASHBOARD_BASE
) -> HttpResponse | None:
    """Count one attempt on every target; the 429 page if any is over its limit. An
    attempt some target refuses outright is not counted on the others."""
    targets = list(targets)
    refused = checks_refusal(request, targets, base)
    if refused is not None:
        return refused
    return _refusal(request, [throttle_hit(limit_of(n), k) for n, k in targets], base)


def failures_count(targets: Iterable[Target]) -> None:
    """Count a failed attempt on every target (the next check may then refuse)."""
    for name, key in targets:
        throttle_hit(limit_of(name), key)


def guess_targets(request: HttpRequest, name: str, token: str) -> list[Target]:
    """What a guessed token counts against under the limit `name`: the client's address;
    nothing for a token that cannot exist, which is answered without a query and so
    costs nothing and reveals nothing."""
    return [] if normalize_token(token) is None else [(name, throttle_address(request))]


def link_misses_throttled(view: View) -> View:
    """For views under /r/<token>: a link that finds nothing (a 404) counts against the
    client's address; once the address used up its window, every /r/ link answers 429
    before the token is looked up, found or not, until the window ends (answering hits
    and not misses would tell a guesser which guess hit). Found links never count."""

    @functools.wraps(view)
    def throttled(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        targets = guess_targets(request, "link_address", str(kwargs.get("token", "")))
        refused = checks_refusal(request, targets, RECIPIENT_BASE)
        if refused is not None:
            return refused
        response = view(request, *args, **kwargs)
        if response.status_code == 404:
            failures_count(targets)
        return response

    return throttled


def _login_targets(request: HttpRequest) -> list[Target]:
    targets = [("login_address", throttle_address(request))]
    # The account as the sign-in form reads it: usernames are lower-cased addresses.
    account = str(request.POST.get("username", "")).strip().lower()
    if account:
        targets.append(("login_account", account))
    return targets


class ThrottledLoginView(auth_views.LoginView):
    """Django's sign-in, limited per address and per account: the limits are looked at
    before the form runs, so a refused attempt costs no password hashing; only failed
    attempts count, so signing in often is never refused."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = checks_refusal(request, _login_targets(request))
        if refused is not None:
            return refused
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        failures_count(_login_targets(self.request))
        return super().form_invalid(form)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per address and per email named: every request
    that would send an email counts, whether an account has that address or not (so
    the limit tells nobody which addresses have one)."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = str(form.cleaned_data["email"]).strip().lower()
        targets = [("reset_address", throttle_address(self.request)), ("reset_email", email)]
        refused = hits_refusal(self.request, targets)
        if refused is not None:
            return refused
        return super().form_valid(form)

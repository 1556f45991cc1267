"""The organization switcher of the dashboard's top bar."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from conferral.accounts.selectors import memberships_for_user
from conferral.dashboard.access import current_membership

register = template.Library()


@register.inclusion_tag("dashboard/team_switcher.html", takes_context=True)
def organization_switcher(context: template.Context) -> dict[str, Any]:
    """The user's organizations, the current one selected (just its name when there
    is only one)."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"memberships": [], "current": None}
    return {
        "memberships": list(memberships_for_user(request.user)),
        "current": current_membership(request),
        "csrf_token": context.get("csrf_token"),
    }

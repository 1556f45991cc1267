"""Request helpers shared by every app's views: who is asking, and a page rendered in
a given language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))


def render_in(
    request: HttpRequest,
    language: str | None,
    template: str,
    context: Mapping[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render a page in `language` (the certificate's), or in the visitor's language
    when the page belongs to no certificate."""
    language = language or translation.get_language() or "en"
    with translation.override(language):
        response = render(request, template, context, status=status)
    response["Content-Language"] = language
    return response

"""The API's URLs. Every answer under /api/v1/ is JSON, also for a path no operation
matches (404) and a method the path does not take (405, with `Allow`), which Django and
ninja would otherwise answer in HTML or plain text."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from conferral.api.api import api

app_name = "api"


def _json_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = JsonResponse({"detail": _("Method not allowed.")}, status=405)
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return JsonResponse({"detail": _("Not found.")}, status=404)


urlpatterns: list[Any] = [
    URLPattern(p.pattern, _json_not_allowed(p.callback), p.default_args, p.name)
    if isinstance(p, URLPattern)
    else p
    for p in api.urls[0]
]
urlpatterns.append(re_path(r"", not_found, name="not_found"))

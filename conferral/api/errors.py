"""Every error the API answers is JSON `{"detail": …}`.

- 401: missing or unknown API key.
- 404: a missing object, or one that belongs to another organization (never 403); also
  a path no operation matches (conferral.api.urls).
- 405: a method the path does not take, with `Allow` (conferral.api.urls).
- 409: a well-formed request the current state does not allow (a ServiceError from a
  service: nothing to send, a revoked credential…); `detail` says why.
- 413: a body over the upload limit.
- 422: invalid input; `detail` is a list of `{"loc": [...], "msg": "..."}`. A body that
  is not JSON (NaN included), is nested too deeply, or holds text no database can store
  (NUL, a lone surrogate) is invalid input too (conferral.api.parser). A `loc` in
  the JSON body is the path inside it (`["recipients", 3, "email"]`, `["at"]`, or
  `["body"]` for the body as a whole); a query parameter's is `["query", name]`.
- 429: too many calls with this key, or with wrong keys from this address
  (conferral.api.auth); `Retry-After` and `detail` say in how long to try again."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from conferral.api.parser import BodyInvalid
from conferral.api.schemas import PATTERN_MESSAGES
from conferral.certificates.selectors import FilterInvalid
from conferral.certificates.services import RecipientsInvalid, ServiceError
from conferral.certificates.validation import RowError
from conferral.core.throttle import Throttled
from conferral.core.throttle_views import wait_text


def invalid(errors: Iterable[tuple[list[Any], str]]) -> ValidationError:
    """A 422 naming each `(loc, msg)`."""
    return ValidationError([{"loc": loc, "msg": msg} for loc, msg in errors])


def rows_invalid(exc: RecipientsInvalid, prefix: str = "recipients") -> ValidationError:
    """A 422 naming every bad row as `[prefix, row, field]`."""
    return invalid(([prefix, e.row, e.field], e.msg) for e in exc.errors)


def fields_invalid(errors: Iterable[RowError]) -> ValidationError:
    """A 422 for a single object's fields: `[field]`."""
    return invalid(([e.field], e.msg) for e in errors)


def _message(error: dict[str, Any]) -> str:
    """Pydantic's message for the common error types, in words we can translate."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "string_type":
        return _("Must be text.")
    if kind == "string_too_short":
        return _("Must not be empty.")
    if kind == "string_too_long":
        return _("At most %(max)s characters are allowed.") % {"max": ctx.get("max_length")}
    if kind == "too_long":
        return _("At most %(max)s items are allowed.") % {"max": ctx.get("max_length")}
    if kind == "enum":
        return _("Must be one of %(expected)s.") % {"expected": ctx.get("expected")}
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("Must be a whole number.")
    if kind == "less_than_equal":
        return _("Must be at most %(max)s.") % {"max": ctx.get("le")}
    if kind == "greater_than_equal":
        return _("Must be at least %(min)s.") % {"min": ctx.get("ge")}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_MESSAGES:
        return str(PATTERN_MESSAGES[ctx["pattern"]])
    if kind == "year_range":
        return _("Must be a date in the years 1900 to 2999, such as 2030-01-31.")
    if kind.startswith("datetime_"):
        return _("Must be an ISO 8601 date and time, such as 2030-01-31T14:00:00Z.")
    if kind.startswith("date_"):
        return _("Must be an ISO 8601 date, such as 2030-01-31.")
    if kind == "list_type":
        return _("Must be a list.")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("Must be a JSON object.")
    if kind in {"bool_type", "bool_parsing"}:
        return _("Must be true or false.")
    return str(error.get("msg", _("Invalid value.")))


def _shape(error: dict[str, Any]) -> dict[str, Any]:
    loc = list(error.get("loc", []))
    if loc[:1] == ["body"]:
        # ninja puts the body's source and parameter name first: keep the path inside it.
        loc = loc[2:] or ["body"]
        if loc == ["body"] and error.get("type") == "missing":
            return {"loc": loc, "msg": _("A JSON object body is required.")}
    return {"loc": loc, "msg": _message(error) if "type" in error else error.get("msg", "")}


def _validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": [_shape(e) for e in exc.errors]}, status=422)


def _unauthenticated(request: HttpRequest, exc: AuthenticationError, api: NinjaAPI) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": _("Missing or invalid API key; send it as “Authorization: Bearer <key>”.")},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, BodyInvalid):  # NUL, a lone surrogate, nested too deeply
        detail = [{"loc": loc, "msg": msg} for loc, msg in cause.errors]
        return api.create_response(request, {"detail": detail}, status=422)
    if isinstance(cause, ValueError):  # json.JSONDecodeError, UnicodeDecodeError, NaN
        detail = [{"loc": ["body"], "msg": _("The body is not valid JSON: %s.") % cause}]
        return api.create_response(request, {"detail": detail}, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _too_large(request: HttpRequest, exc: RequestDataTooBig, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": _("The request body is too large.")}, status=413)


def _not_found(request: HttpRequest, exc: Http404, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


def _model_invalid(request: HttpRequest, exc: DjangoValidationError, api: NinjaAPI) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        detail = [
            {"loc": [field], "msg": msg}
            for field, messages in exc.message_dict.items()
            for msg in messages
        ]
    else:
        detail = [{"loc": ["body"], "msg": msg} for msg in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


def _filter_invalid(request: HttpRequest, exc: FilterInvalid, api: NinjaAPI) -> HttpResponse:
    detail = [{"loc": ["query", field], "msg": msg} for field, msg in exc.errors.items()]
    return api.create_response(request, {"detail": detail}, status=422)


def _rows_invalid(request: HttpRequest, exc: RecipientsInvalid, api: NinjaAPI) -> HttpResponse:
    return _validation_error(request, rows_invalid(exc), api)


def _service_error(request: HttpRequest, exc: ServiceError, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


def _throttled(request: HttpRequest, exc: Throttled, api: NinjaAPI) -> HttpResponse:
    seconds = exc.decision.retry_after
    detail = _("Too many requests. Try again in %(wait)s.") % {"wait": wait_text(seconds)}
    response = api.create_response(request, {"detail": detail}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def errors_install(api: NinjaAPI) -> None:
    """Replace ninja's default handlers so every error has the shapes above."""
    handlers: list[tuple[type[Exception], Any]] = [
        (ValidationError, _validation_error),
        (AuthenticationError, _unauthenticated),
        (HttpError, _http_error),
        (RequestDataTooBig, _too_large),
        (Http404, _not_found),
        (DjangoValidationError, _model_invalid),
        (FilterInvalid, _filter_invalid),
        (RecipientsInvalid, _rows_invalid),
        (ServiceError, _service_error),
        (Throttled, _throttled),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, partial(handler, api=api))

"""The API's JSON body parser: strict JSON, and only text the database can store.

Python's `json` accepts `NaN` and `Infinity`, returns lone surrogates (`"\\ud800"`) as
they are, and keeps NUL characters, none of which can be stored (PostgreSQL refuses
NUL in text and in JSON, and no database encodes a lone surrogate as UTF-8): each is
answered here with a 422 naming where it is, rather than a 500 from the database. A
body nested too deeply for the decoder is a 422 too."""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser

MAX_REPORTED_ERRORS = 1000
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BodyInvalid(ValueError):
    """A body that parsed as JSON but cannot be accepted: `errors` are `(loc, msg)`."""

    def __init__(self, errors: list[tuple[list[Any], str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(msg for _loc, msg in errors))


def _text_problem(text: str) -> str | None:
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return _("Text must not contain the NUL character (\\u0000).")
    return _("Text must be valid Unicode: it contains an unpaired surrogate.")


def _not_json(constant: str) -> NoReturn:
    raise ValueError(_("%(constant)s is not a JSON value") % {"constant": constant})


def body_check(data: Any) -> None:
    """Raise BodyInvalid naming every string (key or value) that cannot be stored.
    Iterative, so a body as deep as the decoder allows cannot exhaust the stack."""
    errors: list[tuple[list[Any], str]] = []
    stack: list[tuple[list[Any], Any]] = [([], data)]
    while stack and len(errors) < MAX_REPORTED_ERRORS:
        loc, value = stack.pop()
        if isinstance(value, str):
            if problem := _text_problem(value):
                errors.append((loc or ["body"], problem))
        elif isinstance(value, dict):
            for key in value:
                if problem := _text_problem(key):
                    errors.append(([*loc, key], problem))
            # Reversed onto the stack, so the errors come in the body's own order.
            stack.extend(([*loc, key], item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(([*loc, index], value[index]) for index in reversed(range(len(value))))
    if errors:
        raise BodyInvalid(errors[:MAX_REPORTED_ERRORS])


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = json.loads(request.body, parse_constant=_not_json)
        except RecursionError as exc:
            raise BodyInvalid([(["body"], _("The body is nested too deeply."))]) from exc
        body_check(data)
        return data

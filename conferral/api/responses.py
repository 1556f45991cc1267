"""What every endpoint may answer besides success, and the paging parameters, for the
OpenAPI document (the answers themselves come from conferral.api.errors)."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Query

from conferral.api.schemas import ErrorOut, ValidationErrorOut

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Far beyond any real list, and small enough that offset + limit fits every database's
# integers (a larger one made SQLite and PostgreSQL fail with a 500).
MAX_OFFSET = 1_000_000_000

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")]
Offset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description=f"How many items to skip, at most {MAX_OFFSET}.")
]

ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut, 413: ErrorOut}

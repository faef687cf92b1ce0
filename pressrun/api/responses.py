"""What operations answer: a JSON response for hot read paths, and the one place the error
statuses each operation declares in OpenAPI are built (`error_responses`).

FastAPI would validate the returned dict against its annotation and walk it through
`jsonable_encoder`; for payloads pressrun builds itself that is pure overhead."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pressrun.api.schemas.common import (
    ConflictOut,
    ErrorOut,
    InsufficientCreditsOut,
    ValidationErrorOut,
)


def json_default(value: Any) -> Any:
    """What `json.dumps` writes for the types pressrun's payloads hold: ISO 8601 times."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class FastJSONResponse(JSONResponse):
    """A JSONResponse to FastAPI (so OpenAPI shows the route's declared model), rendered here."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=json_default, separators=(",", ":")).encode()


# What each error status answers, as `pressrun.api.errors` writes it.
_ERRORS: dict[int, tuple[type[BaseModel], str]] = {
    400: (ErrorOut, "The body cannot be parsed as the declared media type."),
    401: (ErrorOut, "No API key, or an unknown or revoked one."),
    402: (InsufficientCreditsOut, "Not enough credits for the run."),
    403: (ErrorOut, "The key has no right to this route (an admin's, or an account's)."),
    404: (ErrorOut, "No such site or item for this account."),
    409: (ConflictOut, "Refused by the current state, or a concurrent change to retry."),
    422: (ValidationErrorOut, "Input that failed validation; the fields at fault are named."),
    503: (ErrorOut, "Temporal, or the key to the stored secrets, is not available."),
}
# Every operation may answer 422: a NUL in any path, query or body value is refused
# app-wide (`pressrun.api.input_guard`).
ALWAYS = (422,)
# The statuses of the usual route of an account: its key, and a site or item of its own.
AUTH = (401, 403)
ACCOUNT = (*AUTH, 404)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of an operation that can answer these error statuses (and 422)."""
    return {
        status: {"model": _ERRORS[status][0], "description": _ERRORS[status][1]}
        for status in sorted({*statuses, *ALWAYS})
    }

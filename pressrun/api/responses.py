"""A JSON response for hot read paths, serialised once with the standard library.

FastAPI would validate the returned dict against its annotation and walk it through
`jsonable_encoder`; for payloads pressrun builds itself that is pure overhead."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.responses import JSONResponse


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class FastJSONResponse(JSONResponse):
    """A JSONResponse to FastAPI (so OpenAPI shows the route's declared model), rendered here."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_default, separators=(",", ":")).encode()

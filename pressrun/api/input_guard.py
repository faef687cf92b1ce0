"""Refuses NUL characters in any request input before a route runs, naming the field.

PostgreSQL cannot store NUL in text or JSON and SQLite would store it silently, so every
route is guarded in one place (an app-wide dependency) rather than by each schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request

from pressrun.errors import FieldError

NUL = "\x00"
NUL_MESSAGE = "must not contain NUL (\\u0000) characters"
# The only way JSON can carry a NUL: strict parsing refuses raw control characters.
_JSON_NUL_ESCAPE = b"\\u0000"
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Loc = tuple[str | int, ...]


def nul_paths(value: Any, loc: Loc) -> Iterator[Loc]:
    """Where in a parsed JSON value a string (or an object key) holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*loc, key)
            yield from nul_paths(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_paths(item, (*loc, index))


def _is_json(content_type: str | None) -> bool:
    # The same test FastAPI applies before it parses a body as JSON.
    if not content_type:
        return True
    media = content_type.partition(";")[0].strip().lower()
    main, _, sub = media.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


async def _body_errors(request: Request) -> list[Loc]:
    if request.method in _BODYLESS_METHODS or not _is_json(request.headers.get("content-type")):
        return []
    # Already read (and size-capped) by FastAPI for routes with a body; cached on the request.
    body = await request.body()
    if _JSON_NUL_ESCAPE not in body:
        return []
    try:
        parsed = await request.json()
    except ValueError:
        return []
    return list(nul_paths(parsed, ("body",)))


async def refuse_nul_input(request: Request) -> None:
    """Raise a FieldError naming every path, query or JSON body field that holds a NUL."""
    errors: list[Loc] = [
        ("path", name) for name, value in request.path_params.items() if NUL in str(value)
    ]
    errors += [
        ("query", name) for name, value in request.query_params.multi_items() if NUL in name + value
    ]
    errors += await _body_errors(request)
    if errors:
        raise FieldError([(loc, NUL_MESSAGE) for loc in dict.fromkeys(errors)])

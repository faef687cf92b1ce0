"""The one place pressrun's errors become HTTP responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from pressrun.errors import (
    AuthenticationError,
    FieldError,
    InsufficientCreditsError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    PressrunError,
    RunAlreadyActiveError,
    SealingError,
    TemporalUnavailableError,
)

log = structlog.get_logger("pressrun.api")


def _body(
    http_status: int,
    detail: Any,
    code: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    headers = dict(headers or {})
    if http_status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"detail": detail, "code": code, **extra}, http_status, headers=headers)


def error_response(err: PressrunError) -> JSONResponse:
    match err:
        case NotFoundError():
            return _body(404, str(err), "not_found")
        case AuthenticationError():
            return _body(401, str(err), "unauthenticated")
        case PermissionDeniedError():
            return _body(403, str(err), "forbidden")
        case RunAlreadyActiveError():
            return _body(
                409, str(err), "already_running", run_id=err.run_id, workflow_id=err.workflow_id
            )
        case InvalidTransitionError():
            return _body(409, str(err), "invalid_transition", run_id=err.run_id, status=err.status)
        case InsufficientCreditsError():
            return _body(
                402,
                str(err),
                "insufficient_credits",
                estimate=float(err.required),
                balance=float(err.balance),
            )
        case FieldError():
            detail = [
                {"loc": list(loc), "msg": msg, "type": "value_error"} for loc, msg in err.errors
            ]
            return _body(422, detail, "validation_error")
        case TemporalUnavailableError():
            return _body(503, str(err), "temporal_unavailable")
        case SealingError():
            return _body(503, str(err), "secrets_unavailable")
    return _body(500, "internal error", "internal")


def _allowed_methods(request: Request) -> str:
    """Every method the path answers. Starlette's own `Allow` names only the first route that
    matched the path, though each method of a path is a route of its own."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    async def on_pressrun_error(_: Request, err: Exception) -> JSONResponse:
        assert isinstance(err, PressrunError)
        return error_response(err)

    async def on_validation_error(_: Request, err: Exception) -> JSONResponse:
        assert isinstance(err, RequestValidationError)
        detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in err.errors()]
        return _body(422, detail, "validation_error")

    async def on_http_error(request: Request, err: Exception) -> JSONResponse:
        assert isinstance(err, StarletteHTTPException)
        headers = dict(err.headers or {})
        if err.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return _body(err.status_code, err.detail, "http_error", headers=headers)

    async def on_conflict(_: Request, err: Exception) -> JSONResponse:
        # A uniqueness race lost to a concurrent request (e.g. two imports of one keyword):
        # nothing was written, and the same request can simply be sent again.
        return _body(409, "A concurrent change conflicted with this request; retry it.", "conflict")

    async def on_out_of_range(_: Request, err: Exception) -> JSONResponse:
        # An ID or offset beyond what the database's integers hold (SQLite raises
        # OverflowError while binding; PostgreSQL answers a data error): bad input.
        detail = [
            {
                "loc": ["request"],
                "msg": "a number in the request is out of the supported range",
                "type": "out_of_range",
            }
        ]
        return _body(422, detail, "validation_error")

    async def on_unexpected(request: Request, err: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return _body(500, "internal error", "internal")

    app.add_exception_handler(PressrunError, on_pressrun_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(IntegrityError, on_conflict)
    app.add_exception_handler(OverflowError, on_out_of_range)
    app.add_exception_handler(DataError, on_out_of_range)
    app.add_exception_handler(Exception, on_unexpected)

"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from pressrun.api.deps import StateDep
from pressrun.api.responses import error_responses
from pressrun.api.schemas.health import HealthOut, ReadinessOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, responses=error_responses())
async def healthz() -> HealthOut:
    """The process is up."""
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    response_model=ReadinessOut,
    responses={
        **error_responses(),
        503: {"model": ReadinessOut, "description": "A dependency does not answer."},
    },
)
async def readyz(state: StateDep) -> JSONResponse:
    """The database and Temporal both answer."""
    checks: dict[str, Any] = {}

    def ping_db() -> None:
        with state.engine.connect() as conn:
            conn.execute(sa.text("select 1"))

    try:
        await asyncio.to_thread(ping_db)
        checks["database"] = "ok"
    except Exception as err:
        checks["database"] = f"error: {type(err).__name__}"
    try:
        client = await state.temporal()
        await asyncio.wait_for(client.service_client.check_health(), timeout=3)
        checks["temporal"] = "ok"
    except Exception as err:
        checks["temporal"] = f"error: {type(err).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, 200 if ready else 503
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    rendered: Response = request.app.state.metrics.render()
    return rendered

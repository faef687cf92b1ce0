"""Server-sent events of a site's run progress, so a dashboard need not poll."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from pressrun.api.deps import SiteIdQuery, StateDep, account_of, owned_site, resolve_caller
from pressrun.api.responses import ACCOUNT, error_responses, json_default
from pressrun.api.schemas.events import EVENT_STREAM
from pressrun.api.state import ApiState
from pressrun.db import transaction
from pressrun.models.automation import FINISHED_STATUSES
from pressrun.runs import progress
from pressrun.runs.progress import last_log

router = APIRouter(prefix="/api/v1/automation", tags=["automation"])


def _event(name: str, data: Any, event_id: int) -> bytes:
    # The same JSON as `run_progress` answers: ISO 8601 times, as the document declares.
    payload = json.dumps(data, default=json_default, separators=(",", ":"))
    return f"id: {event_id}\nevent: {name}\ndata: {payload}\n\n".encode()


def _snapshot(state: ApiState, site_id: int) -> tuple[Any, dict[str, Any], str | None, bool]:
    """(change marker, payload, run ID, run finished) for the site's current or latest run."""
    with transaction(state.sessions) as session:
        run = progress.active_run(session, site_id) or progress.latest_run(session, site_id)
        if run is None:
            return None, {"run": None}, None, False
        log = last_log(session, run.id)
        marker = (run.id, run.status, run.updated_at, log.id if log else None)
        return marker, progress.run_progress(run), run.id, run.status in FINISHED_STATUSES


async def _stream(request: Request, state: ApiState, site_id: int) -> AsyncIterator[bytes]:
    settings = state.settings
    event_id = 0
    marker, payload, run_id, finished = await asyncio.to_thread(_snapshot, state, site_id)
    # A client that (re)connects gets the current state at once.
    event_id += 1
    yield _event("progress", payload, event_id)
    following = run_id if run_id and not finished else None
    last_sent = time.monotonic()
    while not await request.is_disconnected():
        await asyncio.sleep(settings.sse_poll_seconds)
        new_marker, payload, run_id, finished = await asyncio.to_thread(_snapshot, state, site_id)
        if new_marker != marker:
            marker = new_marker
            event_id += 1
            yield _event("progress", payload, event_id)
            last_sent = time.monotonic()
            if run_id and not finished:
                following = run_id
            elif following and run_id == following and finished:
                event_id += 1
                yield _event(
                    "end", {"run_id": run_id, "status": payload["run"]["status"]}, event_id
                )
                return
        elif time.monotonic() - last_sent >= settings.sse_heartbeat_seconds:
            last_sent = time.monotonic()
            yield b": heartbeat\n\n"


def _authorize(request: Request, state: ApiState, site_id: int) -> None:
    # A short transaction of its own: the stream must not hold a database connection open.
    with transaction(state.sessions) as session:
        owned_site(session, account_of(resolve_caller(request, state, session)), site_id)


@router.get(
    "/events/",
    response_class=StreamingResponse,
    responses={200: EVENT_STREAM, **error_responses(*ACCOUNT)},
)
async def events(request: Request, state: StateDep, site_id: SiteIdQuery) -> StreamingResponse:
    """`progress` events carrying the `run_progress` payload on every change, comments as
    heartbeats while idle, and an `end` event when the followed run finishes."""
    await asyncio.to_thread(_authorize, request, state, site_id)
    return StreamingResponse(
        _stream(request, state, site_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

"""The dashboard's routes: its page shell and static files (from `pressrun.web`), and the few
facts it needs besides the REST API: whether a demo key is offered, and where a run's workflow
is in the Temporal Web UI."""

from __future__ import annotations

import ipaddress
from pathlib import Path as FilePath
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

import pressrun.web
from pressrun.api.deps import AccountId, QuerySite, SessionDep, StateDep
from pressrun.api.responses import ACCOUNT, error_responses
from pressrun.api.schemas.dashboard import DemoKeyOut, RunWorkflowOut
from pressrun.errors import NotFoundError
from pressrun.runs import control
from pressrun.services.demo_tenant import DEMO_ACCOUNT

# The dashboard's files ship as package data of `pressrun.web`.
STATIC_DIR = FilePath(pressrun.web.__file__).parent / "static"

# The pages the dashboard's own router draws; each is the same shell.
PAGES = (
    "/",
    "/automation",
    "/automation/overview",
    "/automation/runs/{run_id}",
    "/sites/{site_id}/settings",
    "/sites/{site_id}/content",
)

# Everything the dashboard loads comes from this origin, and nothing may frame it.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidated on each load (cheap with the ETag), so an upgrade is never half-applied.
    "Cache-Control": "no-cache",
}

router = APIRouter()
_static = StaticFiles(directory=STATIC_DIR)


async def _shell() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "index.html", media_type="text/html", headers=_SECURITY_HEADERS
    )


for _page in PAGES:
    router.add_api_route(_page, _shell, methods=["GET"], include_in_schema=False)


@router.get("/assets/{path:path}", include_in_schema=False)
async def asset(path: str, request: Request) -> Response:
    """A static file of the dashboard (scripts, styles, icons)."""
    response = await _static.get_response(path, request.scope)
    response.headers.update(_SECURITY_HEADERS)
    return response


def _from_this_machine(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get(
    "/api/v1/dashboard/demo-key",
    tags=["dashboard"],
    response_model=DemoKeyOut,
    responses=error_responses(404),
)
async def demo_key(request: Request, state: StateDep) -> DemoKeyOut:
    """The demo account's API key, for the dashboard's sign-in: offered only by `pressrun dev`,
    and only to a browser on the same machine (404 otherwise)."""
    key = state.settings.demo_api_key
    if key is None or not _from_this_machine(request):
        raise NotFoundError("No demo key is offered here: sign in with your account's API key.")
    return DemoKeyOut(key=key.get_secret_value(), account=DEMO_ACCOUNT)


@router.get(
    "/api/v1/dashboard/runs/{run_id}/workflow",
    tags=["dashboard"],
    response_model=RunWorkflowOut,
    responses=error_responses(*ACCOUNT),
)
async def run_workflow(
    run_id: Annotated[str, Path(min_length=1, max_length=64)],
    site: QuerySite,
    session: SessionDep,
    state: StateDep,
    _: AccountId,
) -> RunWorkflowOut:
    """Where the run's workflow is: its workflow ID, Temporal's run ID of the execution that
    started it (null when Temporal cannot tell), and the Web UI address (null when
    `PRESSRUN_TEMPORAL_UI_URL` is unset)."""
    run = control.run_of_site(session, site.id or 0, run_id)
    settings = state.settings
    temporal_run_id = await control.first_execution(state.temporal, run)
    url = None
    if settings.temporal_ui_url:
        base = settings.temporal_ui_url.rstrip("/")
        url = f"{base}/namespaces/{quote(settings.temporal_namespace)}/workflows/"
        url += quote(run.workflow_id, safe="")
        if temporal_run_id:
            url += f"/{quote(temporal_run_id, safe='')}/history"
    return RunWorkflowOut(
        run_id=run.id,
        workflow_id=run.workflow_id,
        temporal_run_id=temporal_run_id,
        namespace=settings.temporal_namespace,
        url=url,
    )

"""Sites: the caller's websites, each with its automation config and publishing settings."""

from __future__ import annotations

from fastapi import APIRouter, status

from pressrun.api.deps import AccountId, PathSite, SessionDep, StateDep
from pressrun.api.paging import rows_of
from pressrun.api.responses import ACCOUNT, AUTH, error_responses
from pressrun.api.scheduling import drop_site_schedule, sync_site_schedule
from pressrun.api.schemas.sites import SiteCreate, SiteOut, SiteUpdate
from pressrun.errors import RunAlreadyActiveError
from pressrun.models import Account, Site
from pressrun.runs.progress import active_run
from pressrun.services.accounts import create_site, delete_site
from pressrun.services.site_config import get_or_create_config

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SiteOut,
    responses=error_responses(400, *AUTH, 503),
)
async def create(
    body: SiteCreate, session: SessionDep, account_id: AccountId, state: StateDep
) -> SiteOut:
    account = session.get(Account, account_id)
    assert account is not None
    site = create_site(session, account, name=body.name, url=str(body.url), timezone=body.timezone)
    if get_or_create_config(session, site).enabled:
        # Sites start with automation on when the defaults say so: schedule them now.
        await sync_site_schedule(state, session, site)
    return SiteOut.model_validate(site)


@router.get("", response_model=list[SiteOut], responses=error_responses(*AUTH))
def list_sites(session: SessionDep, account_id: AccountId) -> list[SiteOut]:
    rows = rows_of(session, Site, Site.account_id == account_id)
    return [SiteOut.model_validate(s) for s in rows]


@router.get("/{site_id}", response_model=SiteOut, responses=error_responses(*ACCOUNT))
def read(site: PathSite) -> SiteOut:
    return SiteOut.model_validate(site)


@router.patch("/{site_id}", response_model=SiteOut, responses=error_responses(400, *ACCOUNT))
def update(body: SiteUpdate, site: PathSite, session: SessionDep) -> SiteOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        changes["url"] = str(changes["url"])
    for key, value in changes.items():
        setattr(site, key, value)
    session.add(site)
    return SiteOut.model_validate(site)


@router.delete(
    "/{site_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*ACCOUNT, 409, 503),
)
async def delete(site: PathSite, session: SessionDep, state: StateDep) -> None:
    """Delete a site with everything it holds; refused while a run is in progress."""
    run = active_run(session, site.id or 0)
    if run is not None:
        raise RunAlreadyActiveError(
            site_id=site.id or 0, run_id=run.id, workflow_id=run.workflow_id
        )
    site_id = site.id or 0
    delete_site(session, site)
    await drop_site_schedule(state, site_id)

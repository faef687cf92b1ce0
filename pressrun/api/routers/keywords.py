"""A site's keywords and what the first stages made of them: clusters, ideas, writing tasks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from pressrun.api.deps import IdPath, IdQuery, PathSite, SessionDep, StateDep
from pressrun.api.paging import PagingDep, contains, page_of, rows_of, site_item
from pressrun.api.responses import ACCOUNT, error_responses
from pressrun.api.schemas.common import Page
from pressrun.api.schemas.keywords import (
    ClusterDetail,
    ClusterOut,
    IdeaOut,
    ImportResultOut,
    KeywordImport,
    KeywordIn,
    KeywordOut,
    TaskOut,
)
from pressrun.api.uploads import UPLOAD_SCHEMA, parse_keyword_csv, read_upload
from pressrun.errors import FieldError
from pressrun.models import Cluster, Idea, Keyword, Site, Task
from pressrun.models.content import ClusterStatus, IdeaStatus, KeywordStatus, TaskStatus
from pressrun.services.keywords import KeywordRow, import_keywords

router = APIRouter(
    prefix="/api/v1/sites/{site_id}",
    tags=["content", "keywords"],
    responses=error_responses(*ACCOUNT),
)


def _import(session: Session, site: Site, rows: list[KeywordIn], limit: int) -> ImportResultOut:
    if len(rows) > limit:
        raise FieldError([(("keywords",), f"more than {limit} keywords in one import")])
    batch: list[KeywordRow] = list(rows)
    result = import_keywords(session, site.id or 0, batch)
    return ImportResultOut(created=result.created, duplicates=result.duplicates)


@router.post(
    "/keywords",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportResultOut,
    responses=error_responses(400, 409),
)
def import_json(
    body: KeywordImport, site: PathSite, session: SessionDep, state: StateDep
) -> ImportResultOut:
    """Add keywords; any invalid row refuses the whole import (422, rows by 0-based index).

    Keywords the site already has, compared case- and whitespace-insensitively, or repeated
    in the request, are skipped and counted as duplicates.
    """
    return _import(session, site, body.keywords, state.settings.max_keywords_per_import)


@router.post(
    "/keywords/import",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportResultOut,
    responses=error_responses(409),
    openapi_extra=UPLOAD_SCHEMA,
)
async def import_csv(
    request: Request, site: PathSite, session: SessionDep, state: StateDep
) -> ImportResultOut:
    """Add keywords from a CSV file (multipart field `file`).

    Header row `keyword,volume,difficulty,intent`; only `keyword` is required. All or
    nothing: errors name rows counted from 1 at the first data row, with line numbers.
    """
    settings = state.settings
    data = await read_upload(request, "file", settings.max_upload_bytes)
    rows = parse_keyword_csv(data, field="file", max_rows=settings.max_keywords_per_import)
    return await run_in_threadpool(_import, session, site, rows, settings.max_keywords_per_import)


@router.get("/keywords", response_model=Page[KeywordOut])
def list_keywords(
    site: PathSite,
    session: SessionDep,
    paging: PagingDep,
    status: KeywordStatus | None = None,
    cluster_id: IdQuery = None,
    q: str | None = Query(None, min_length=1, max_length=300),
) -> Page[KeywordOut]:
    where: list[Any] = [Keyword.site_id == site.id]
    if status is not None:
        where.append(Keyword.status == status)
    if cluster_id is not None:
        where.append(Keyword.cluster_id == cluster_id)
    if q:
        where.append(contains(Keyword.text, q))
    return page_of(session, Keyword, where, paging, KeywordOut)


# `:int`: `DELETE /keywords/import` is a method that path does not answer (405), not a
# keyword ID that is not a number.
@router.delete("/keywords/{keyword_id:int}", status_code=status.HTTP_204_NO_CONTENT)
def delete_keyword(keyword_id: IdPath, site: PathSite, session: SessionDep) -> None:
    """Delete a keyword not yet clustered (`new` or `failed`).

    A clustered keyword is part of its cluster and of what was written from it, so it is
    refused with a 422 that says so.
    """
    keyword = site_item(session, Keyword, keyword_id, site)
    if keyword.status == KeywordStatus.CLUSTERED:
        raise FieldError(
            [
                (
                    ("keyword_id",),
                    f"keyword {keyword_id} is already in cluster {keyword.cluster_id}; "
                    "only new or failed keywords can be deleted",
                )
            ]
        )
    session.delete(keyword)


@router.get("/clusters", response_model=Page[ClusterOut])
def list_clusters(
    site: PathSite, session: SessionDep, paging: PagingDep, status: ClusterStatus | None = None
) -> Page[ClusterOut]:
    where: list[Any] = [Cluster.site_id == site.id]
    if status is not None:
        where.append(Cluster.status == status)
    return page_of(session, Cluster, where, paging, ClusterOut)


@router.get("/clusters/{cluster_id}", response_model=ClusterDetail)
def read_cluster(cluster_id: IdPath, site: PathSite, session: SessionDep) -> ClusterDetail:
    """A cluster with its keywords."""
    cluster = site_item(session, Cluster, cluster_id, site)
    keywords = rows_of(session, Keyword, Keyword.cluster_id == cluster.id)
    return ClusterDetail.model_validate(
        {
            **ClusterOut.model_validate(cluster).model_dump(),
            "keywords": [KeywordOut.model_validate(k) for k in keywords],
        }
    )


@router.get("/ideas", response_model=Page[IdeaOut])
def list_ideas(
    site: PathSite, session: SessionDep, paging: PagingDep, status: IdeaStatus | None = None
) -> Page[IdeaOut]:
    where: list[Any] = [Idea.site_id == site.id]
    if status is not None:
        where.append(Idea.status == status)
    return page_of(session, Idea, where, paging, IdeaOut)


@router.get("/ideas/{idea_id}", response_model=IdeaOut)
def read_idea(idea_id: IdPath, site: PathSite, session: SessionDep) -> IdeaOut:
    return IdeaOut.model_validate(site_item(session, Idea, idea_id, site))


@router.get("/tasks", response_model=Page[TaskOut])
def list_tasks(
    site: PathSite, session: SessionDep, paging: PagingDep, status: TaskStatus | None = None
) -> Page[TaskOut]:
    where: list[Any] = [Task.site_id == site.id]
    if status is not None:
        where.append(Task.status == status)
    return page_of(session, Task, where, paging, TaskOut)


@router.get("/tasks/{task_id}", response_model=TaskOut)
def read_task(task_id: IdPath, site: PathSite, session: SessionDep) -> TaskOut:
    return TaskOut.model_validate(site_item(session, Task, task_id, site))

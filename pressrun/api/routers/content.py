"""A site's articles (read, edit, approve, reject), their images, and its publishing settings."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from sqlmodel import Session

from pressrun.api.deps import IdPath, IdQuery, PathSite, SessionDep, StateDep
from pressrun.api.paging import PagingDep, contains, page_of, rows_of, site_item
from pressrun.api.responses import ACCOUNT, error_responses
from pressrun.api.schemas.common import Page
from pressrun.api.schemas.content import (
    ContentDetail,
    ContentReject,
    ContentSummary,
    ContentUpdate,
    ImageOut,
    ImagePromptOut,
    PublishingSettingsIn,
    PublishingSettingsOut,
)
from pressrun.errors import NotFoundError
from pressrun.models import Content, Image, ImagePrompt
from pressrun.models.content import ContentStatus
from pressrun.publishing import review as content_review
from pressrun.publishing.review import ContentChanges
from pressrun.services import site_config

router = APIRouter(
    prefix="/api/v1/sites/{site_id}", tags=["content"], responses=error_responses(*ACCOUNT)
)


def _detail(session: Session, content: Content) -> ContentDetail:
    prompts = rows_of(session, ImagePrompt, ImagePrompt.content_id == content.id)
    images = rows_of(session, Image, Image.content_id == content.id)
    return ContentDetail.model_validate(
        {
            **ContentSummary.model_validate(content).model_dump(),
            "body": content.body,
            "image_prompts": [ImagePromptOut.model_validate(p) for p in prompts],
            "images": [ImageOut.model_validate(i) for i in images],
        }
    )


@router.get("/content", response_model=Page[ContentSummary])
def list_content(
    site: PathSite,
    session: SessionDep,
    paging: PagingDep,
    status: ContentStatus | None = None,
    q: str | None = Query(None, min_length=1, max_length=300, description="Text in the title."),
) -> Page[ContentSummary]:
    """Articles without their bodies; read one for the body and its images."""
    where: list[Any] = [Content.site_id == site.id]
    if status is not None:
        where.append(Content.status == status)
    if q:
        where.append(contains(Content.title, q))
    return page_of(session, Content, where, paging, ContentSummary)


@router.get("/content/{content_id}", response_model=ContentDetail)
def read_content(content_id: IdPath, site: PathSite, session: SessionDep) -> ContentDetail:
    """An article with its body, image prompts and images (each with a download URL)."""
    return _detail(session, site_item(session, Content, content_id, site))


@router.patch(
    "/content/{content_id}", response_model=ContentDetail, responses=error_responses(400, 409)
)
def edit_content(
    content_id: IdPath, body: ContentUpdate, site: PathSite, session: SessionDep
) -> ContentDetail:
    """Edit an article's title, meta description, body or slug; published ones are final (409)."""
    content = site_item(session, Content, content_id, site)
    changes = cast(ContentChanges, body.model_dump(exclude_unset=True, exclude_none=True))
    content_review.edit(session, content, changes)
    return _detail(session, content)


@router.post(
    "/content/{content_id}/approve",
    response_model=ContentSummary,
    responses=error_responses(409, 503),
)
async def approve_content(
    content_id: IdPath, site: PathSite, session: SessionDep, state: StateDep
) -> ContentSummary:
    """Approve a draft or an article in review; anything else is refused (409).

    With auto-publish on, the article is also given the next free publish slot, as stage 7
    would; otherwise it waits, approved, to be scheduled (`POST .../schedule`).
    """
    content = site_item(session, Content, content_id, site)
    await content_review.approve_content(session, state.temporal, state.settings, content)
    return ContentSummary.model_validate(content)


@router.post(
    "/content/{content_id}/reject",
    response_model=ContentSummary,
    responses=error_responses(400, 409, 503),
)
async def reject_content(
    content_id: IdPath,
    site: PathSite,
    session: SessionDep,
    state: StateDep,
    body: ContentReject | None = None,
) -> ContentSummary:
    """Send an article in review, approved or scheduled back to `draft`, unscheduling it
    (refused, 409, once its publishing has begun).

    The next run's review stage offers it for review again. The reason is written to the
    API log only: content has no column for it.
    """
    content = site_item(session, Content, content_id, site)
    await content_review.reject_content(
        session, state.temporal, state.settings, content, reason=body.reason if body else None
    )
    return ContentSummary.model_validate(content)


@router.get("/images", response_model=Page[ImageOut])
def list_images(
    site: PathSite, session: SessionDep, paging: PagingDep, content_id: IdQuery = None
) -> Page[ImageOut]:
    where: list[Any] = [Image.site_id == site.id]
    if content_id is not None:
        where.append(Image.content_id == content_id)
    return page_of(session, Image, where, paging, ImageOut)


@router.get("/images/{image_id}", response_model=ImageOut)
def read_image(image_id: IdPath, site: PathSite, session: SessionDep) -> ImageOut:
    return ImageOut.model_validate(site_item(session, Image, image_id, site))


@router.get(
    "/images/{image_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"image/*": {}}, "description": "The image file."}},
)
def image_file(
    image_id: IdPath, site: PathSite, session: SessionDep, state: StateDep
) -> FileResponse:
    """The image file itself, from the media root."""
    image = site_item(session, Image, image_id, site)
    root = state.settings.resolved_media_root().resolve()
    path = (root / image.path).resolve()
    if not path.is_relative_to(root):
        raise NotFoundError(f"Image {image_id}'s file lies outside the media root.")
    if not path.is_file():
        raise NotFoundError(f"Image {image_id}'s file is missing from the media root.")
    return FileResponse(path, media_type=image.mime_type)


@router.get("/publishing-settings", response_model=PublishingSettingsOut)
def read_publishing(site: PathSite, session: SessionDep) -> PublishingSettingsOut:
    return PublishingSettingsOut.of(site_config.publishing_settings(session, site.id or 0))


@router.put(
    "/publishing-settings",
    response_model=PublishingSettingsOut,
    responses=error_responses(400, 503),
)
def replace_publishing(
    body: PublishingSettingsIn, site: PathSite, session: SessionDep, state: StateDep
) -> PublishingSettingsOut:
    """Replace the publishing settings as a whole; any invalid field changes nothing (422).

    Secrets (`wordpress_app_password`, `webhook_secret`) are write-only and stored sealed:
    left out, they keep their stored value; responses only say whether one is set.
    """
    row = site_config.replace_publishing(session, site.id or 0, body.model_dump(), state.sealer)
    return PublishingSettingsOut.of(row)

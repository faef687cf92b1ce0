"""A site's articles (read, edit, approve, reject), their images, and its publishing settings.

The keyword, cluster, idea and task routes live in `keywords.py`, the scheduling and
publication routes in `publishing.py`; this router includes both.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from sqlmodel import Session, col, select

from pressrun.ai.base import count_words
from pressrun.api.content_schemas import (
    ContentDetail,
    ContentReject,
    ContentSummary,
    ContentUpdate,
    ImageOut,
    ImagePromptOut,
    PublishingSettingsIn,
    PublishingSettingsOut,
)
from pressrun.api.deps import PathSite, SessionDep, StateDep
from pressrun.api.routers import keywords, publishing
from pressrun.api.routers.keywords import PagingDep, contains, page_of, site_item
from pressrun.api.routers.publishing import (
    apply_publishing,
    publishing_out,
    schedule_content,
    stored_publishing,
    withdraw,
)
from pressrun.api.schemas import Page
from pressrun.errors import FieldError, InvalidTransitionError, NotFoundError
from pressrun.models import Content, Image, ImagePrompt, Site
from pressrun.models.base import utcnow
from pressrun.models.content import ContentStatus
from pressrun.publishing import publications
from pressrun.services import site_config

log = structlog.get_logger("pressrun.api")

router = APIRouter(prefix="/api/v1/sites/{site_id}", tags=["content"])
router.include_router(keywords.router)
router.include_router(publishing.router)

APPROVABLE = frozenset({ContentStatus.DRAFT, ContentStatus.REVIEW})
REJECTABLE = frozenset({ContentStatus.REVIEW, ContentStatus.APPROVED, ContentStatus.SCHEDULED})


def _detail(session: Session, content: Content) -> ContentDetail:
    prompts = session.exec(
        select(ImagePrompt)
        .where(ImagePrompt.content_id == content.id)
        .order_by(col(ImagePrompt.id))
    )
    images = session.exec(
        select(Image).where(Image.content_id == content.id).order_by(col(Image.id))
    )
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
def read_content(content_id: int, site: PathSite, session: SessionDep) -> ContentDetail:
    """An article with its body, image prompts and images (each with a download URL)."""
    return _detail(session, site_item(session, Content, content_id, site))


@router.patch("/content/{content_id}", response_model=ContentDetail)
def edit_content(
    content_id: int, body: ContentUpdate, site: PathSite, session: SessionDep
) -> ContentDetail:
    """Edit an article's title, meta description, body or slug; published ones are final (409)."""
    content = site_item(session, Content, content_id, site)
    if content.status == ContentStatus.PUBLISHED:
        raise InvalidTransitionError(
            f"Content {content_id} is published and can no longer be edited.",
            status=content.status,
        )
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "slug" in changes and changes["slug"] != content.slug:
        _check_slug_free(session, site, content, changes["slug"])
    for key, value in changes.items():
        setattr(content, key, value)
    if "body" in changes:
        content.word_count = count_words(content.body)
    if changes:
        content.updated_at = utcnow()
    session.add(content)
    session.flush()
    return _detail(session, content)


def _check_slug_free(session: Session, site: Site, content: Content, slug: str) -> None:
    other = session.exec(
        select(Content.id).where(
            Content.site_id == site.id, Content.slug == slug, Content.id != content.id
        )
    ).first()
    if other is not None:
        raise FieldError([(("slug",), f"content {other} of this site already uses this slug")])


@router.post("/content/{content_id}/approve", response_model=ContentSummary)
async def approve_content(
    content_id: int, site: PathSite, session: SessionDep, state: StateDep
) -> ContentSummary:
    """Approve a draft or an article in review; anything else is refused (409).

    With auto-publish on, the article is also given the next free publish slot, as stage 7
    would; otherwise it waits, approved, to be scheduled (`POST .../schedule`).
    """
    content = site_item(session, Content, content_id, site)
    if content.status not in APPROVABLE:
        raise InvalidTransitionError(
            f"Content {content_id} is {content.status}; only draft or review content "
            "can be approved.",
            status=content.status,
        )
    content.status = ContentStatus.APPROVED
    content.updated_at = utcnow()
    session.add(content)
    if site_config.publishing_settings(session, site.id or 0).auto_publish_enabled:
        await schedule_content(session, state, content, None)
    session.flush()
    return ContentSummary.model_validate(content)


@router.post("/content/{content_id}/reject", response_model=ContentSummary)
async def reject_content(
    content_id: int,
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
    if content.status not in REJECTABLE:
        raise InvalidTransitionError(
            f"Content {content_id} is {content.status}; only content in review, approved "
            "or scheduled can be rejected.",
            status=content.status,
        )
    if content.status == ContentStatus.SCHEDULED:
        await withdraw(session, state, content)
    content.status = ContentStatus.DRAFT
    content.publish_at = None
    publications.forget_unsent(session, content_id)
    content.updated_at = utcnow()
    session.add(content)
    log.info(
        "content rejected",
        site_id=site.id,
        content_id=content_id,
        reason=body.reason if body else None,
    )
    return ContentSummary.model_validate(content)


@router.get("/images", response_model=Page[ImageOut])
def list_images(
    site: PathSite, session: SessionDep, paging: PagingDep, content_id: int | None = None
) -> Page[ImageOut]:
    where: list[Any] = [Image.site_id == site.id]
    if content_id is not None:
        where.append(Image.content_id == content_id)
    return page_of(session, Image, where, paging, ImageOut)


@router.get("/images/{image_id}", response_model=ImageOut)
def read_image(image_id: int, site: PathSite, session: SessionDep) -> ImageOut:
    return ImageOut.model_validate(site_item(session, Image, image_id, site))


@router.get(
    "/images/{image_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"image/*": {}}, "description": "The image file."}},
)
def image_file(image_id: int, site: PathSite, session: SessionDep, state: StateDep) -> FileResponse:
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
    return publishing_out(stored_publishing(session, site))


@router.put("/publishing-settings", response_model=PublishingSettingsOut)
def replace_publishing(
    body: PublishingSettingsIn, site: PathSite, session: SessionDep
) -> PublishingSettingsOut:
    """Replace the publishing settings as a whole; any invalid field changes nothing (422).

    Secrets (`wordpress_app_password`, `webhook_secret`) are write-only: left out, they keep
    their stored value; responses only say whether one is set.
    """
    row = stored_publishing(session, site)
    apply_publishing(row, body)
    session.add(row)
    session.flush()
    return publishing_out(row)

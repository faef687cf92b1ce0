"""Articles ready to publish, written straight to the database, for the publishing tests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from sqlmodel import select

from pressrun.config import Settings
from pressrun.db import SessionFactory, transaction
from pressrun.models import (
    Cluster,
    Content,
    Idea,
    Image,
    ImagePrompt,
    Publication,
    PublishingSettings,
    Site,
    Task,
)
from pressrun.models.content import ContentStatus
from pressrun.publishing.publications import publication_of
from pressrun.sealing import build_sealer
from pressrun.services.site_config import KEEP_WHEN_NULL


def seed_article(
    sessions: SessionFactory,
    site_id: int,
    media_root: Path,
    *,
    images: int = 2,
    status: str = ContentStatus.APPROVED,
) -> int:
    """An approved article with a featured image and `images - 1` in-article ones (real PNGs)."""
    tag = uuid.uuid4().hex[:8]
    with transaction(sessions) as s:
        cluster = Cluster(site_id=site_id, name=f"Tomato growing {tag}")
        s.add(cluster)
        s.flush()
        idea = Idea(site_id=site_id, cluster_id=cluster.id or 0, title="Grow tomatoes")
        s.add(idea)
        s.flush()
        task = Task(
            site_id=site_id,
            idea_id=idea.id or 0,
            title="Grow tomatoes",
            keywords=["tomatoes", "summer garden"],
        )
        s.add(task)
        s.flush()
        content = Content(
            site_id=site_id,
            task_id=task.id or 0,
            title=f"Grow tomatoes {tag}",
            body="Intro.\n\n## Soil\n\nRich soil.\n\n## Water\n\nWater *daily*.\n",
            meta_description="How to grow tomatoes.",
            slug=f"grow-tomatoes-{tag}",
            word_count=6,
            status=status,
        )
        s.add(content)
        s.flush()
        for position in range(images):
            kind = "featured" if position == 0 else "in_article"
            prompt = ImagePrompt(
                site_id=site_id,
                content_id=content.id or 0,
                kind=kind,
                position=position,
                prompt="tomatoes",
                alt_text=f"Tomatoes {position}",
                status="done",
            )
            s.add(prompt)
            s.flush()
            relative = f"site-{site_id}/{tag}-{position}.png"
            path = media_root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            PILImage.new("RGB", (40, 30), (200, 40 * position, 30)).save(path, format="PNG")
            s.add(
                Image(
                    site_id=site_id,
                    content_id=content.id or 0,
                    prompt_id=prompt.id or 0,
                    path=relative,
                    width=40,
                    height=30,
                    size_bytes=path.stat().st_size,
                )
            )
        return content.id or 0


def set_publishing(sessions: SessionFactory, site_id: int, **fields: Any) -> None:
    """Store publishing settings as the service does: secrets sealed with the session key."""
    sealer = build_sealer(Settings())
    with transaction(sessions) as s:
        row = s.exec(
            select(PublishingSettings).where(PublishingSettings.site_id == site_id)
        ).first()
        if row is None:
            row = PublishingSettings(site_id=site_id)
        for key, value in fields.items():
            setattr(row, key, sealer.seal(value) if key in KEEP_WHEN_NULL else value)
        s.add(row)


def set_timezone(sessions: SessionFactory, site_id: int, timezone: str) -> None:
    with transaction(sessions) as s:
        site = s.get(Site, site_id)
        assert site is not None
        site.timezone = timezone
        s.add(site)


def publication(sessions: SessionFactory, content_id: int) -> Publication | None:
    with transaction(sessions) as s:
        row = publication_of(s, content_id)
        if row is not None:
            s.expunge(row)
        return row


def content_row(sessions: SessionFactory, content_id: int) -> Content:
    with transaction(sessions) as s:
        row = s.get(Content, content_id)
        assert row is not None
        s.expunge(row)
        return row

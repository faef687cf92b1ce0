"""The pipeline's items, one table per stage output.

keyword → cluster → idea → task → content → image prompt → image

An item a stage failed on keeps the reason (`error`), how many times it failed (`attempts`)
and the run that failed it last (`last_run_id`): later runs try it again up to
`item_max_attempts`, never the run that just failed it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from pressrun.models.base import created_at_field, datetime_field, json_field


class KeywordStatus(StrEnum):
    NEW = "new"
    CLUSTERED = "clustered"
    FAILED = "failed"


class ClusterStatus(StrEnum):
    NEW = "new"
    IDEAS_GENERATED = "ideas_generated"
    FAILED = "failed"


class IdeaStatus(StrEnum):
    NEW = "new"
    QUEUED = "queued"
    FAILED = "failed"


class TaskStatus(StrEnum):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"


class ContentStatus(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class ItemStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class ImageKind(StrEnum):
    FEATURED = "featured"
    IN_ARTICLE = "in_article"


class Keyword(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("site_id", "text", name="uq_keyword_site_text"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    text: str = Field(max_length=300)
    volume: int = 0
    difficulty: int = 0
    intent: str = Field(default="informational", max_length=32)
    # `imported` when the import gave the intent (it wins), `detected` when pressrun read it
    # from the query, "" when not yet known (stage 1 detects it).
    intent_source: str = Field(default="", max_length=16)
    status: str = Field(default=KeywordStatus.NEW, max_length=16, index=True)
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)
    error: str | None = None
    attempts: int = 0
    last_run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_at_field()


class KeywordEmbedding(SQLModel, table=True):
    """A keyword's vector in one model's space, computed once and kept (float32, little-endian)."""

    __table_args__ = (
        sa.UniqueConstraint("keyword_id", "model", name="uq_keyword_embedding_model"),
    )

    id: int | None = Field(default=None, primary_key=True)
    keyword_id: int = Field(foreign_key="keyword.id", index=True)
    model: str = Field(max_length=200)
    dims: int
    vector: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    created_at: datetime = created_at_field()


class Cluster(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("site_id", "name", name="uq_cluster_site_name"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    name: str = Field(max_length=300)
    description: str = ""
    # The search intent of the page the cluster is: its keywords all share it.
    intent: str = Field(default="informational", max_length=32)
    # Its highest-volume member.
    head_keyword_id: int | None = Field(default=None)
    keyword_count: int = 0
    status: str = Field(default=ClusterStatus.NEW, max_length=16, index=True)
    error: str | None = None
    attempts: int = 0
    last_run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_at_field()


class Idea(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    title: str = Field(max_length=300)
    brief: str = ""
    outline: list[str] = json_field(list)
    target_keyword: str = Field(default="", max_length=300)
    status: str = Field(default=IdeaStatus.NEW, max_length=16, index=True)
    created_at: datetime = created_at_field()


class Task(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    idea_id: int = Field(foreign_key="idea.id", unique=True)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    title: str = Field(max_length=300)
    brief: str = ""
    outline: list[str] = json_field(list)
    target_keyword: str = Field(default="", max_length=300)
    keywords: list[str] = json_field(list)
    status: str = Field(default=TaskStatus.QUEUED, max_length=16, index=True)
    error: str | None = None
    attempts: int = 0
    last_run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_at_field()


class Content(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    task_id: int = Field(foreign_key="task.id", unique=True)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    title: str = Field(max_length=300)
    body: str = ""
    meta_description: str = Field(default="", max_length=400)
    slug: str = Field(default="", max_length=300)
    word_count: int = 0
    status: str = Field(default=ContentStatus.DRAFT, max_length=16, index=True)
    image_prompts_done: bool = False
    # Stage 5's last failure on this article, how often it failed, and in which run last.
    error: str | None = None
    attempts: int = 0
    last_run_id: str | None = Field(default=None, max_length=64)
    generated_by: str = Field(default="", max_length=100)
    publish_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ImagePrompt(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("content_id", "kind", "position", name="uq_image_prompt_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    content_id: int = Field(foreign_key="content.id", index=True)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    kind: str = Field(max_length=16)
    position: int = 0
    prompt: str = ""
    alt_text: str = Field(default="", max_length=400)
    status: str = Field(default=ItemStatus.PENDING, max_length=16, index=True)
    error: str | None = None
    attempts: int = 0
    last_run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_at_field()


class Image(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    content_id: int = Field(foreign_key="content.id", index=True)
    prompt_id: int = Field(foreign_key="imageprompt.id", unique=True)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    path: str = Field(max_length=500)
    mime_type: str = Field(default="image/png", max_length=32)
    width: int = 0
    height: int = 0
    size_bytes: int = 0
    generated_by: str = Field(default="", max_length=100)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = datetime_field()

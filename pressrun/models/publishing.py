"""How a site's finished content is approved and published, and each article's publication."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from pressrun.models.base import created_at_field, datetime_field, json_field

# A sealed secret's column: a Fernet token of a 200-character secret (up to 800 bytes of
# UTF-8) is at most 1,164 characters.
SEALED_LENGTH = 2000


class PublishingSettings(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", unique=True)
    auto_approval_enabled: bool = False
    auto_publish_enabled: bool = False
    daily_publish_limit: int = 3
    publish_days: list[str] = json_field(lambda: ["mon", "tue", "wed", "thu", "fri"])
    time_slots: list[str] = json_field(lambda: ["09:00", "14:00", "18:00"])
    publisher: str = Field(default="folder", max_length=16)
    # Credentials are read by the publish activity from here, never passed through workflow
    # or activity inputs (those are recorded in Temporal's history); the API never returns them.
    # The secrets are stored sealed (`pressrun.sealing`): a Fernet token, or "" when unset.
    wordpress_url: str = Field(default="", max_length=500)
    wordpress_username: str = Field(default="", max_length=200)
    wordpress_app_password: str = Field(default="", max_length=SEALED_LENGTH)
    webhook_url: str = Field(default="", max_length=500)
    webhook_secret: str = Field(default="", max_length=SEALED_LENGTH)
    updated_at: datetime = created_at_field()


class PublicationStatus(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    UNSCHEDULED = "unscheduled"


class Publication(SQLModel, table=True):
    """One article's delivery to its site's publisher: the intent, then what came back.

    The row exists before the publisher is called, and the remote IDs are saved the moment
    they are known, so a retried publish resumes instead of posting again.
    """

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    content_id: int = Field(foreign_key="content.id", unique=True)
    publisher: str = Field(default="folder", max_length=16)
    status: str = Field(default=PublicationStatus.SCHEDULED, max_length=16, index=True)
    publish_at: datetime = created_at_field()
    workflow_id: str = Field(default="", max_length=100)
    remote_id: str | None = Field(default=None, max_length=200)
    remote_url: str | None = Field(default=None, max_length=1000)
    media: dict[str, str] = json_field(dict)
    attempts: int = 0
    error: str | None = None
    published_at: datetime | None = datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()

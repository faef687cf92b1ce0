"""The publish workflow's messages: its input, updates, query and outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

PUBLISH_WORKFLOW = "PublishContent"
PUBLISH_CONTENT = "publish_content"
RECORD_PUBLISH_FAILURE = "record_publish_failure"
RELEASE_PUBLICATION = "release_publication"
RECORD_PUBLISH_MOVE = "record_publish_move"
RESCHEDULE_UPDATE = "reschedule"
UNSCHEDULE_UPDATE = "unschedule"
PUBLISH_STATE_QUERY = "publish_state"
# The error type of a publish failure no retry can fix (bad credentials, a refused post).
PUBLISH_PERMANENT_ERROR = "PublishPermanent"


def publish_workflow_id(content_id: int) -> str:
    """One publish workflow per article: Temporal refuses to publish it twice at once."""
    return f"publish-content-{content_id}"


class PublishInput(BaseModel):
    content_id: int
    site_id: int
    publish_at: datetime
    max_attempts: int = 8
    timeout_seconds: int = 300
    # None: no heartbeat timeout, as for workflows started before deliveries heartbeated.
    heartbeat_seconds: int | None = None
    # The publish pool's task queue for the delivery; None: the workflow's own.
    queue: str | None = None


class PublishRequest(BaseModel):
    content_id: int
    site_id: int


class PublishMove(BaseModel):
    content_id: int
    publish_at: datetime


class PublishFailure(BaseModel):
    content_id: int
    reason: str


class PublishOutcome(BaseModel):
    content_id: int
    status: Literal["published", "unscheduled"]
    remote_id: str | None = None
    remote_url: str | None = None


PublishPhase = Literal["waiting", "publishing", "done"]


class PublishWait(BaseModel):
    """What a publish workflow is doing, for its query and its updates' answers."""

    content_id: int
    phase: PublishPhase
    publish_at: datetime

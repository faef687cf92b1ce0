"""Bodies of the keyword, cluster, idea and task routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from pressrun.api.schemas.common import JsonNumber
from pressrun.clustering.intent import Intent, intent_key
from pressrun.services.keywords import KeywordRow

# Keyword volume is an INTEGER column; anything larger would fail in the database.
MAX_VOLUME = 2_000_000_000


def _intent_key(value: Any) -> Any:
    return (intent_key(value) or None) if isinstance(value, str) else value


class KeywordIn(KeywordRow):
    """One keyword to import: the shared row, stricter about what reaches the database.

    Numbers are JSON numbers (`JsonNumber`); the CSV upload, whose cells are all text,
    validates its rows with the `TEXT_INPUT` context."""

    model_config = ConfigDict(extra="forbid")

    # Stripped first, so the document asks for a character that is not white space.
    keyword: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
        Field(json_schema_extra={"pattern": r"\S"}),
    ]
    volume: Annotated[int, JsonNumber] = Field(default=0, ge=0, le=MAX_VOLUME)
    difficulty: Annotated[int, JsonNumber] = Field(default=0, ge=0, le=100)
    # Given, it wins over the intent pressrun reads from the query; `how-to`, `How To` and
    # `how_to` are one.
    intent: Annotated[Intent | None, BeforeValidator(_intent_key)] = None


class KeywordImport(BaseModel):
    keywords: list[KeywordIn] = Field(min_length=1)


class ImportResultOut(BaseModel):
    created: int
    duplicates: int = Field(description="Rows the site already had, or repeated in this import.")


class KeywordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    keyword: str = Field(validation_alias="text")
    volume: int
    difficulty: int
    intent: str
    status: str
    cluster_id: int | None
    error: str | None = Field(description="Why the stage last failed on it, if it did.")
    attempts: int = Field(
        description="How many times the stage failed on it; runs retry it up to a limit."
    )
    created_at: datetime


class ClusterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    run_id: str | None
    name: str
    description: str
    intent: str = Field(description="The search intent of the page: all its keywords share it.")
    head_keyword_id: int | None = Field(description="Its highest-volume keyword.")
    keyword_count: int
    status: str
    error: str | None = Field(description="Why the stage last failed on it, if it did.")
    attempts: int = Field(
        description="How many times the stage failed on it; runs retry it up to a limit."
    )
    created_at: datetime


class ClusterDetail(ClusterOut):
    keywords: list[KeywordOut]


class IdeaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    cluster_id: int
    run_id: str | None
    title: str
    brief: str
    outline: list[str]
    target_keyword: str
    status: str
    created_at: datetime


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    idea_id: int
    run_id: str | None
    title: str
    brief: str
    outline: list[str]
    target_keyword: str
    keywords: list[str]
    status: str
    error: str | None = Field(description="Why the stage last failed on it, if it did.")
    attempts: int = Field(
        description="How many times the stage failed on it; runs retry it up to a limit."
    )
    created_at: datetime

"""Shapes every route shares: a page of items, the paging parameters asking for one, and the
error bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo

T = TypeVar("T")


def _date_time_text(value: Any) -> Any:
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("give an ISO 8601 date-time string")
    return value


# A date-time given as the document says, an ISO 8601 string: not also a number of seconds,
# which pydantic would otherwise take.
DateTimeText = BeforeValidator(_date_time_text)

# Validation context of input that is all text (a CSV file's cells), where numbers and
# booleans arrive as strings to be read.
TEXT_INPUT = {"text_input": True}


def _json_number(value: Any, info: ValidationInfo) -> Any:
    if isinstance(info.context, dict) and info.context.get("text_input"):
        return value
    if isinstance(value, bool | str):
        raise ValueError("give a JSON number")
    return value


# An integer given as the document says, a JSON number (`5` or `5.0`): not also `true` or
# `"5"`, which pydantic would otherwise take.
JsonNumber = BeforeValidator(_json_number)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class Paging:
    limit: int = Query(50, ge=1, le=500)
    offset: int = Query(0, ge=0, le=2**63 - 1)


# Error bodies, as `pressrun.api.errors` writes them (and `pressrun.api.responses` declares
# them for each operation): a message or the fields at fault, and a stable `code`.


class ErrorOut(BaseModel):
    """An error: what went wrong, and a stable code (`unauthenticated` with 401, `forbidden`
    403, `not_found` 404, `temporal_unavailable` 503, `http_error` for a request HTTP itself
    refuses, such as a body that cannot be parsed)."""

    detail: str
    code: str


class FieldErrorOut(BaseModel):
    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then the field.")
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    """Input that failed validation: each field at fault, with why."""

    detail: list[FieldErrorOut]
    code: Literal["validation_error"]


class ConflictOut(ErrorOut):
    """Refused by the current state: a run in progress (`already_running`, with the run), a
    change the run or article cannot make now (`invalid_transition`, with its status), or a
    concurrent change to retry (`conflict`)."""

    run_id: str | None = None
    workflow_id: str | None = None
    status: str | None = None


class InsufficientCreditsOut(ErrorOut):
    """The balance is short of what the run needs (its estimate with the safety buffer)."""

    estimate: float
    balance: float

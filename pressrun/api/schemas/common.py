"""Shapes every list route shares: a page of items, and the paging parameters asking for one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class Paging:
    limit: int = Query(50, ge=1, le=500)
    offset: int = Query(0, ge=0)

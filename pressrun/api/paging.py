"""Looking up rows for a route and paging through them: every list read of the API.

Shared by the routers, which never import one another and hold no queries of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import Depends
from pydantic import BaseModel
from sqlmodel import Session, SQLModel, col, func, select

from pressrun.api.schemas.common import Page, Paging
from pressrun.errors import NotFoundError
from pressrun.models import Site

ModelT = TypeVar("ModelT", bound=SQLModel)
OutT = TypeVar("OutT", bound=BaseModel)
PagingDep = Annotated[Paging, Depends()]


def site_item(session: Session, model: type[ModelT], item_id: int, site: Site) -> ModelT:
    """A row of the site; one of another site is indistinguishable from a missing one."""
    row = session.get(model, item_id)
    if row is None or getattr(row, "site_id", None) != site.id:
        raise NotFoundError(f"{model.__name__} {item_id} not found.")
    return row


def page_of(
    session: Session,
    model: type[ModelT],
    where: Sequence[Any],
    paging: Paging,
    out: type[OutT],
    *,
    newest_first: bool = False,
) -> Page[OutT]:
    """One page of `model` rows matching `where`, oldest first (or newest first)."""
    total = session.exec(select(func.count()).select_from(model).where(*where)).one()
    order = col(model.id)  # type: ignore[attr-defined]
    rows = session.exec(
        select(model)
        .where(*where)
        .order_by(order.desc() if newest_first else order)
        .offset(paging.offset)
        .limit(paging.limit)
    )
    return Page(
        items=[out.model_validate(r) for r in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


def rows_of(session: Session, model: type[ModelT], *where: Any) -> list[ModelT]:
    """Every `model` row matching `where`, oldest first: the short lists inside one item."""
    order = col(model.id)  # type: ignore[attr-defined]
    return list(session.exec(select(model).where(*where).order_by(order)))


def contains(column: Any, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring match, with LIKE's wildcards in `text` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return col(column).ilike(f"%{escaped}%", escape="\\")

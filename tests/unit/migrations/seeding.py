"""Rows inserted into a database at an older revision, through the schema as it was then."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


def _blank(column: sa.Column[Any]) -> Any:
    """A value for a required column the test does not care about."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.JSON):
        return []
    if isinstance(kind, sa.DateTime):
        return datetime.now(UTC)
    if isinstance(kind, sa.Integer):
        return 0
    return ""


class Seed:
    """Rows inserted through the schema as it is, required columns filled with blanks."""

    def __init__(self, conn: sa.Connection, meta: sa.MetaData) -> None:
        self.conn, self.meta = conn, meta

    def add(self, table: str, **values: Any) -> int:
        t = self.meta.tables[table]
        for column in t.columns:
            if column.name not in values and not column.nullable and not column.primary_key:
                values[column.name] = _blank(column)
        return int(self.conn.execute(t.insert().values(**values).returning(t.c.id)).scalar_one())

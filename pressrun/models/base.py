"""Column helpers shared by every table, so types map the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite drops the zone otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Credits(sa.types.TypeDecorator[Decimal]):
    """Credit amounts, exact to the hundredth, stored as integer hundredths.

    SQLite has no decimal type; integers keep sums exact on both backends.
    """

    impl = sa.BigInteger()
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: sa.Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: int | None, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(Decimal("0.01"))


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def datetime_field() -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=True)


def credits_field(default: Decimal = Decimal("0")) -> Any:
    return Field(default=default, sa_type=Credits, nullable=False)


def json_field(default_factory: Any = dict, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=sa.JSON, nullable=True)
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)

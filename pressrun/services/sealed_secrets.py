"""Every stored secret, sealed: which columns hold them, the startup check, and key rotation.

A new kind of stored credential joins `SEALED_COLUMNS`; the startup check and
`pressrun secrets rotate` then cover it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import sqlalchemy as sa
import structlog
from sqlmodel import Session, SQLModel, col, or_, select

from pressrun.config import Settings
from pressrun.db import SessionFactory, transaction
from pressrun.errors import SealingError
from pressrun.models import PublishingSettings
from pressrun.sealing import Sealer, build_sealer

log = structlog.get_logger("pressrun.sealing")

SEALED_COLUMNS: tuple[tuple[type[SQLModel], tuple[str, ...]], ...] = (
    (PublishingSettings, ("wordpress_app_password", "webhook_secret")),
)


def _rows_with_secrets(session: Session) -> Iterator[tuple[SQLModel, tuple[str, ...]]]:
    for model, columns in SEALED_COLUMNS:
        stmt = select(model).where(or_(*(col(getattr(model, c)) != "" for c in columns)))
        for row in session.exec(stmt):
            yield row, columns


def check_sealed(session: Session, sealer: Sealer) -> int:
    """How many stored secrets there are; `SealingError` when there are some and no key, or
    one that no key opens."""
    count = 0
    for row, columns in _rows_with_secrets(session):
        for column in columns:
            token = getattr(row, column)
            if not token:
                continue
            count += 1
            if not sealer.has_key:
                continue
            sealer.open(token)
    if count and not sealer.has_key:
        raise SealingError(
            f"the database holds {count} sealed secret(s) and no key is set: "
            "set PRESSRUN_SECRET_KEYS to the key they were sealed with"
        )
    return count


def reseal_all(session: Session, sealer: Sealer) -> int:
    """Seal every stored secret again with the first key; how many were re-sealed."""
    return _rewrite(session, sealer.rotate)


def _rewrite(session: Session, change: Callable[[str], str]) -> int:
    count = 0
    for row, columns in list(_rows_with_secrets(session)):
        for column in columns:
            token = getattr(row, column)
            if token:
                setattr(row, column, change(token))
                count += 1
        session.add(row)
    session.flush()
    return count


def startup_sealer(settings: Settings, sessions: SessionFactory) -> Sealer:
    """The process's sealer, once its keys are known to open what is stored: `SealingError`
    (the process refuses to start) otherwise. A database not yet migrated holds no secrets."""
    sealer = build_sealer(settings)
    with transaction(sessions) as session:
        if not sa.inspect(session.connection()).has_table("publishingsettings"):
            return sealer
        count = check_sealed(session, sealer)
    log.debug("stored secrets checked", secrets=count, keys=len(settings.secret_keys))
    return sealer

"""Run the Alembic migrations programmatically, so `pressrun migrate` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from pressrun.sealing import Sealer

MIGRATIONS = Path(__file__).parent


def alembic_config(database_url: str, sealer: Sealer | None = None) -> Config:
    """The migrations' config; `sealer` (under `attributes["sealer"]`) is what a migration
    that seals or opens stored secrets uses, keyless when not given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["sealer"] = sealer or Sealer([])
    return config


def upgrade(database_url: str, revision: str = "head", *, sealer: Sealer | None = None) -> None:
    """Bring the schema up to `revision`. Stored secrets are sealed with `sealer`'s first key;
    without one, a database holding secrets fails with `SealingError`."""
    command.upgrade(alembic_config(database_url, sealer), revision)


def downgrade(database_url: str, revision: str, *, sealer: Sealer | None = None) -> None:
    """Take the schema back to `revision` (a developer tool and the migration tests')."""
    command.downgrade(alembic_config(database_url, sealer), revision)


def make_revision(database_url: str, message: str) -> None:
    """Autogenerate a migration from the models (a developer tool)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)

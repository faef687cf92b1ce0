"""Run the Alembic migrations programmatically, so `pressrun migrate` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def make_revision(database_url: str, message: str) -> None:
    """Autogenerate a migration from the models (a developer tool)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)

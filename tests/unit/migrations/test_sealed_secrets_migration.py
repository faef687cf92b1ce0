"""Migration 0005 seals the secrets already stored, and refuses clearly without a key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pressrun.db import create_db_engine
from pressrun.errors import SealingError
from pressrun.migrations.upgrade import downgrade, upgrade
from pressrun.sealing import Sealer, new_key

SECRETS = ("wordpress_app_password", "webhook_secret")


def _seed_at_0004(url: str, secrets: list[tuple[str, str]]) -> None:
    """Sites whose publishing settings hold `secrets` in plaintext, as before 0005."""
    upgrade(url, "0004")
    engine = create_db_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine, only=["account", "site", "publishingsettings"])
        now = datetime.now(UTC)
        with engine.begin() as conn:
            account_id = conn.execute(
                meta.tables["account"]
                .insert()
                .values(name="a", credit_balance=0, created_at=now)
                .returning(meta.tables["account"].c.id)
            ).scalar_one()
            for n, (password, secret) in enumerate(secrets):
                site_id = conn.execute(
                    meta.tables["site"]
                    .insert()
                    .values(
                        account_id=account_id,
                        name=f"s{n}",
                        url="https://x.test",
                        timezone="UTC",
                        created_at=now,
                    )
                    .returning(meta.tables["site"].c.id)
                ).scalar_one()
                conn.execute(
                    meta.tables["publishingsettings"]
                    .insert()
                    .values(
                        site_id=site_id,
                        auto_approval_enabled=False,
                        auto_publish_enabled=False,
                        daily_publish_limit=3,
                        publish_days=["mon"],
                        time_slots=["09:00"],
                        publisher="wordpress",
                        updated_at=now,
                        wordpress_app_password=password,
                        webhook_secret=secret,
                    )
                )
    finally:
        engine.dispose()


def _stored(url: str) -> list[tuple[str, str]]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(f"SELECT {', '.join(SECRETS)} FROM publishingsettings ORDER BY id")
            ).all()
            return [(row[0], row[1]) for row in rows]
    finally:
        engine.dispose()


def _revision(url: str) -> str:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()


def test_existing_secrets_are_sealed_and_the_downgrade_opens_them(
    fresh_database_url: str,
) -> None:
    plain = [("wp app pass", ""), ("", "hook-secret"), ("", "")]
    _seed_at_0004(fresh_database_url, plain)
    sealer = Sealer([new_key()])

    upgrade(fresh_database_url, "0005", sealer=sealer)

    stored = _stored(fresh_database_url)
    for (password, secret), (sealed_password, sealed_secret) in zip(plain, stored, strict=True):
        # Empty stays empty; anything else is a token that opens to what was there.
        assert (sealed_password == "") == (password == "")
        assert (sealed_secret == "") == (secret == "")
        assert password not in sealed_password or not password
        assert secret not in sealed_secret or not secret
        assert sealer.open(sealed_password) == password
        assert sealer.open(sealed_secret) == secret

    downgrade(fresh_database_url, "0004", sealer=sealer)
    assert _stored(fresh_database_url) == plain


def test_without_a_key_the_migration_fails_clearly_and_changes_nothing(
    fresh_database_url: str,
) -> None:
    _seed_at_0004(fresh_database_url, [("wp app pass", "hook-secret")])

    with pytest.raises(SealingError, match="PRESSRUN_SECRET_KEYS") as caught:
        upgrade(fresh_database_url, "0005")

    assert "migration 0005" in str(caught.value) and "1 site" in str(caught.value)
    assert "wp app pass" not in str(caught.value)
    assert _revision(fresh_database_url) == "0004"
    assert _stored(fresh_database_url) == [("wp app pass", "hook-secret")]


def test_without_secrets_the_migration_needs_no_key(fresh_database_url: str) -> None:
    _seed_at_0004(fresh_database_url, [("", "")])
    upgrade(fresh_database_url, "0005")
    assert _stored(fresh_database_url) == [("", "")]
    assert _revision(fresh_database_url) == "0005"

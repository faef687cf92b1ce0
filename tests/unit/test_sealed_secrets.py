"""Stored secrets are sealed in the database; a process without the key refuses to start;
`pressrun secrets rotate` re-seals them with the first key."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from pressrun import cli
from pressrun.api.app import create_app
from pressrun.config import Settings
from pressrun.db import SessionFactory, create_db_engine, make_session_factory, transaction
from pressrun.errors import SealingError
from pressrun.migrations.upgrade import upgrade
from pressrun.resources import open_resources
from pressrun.sealing import Sealer, build_sealer, new_key
from pressrun.services.accounts import create_account, create_site
from pressrun.services.sealed_secrets import startup_sealer
from pressrun.services.site_config import replace_publishing

WEBHOOK = {
    "auto_approval_enabled": False,
    "auto_publish_enabled": False,
    "daily_publish_limit": 3,
    "publish_days": ["mon"],
    "time_slots": ["09:00"],
    "publisher": "webhook",
    "wordpress_url": None,
    "wordpress_username": None,
    "wordpress_app_password": None,
    "webhook_url": "https://hooks.example.test/in",
    "webhook_secret": "plain-hook-secret",
}


def _settings(tmp_path: Path, url: str, *keys: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=url, secret_keys=[SecretStr(k) for k in keys])


def _stored(sessions: SessionFactory) -> list[str]:
    with transaction(sessions) as s:
        rows = s.execute(sa.text("SELECT webhook_secret FROM publishingsettings")).all()
        return [row[0] for row in rows]


@pytest.fixture
def store(fresh_database_url: str) -> Iterator[tuple[str, SessionFactory]]:
    """A database of the test's own: migrated, its secrets for the test to write."""
    upgrade(fresh_database_url)
    engine = create_db_engine(fresh_database_url)
    yield fresh_database_url, make_session_factory(engine)
    engine.dispose()


def _save_webhook(sessions: SessionFactory, sealer: Sealer) -> None:
    with transaction(sessions) as s:
        account = create_account(s, "a", Decimal("0"))
        site = create_site(s, account, name="s", url="https://x.test")
        replace_publishing(s, site.id or 0, dict(WEBHOOK), sealer)


def test_saved_secrets_are_stored_sealed(store: tuple[str, SessionFactory]) -> None:
    _, sessions = store
    sealer = Sealer([new_key()])
    _save_webhook(sessions, sealer)
    [token] = _stored(sessions)
    assert token and "plain-hook-secret" not in token
    assert sealer.open(token) == "plain-hook-secret"


def test_startup_refuses_stored_secrets_without_a_key_that_opens_them(
    store: tuple[str, SessionFactory], tmp_path: Path
) -> None:
    url, sessions = store
    # Nothing stored: no key needed.
    assert not startup_sealer(_settings(tmp_path, url), sessions).has_key
    key = new_key()
    _save_webhook(sessions, Sealer([key]))

    with pytest.raises(SealingError, match="no key is set: set PRESSRUN_SECRET_KEYS"):
        startup_sealer(_settings(tmp_path, url), sessions)
    with pytest.raises(SealingError, match="opens with none of the keys"):
        startup_sealer(_settings(tmp_path, url, new_key()), sessions)
    assert startup_sealer(_settings(tmp_path, url, new_key(), key), sessions).has_key


async def test_the_api_and_worker_refuse_to_start_without_the_key(
    store: tuple[str, SessionFactory], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, sessions = store
    _save_webhook(sessions, Sealer([new_key()]))
    keyless = _settings(tmp_path, url)

    app = create_app(keyless)
    with pytest.raises(SealingError):
        async with app.router.lifespan_context(app):
            pass
    with pytest.raises(SealingError):
        async with open_resources(keyless):
            pass


@pytest.mark.parametrize(
    "args",
    [
        argparse.Namespace(command="api"),
        argparse.Namespace(command="worker", queues=None),
    ],
    ids=["api", "worker"],
)
def test_the_commands_say_why_in_one_line(
    store: tuple[str, SessionFactory],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: argparse.Namespace,
) -> None:
    url, sessions = store
    _save_webhook(sessions, Sealer([new_key()]))

    assert cli._run_command(args, _settings(tmp_path, url)) == 1

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pressrun: ")
    assert "PRESSRUN_SECRET_KEYS" in err


def test_rotate_reseals_every_secret_with_the_first_key(
    store: tuple[str, SessionFactory], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, sessions = store
    old, new = new_key(), new_key()
    _save_webhook(sessions, Sealer([old]))
    [before] = _stored(sessions)

    rotate = argparse.Namespace(command="secrets", secrets_command="rotate")
    assert cli._run_command(rotate, _settings(tmp_path, url, new, old)) == 0

    assert "1 stored secret(s) sealed again" in capsys.readouterr().out
    [after] = _stored(sessions)
    assert after != before
    assert Sealer([new]).open(after) == "plain-hook-secret"
    # The old key may now go.
    assert startup_sealer(_settings(tmp_path, url, new), sessions).has_key


def test_the_test_session_has_a_key() -> None:
    # Every Settings() of the suite seals with the session's key (tests/conftest.py).
    assert build_sealer(Settings()).has_key

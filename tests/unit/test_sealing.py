"""Sealing stored secrets: round trip, rotation over several keys, clear errors, the dev key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from pressrun.config import Settings
from pressrun.errors import SealingError
from pressrun.sealing import Sealer, build_sealer, local_secret_key, new_key, with_local_key


def test_a_sealed_secret_opens_to_itself_and_is_not_the_plaintext() -> None:
    sealer = Sealer([new_key()])
    token = sealer.seal("app pass wörd 1234")
    assert "app pass" not in token and token != "app pass wörd 1234"
    assert sealer.open(token) == "app pass wörd 1234"
    # Sealing twice gives different tokens (a fresh IV each time), both opening.
    assert sealer.seal("x") != sealer.seal("x")


def test_empty_stays_empty_and_needs_no_key() -> None:
    keyless = Sealer([])
    assert not keyless.has_key
    assert keyless.seal("") == "" and keyless.open("") == "" and keyless.rotate("") == ""


def test_no_key_is_a_clear_error() -> None:
    keyless = Sealer([])
    with pytest.raises(SealingError, match="PRESSRUN_SECRET_KEYS"):
        keyless.seal("secret")
    token = Sealer([new_key()]).seal("secret")
    with pytest.raises(SealingError, match="PRESSRUN_SECRET_KEYS"):
        keyless.open(token)


def test_a_token_of_another_key_is_a_clear_error() -> None:
    token = Sealer([new_key()]).seal("hunter2-plain")
    with pytest.raises(SealingError, match="opens with none of the keys") as caught:
        Sealer([new_key()]).open(token)
    assert "hunter2" not in str(caught.value) and token not in str(caught.value)
    with pytest.raises(SealingError):
        Sealer([new_key()]).open("plaintext, never sealed")


def test_rotation_the_first_key_seals_every_key_opens() -> None:
    old, new = new_key(), new_key()
    token = Sealer([old]).seal("secret")
    both = Sealer([new, old])
    assert both.open(token) == "secret"
    rotated = both.rotate(token)
    assert Sealer([new]).open(rotated) == "secret"
    with pytest.raises(SealingError):
        Sealer([old]).open(rotated)
    # New secrets are sealed with the first key alone.
    assert Sealer([new]).open(both.seal("fresh")) == "fresh"


def test_a_malformed_key_is_refused_by_position() -> None:
    with pytest.raises(SealingError, match="key 2 of PRESSRUN_SECRET_KEYS"):
        Sealer([new_key(), "not-a-fernet-key"])


def test_settings_read_keys_comma_separated_or_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = new_key(), new_key()
    monkeypatch.setenv("PRESSRUN_SECRET_KEYS", f"{a}, {b}")
    assert [k.get_secret_value() for k in Settings().secret_keys] == [a, b]
    monkeypatch.setenv("PRESSRUN_SECRET_KEYS", f'["{b}", "{a}"]')
    assert [k.get_secret_value() for k in Settings().secret_keys] == [b, a]
    monkeypatch.setenv("PRESSRUN_SECRET_KEYS", "")
    assert Settings().secret_keys == []
    # The keys never show in the settings' repr.
    monkeypatch.setenv("PRESSRUN_SECRET_KEYS", a)
    assert a not in repr(Settings())
    token = Sealer([a]).seal("s")
    assert build_sealer(Settings()).open(token) == "s"


def test_a_malformed_key_list_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = new_key()
    monkeypatch.setenv("PRESSRUN_SECRET_KEYS", f'["{key}", ')
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert "secret_keys" in str(raised.value)
    assert key[:8] not in str(raised.value)


def test_the_dev_key_file_is_made_once_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = local_secret_key(data_dir)
    path = data_dir / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret_key(data_dir) == key
    Sealer([key])  # a usable Fernet key
    assert path.read_text().strip() == key


def test_with_local_key_makes_the_file_only_when_asked(tmp_path: Path) -> None:
    keyless = Settings(data_dir=tmp_path, secret_keys=[])
    assert with_local_key(keyless).secret_keys == []
    assert not (tmp_path / "secret.key").exists()
    made = with_local_key(keyless, create=True)
    key = (tmp_path / "secret.key").read_text().strip()
    assert [k.get_secret_value() for k in made.secret_keys] == [key]
    # Once it is there, every command on this data directory uses it.
    assert [k.get_secret_value() for k in with_local_key(keyless).secret_keys] == [key]
    # A configured key wins, and no file is consulted.
    configured = Settings(data_dir=tmp_path, secret_keys=[SecretStr(new_key())])
    assert with_local_key(configured, create=True).secret_keys == configured.secret_keys

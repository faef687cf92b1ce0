"""Secrets sealed at rest: stored credentials are Fernet tokens, opened only where they are used.

A `Sealer` is built once per process from `Settings.secret_keys` and handed to whatever reads
or writes a stored secret. The first key seals; every key opens, so a key is rotated by
putting the new one first, re-sealing (`pressrun secrets rotate`), then dropping the old one.
An empty secret stays empty: "not set" needs no key.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from pressrun.config import Settings
from pressrun.errors import SealingError

KEY_SETTING = "PRESSRUN_SECRET_KEYS"
NO_KEY = f"stored secrets need a key: set {KEY_SETTING} (make one with `pressrun secrets new-key`)"
UNREADABLE = (
    f"a stored secret opens with none of the keys in {KEY_SETTING}: keep the key it was "
    "sealed with in the list (after the new one) until `pressrun secrets rotate` has run, "
    "and run `pressrun migrate` on a database from before secrets were sealed"
)


def new_key() -> str:
    """A fresh Fernet key, as it goes into PRESSRUN_SECRET_KEYS."""
    return Fernet.generate_key().decode("ascii")


class Sealer:
    """Seals and opens stored secrets with the configured keys (MultiFernet)."""

    def __init__(self, keys: Sequence[str]) -> None:
        fernets: list[Fernet] = []
        for n, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
                raise SealingError(
                    f"key {n} of {KEY_SETTING} is not a Fernet key (32 url-safe base64 bytes; "
                    "make one with `pressrun secrets new-key`)"
                ) from None
        self._fernet = MultiFernet(fernets) if fernets else None

    @property
    def has_key(self) -> bool:
        return self._fernet is not None

    def _keys(self) -> MultiFernet:
        if self._fernet is None:
            raise SealingError(NO_KEY)
        return self._fernet

    def seal(self, plaintext: str) -> str:
        """A token for `plaintext`, sealed with the first key; "" stays ""."""
        if not plaintext:
            return ""
        return self._keys().encrypt(plaintext.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        """The plaintext of a token sealed with any of the keys; "" stays ""."""
        if not token:
            return ""
        try:
            return self._keys().decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SealingError(UNREADABLE) from None

    def rotate(self, token: str) -> str:
        """The same secret sealed again with the first key; "" stays ""."""
        if not token:
            return ""
        try:
            return self._keys().rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise SealingError(UNREADABLE) from None


def build_sealer(settings: Settings) -> Sealer:
    """The process's sealer, from its one settings object."""
    return Sealer([key.get_secret_value() for key in settings.secret_keys])


def local_secret_key(data_dir: Path) -> str:
    """The embedded default's key (`pressrun dev`): made once, kept in the data directory
    readable by its owner alone."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = new_key()
    # Created 0600 from the start, never briefly readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


def with_local_key(settings: Settings, *, create: bool = False) -> Settings:
    """`settings` with the data directory's key file (`data_dir/secret.key`) when they set no
    key: made on first use with `create` (`pressrun dev`), else used only if it is there."""
    if settings.secret_keys:
        return settings
    if not create and not (settings.data_dir / "secret.key").exists():
        return settings
    key = SecretStr(local_secret_key(settings.data_dir))
    return settings.model_copy(update={"secret_keys": [key]})

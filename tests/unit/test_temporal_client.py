"""How a process reaches a secured Temporal: plain, API key (TLS implied), or mTLS files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.service import TLSConfig

from pressrun.config import Settings
from pressrun.temporal_client import tls_config


def test_plain_by_default_and_tls_with_an_api_key() -> None:
    assert tls_config(Settings()) is False
    assert tls_config(Settings(temporal_api_key=SecretStr("key"))) is True
    assert tls_config(Settings(temporal_tls=True)) is True


def test_mtls_reads_the_certificate_files(tmp_path: Path) -> None:
    cert, key, ca = (tmp_path / name for name in ("client.pem", "client.key", "ca.pem"))
    for path in (cert, key, ca):
        path.write_bytes(f"-- {path.name} --".encode())
    config = tls_config(Settings(temporal_tls_cert=cert, temporal_tls_key=key, temporal_tls_ca=ca))
    assert isinstance(config, TLSConfig)
    assert config.client_cert == b"-- client.pem --"
    assert config.client_private_key == b"-- client.key --"
    assert config.server_root_ca_cert == b"-- ca.pem --"
    only_ca = tls_config(Settings(temporal_tls_ca=ca))
    assert isinstance(only_ca, TLSConfig) and only_ca.client_cert is None
    with pytest.raises(ValueError, match="together"):
        tls_config(Settings(temporal_tls_cert=cert))

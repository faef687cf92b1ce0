"""Connecting to Temporal with pressrun's data converter (pydantic messages end to end).

Also how a process reaches a secured cluster: Temporal Cloud with an API key (TLS implied),
or mTLS with a client certificate.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from pressrun.config import Settings

DATA_CONVERTER = pydantic_data_converter


def tls_config(settings: Settings) -> TLSConfig | bool:
    """The TLS to use: client certificate files when given, plain TLS for an API key."""
    files = (settings.temporal_tls_cert, settings.temporal_tls_key, settings.temporal_tls_ca)
    if any(files):
        if bool(settings.temporal_tls_cert) != bool(settings.temporal_tls_key):
            raise ValueError("PRESSRUN_TEMPORAL_TLS_CERT and _KEY must be given together")
        cert, key, ca = (path.read_bytes() if path else None for path in files)
        return TLSConfig(client_cert=cert, client_private_key=key, server_root_ca_cert=ca)
    return settings.temporal_tls or settings.temporal_api_key is not None


async def connect(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    api_key = settings.temporal_api_key
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        api_key=api_key.get_secret_value() if api_key else None,
        tls=tls_config(settings),
        runtime=runtime,
    )

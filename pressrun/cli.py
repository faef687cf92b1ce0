"""The `pressrun` command: `dev` (the whole stack), `worker`, `migrate`, `demo`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

import structlog

from pressrun.config import Settings, get_settings
from pressrun.logs import configure_logging
from pressrun.migrate import upgrade

log = structlog.get_logger("pressrun")


async def _run_worker(settings: Settings) -> None:
    from pressrun.runtime import open_runtime, wait_for_shutdown_signal
    from pressrun.worker import build_worker

    async with open_runtime(settings) as rt:
        worker = build_worker(rt.client, settings, rt.sessions, rt.provider)
        async with worker:
            log.info(
                "worker started",
                task_queue=settings.task_queue,
                temporal=settings.temporal_address,
                ai_provider=rt.provider.name,
            )
            await wait_for_shutdown_signal()
            log.info("worker stopping")


async def _dev(settings: Settings) -> None:
    from pressrun.devstack import TemporalDevServer

    server = TemporalDevServer(settings)
    settings = settings.model_copy(update={"temporal_address": server.address})
    upgrade(settings.resolved_database_url())
    await server.start()
    try:
        print(
            f"\n  pressrun is up\n"
            f"  Temporal Web UI  {server.ui_url}\n"
            f"  Temporal gRPC    {server.address} (namespace {settings.temporal_namespace})\n"
            f"  Database         {settings.resolved_database_url()}\n"
            f"  Data             {settings.data_dir}\n"
            f"  Try it           pressrun demo   (in another terminal)\n"
            f"  Stop             Ctrl-C\n",
            flush=True,
        )
        await _run_worker(settings)
    finally:
        await server.stop()
        print("pressrun stopped.", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pressrun", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dev", help="run migrations, the Temporal dev server and a worker")
    commands.add_parser("worker", help="run a worker against TEMPORAL_ADDRESS")
    commands.add_parser("migrate", help="bring the database schema up to date")
    demo = commands.add_parser("demo", help="run a full pipeline on a demo site, live")
    demo.add_argument("--keywords", type=int, default=0, help="use only the first N keywords")
    args = parser.parse_args(argv)

    settings = get_settings()
    configure_logging(settings)
    try:
        if args.command == "migrate":
            upgrade(settings.resolved_database_url())
            print(f"database is up to date: {settings.resolved_database_url()}")
        elif args.command == "worker":
            asyncio.run(_run_worker(settings))
        elif args.command == "dev":
            asyncio.run(_dev(settings))
        elif args.command == "demo":
            from pressrun.demo import run_demo

            return asyncio.run(run_demo(settings, keywords=args.keywords))
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a CLI prints the reason, not a traceback
        from pressrun.devstack import DevServerError

        if isinstance(err, DevServerError | ConnectionError):
            print(f"pressrun: {err}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `pressrun` command: `dev` (the whole stack), `worker`, `api`, `migrate`, `demo`,
`secrets`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
from collections.abc import Sequence

import structlog
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from pressrun.config import Settings, get_settings
from pressrun.errors import SealingError
from pressrun.logs import configure_logging
from pressrun.migrations.upgrade import upgrade
from pressrun.sealing import build_sealer, new_key, with_local_key

log = structlog.get_logger("pressrun")


async def _serve(settings: Settings, *, worker: bool, api: bool) -> None:
    """Run a worker and/or the API in this process until SIGINT or SIGTERM.

    The API alone starts without Temporal (it connects on first use), so progress
    endpoints answer while Temporal or the workers are down."""
    from pressrun.api.app import create_app
    from pressrun.api.serve import serve_until
    from pressrun.api.state import ApiState
    from pressrun.db import create_db_engine, make_session_factory
    from pressrun.resources import open_resources, wait_for_shutdown_signal
    from pressrun.services.sealed_secrets import startup_sealer
    from pressrun.worker import build_worker

    async with contextlib.AsyncExitStack() as stack:
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        if worker:
            resources = await stack.enter_async_context(open_resources(settings))
            state = ApiState(
                settings,
                resources.engine,
                resources.sessions,
                sealer=resources.sealer,
                client=resources.client,
            )
            await stack.enter_async_context(
                build_worker(
                    resources.client,
                    settings,
                    resources.sessions,
                    resources.provider,
                    embedder=resources.embedder,
                    sealer=resources.sealer,
                )
            )
            log.info(
                "worker started",
                task_queues=[settings.queue(pool) for pool in settings.pools()],
                temporal=settings.temporal_address,
                ai_provider=resources.provider.name,
                embeddings=resources.embedder.model_id,
            )
        else:
            engine = create_db_engine(settings.resolved_database_url())
            stack.callback(engine.dispose)
            sessions = make_session_factory(engine)
            sealer = await asyncio.to_thread(startup_sealer, settings, sessions)
            state = ApiState(settings, engine, sessions, sealer=sealer)
        if api:
            app = create_app(settings, state=state)
            tasks.append(
                asyncio.create_task(serve_until(app, settings.api_host, settings.api_port, stop))
            )
            log.info("api started", url=f"http://{settings.api_host}:{settings.api_port}")
        waiter = asyncio.create_task(wait_for_shutdown_signal())
        await asyncio.wait({waiter, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        log.info("stopping")
        stop.set()
        waiter.cancel()
        for task in tasks:
            await task


async def _sync_schedules(settings: Settings) -> int:
    from pressrun.db import create_db_engine, make_session_factory
    from pressrun.schedules import sync_all
    from pressrun.temporal_client import connect

    engine = create_db_engine(settings.resolved_database_url())
    client = await connect(settings)
    try:
        results = await sync_all(client, make_session_factory(engine), settings)
    finally:
        engine.dispose()
        # Release the client's native side now, on this thread, not from a native thread
        # while the interpreter is finalising (which aborts the process).
        del client
        gc.collect()
    for site_id, action in results:
        print(f"site {site_id}: {action}")
    changed = sum(1 for _, action in results if action != "unchanged")
    print(f"{len(results)} schedules checked, {changed} changed.")
    return 1 if any(action.startswith("failed") for _, action in results) else 0


def _dev_access(settings: Settings) -> tuple[Settings, str]:
    """The embedded default's admin key and a fresh key for the demo account."""
    from pressrun.db import create_db_engine, make_session_factory, transaction
    from pressrun.services.demo_tenant import demo_account, fresh_dev_key, local_admin_key

    if settings.admin_api_key is None:
        admin = local_admin_key(settings.data_dir)
        settings = settings.model_copy(update={"admin_api_key": SecretStr(admin)})
    engine = create_db_engine(settings.resolved_database_url())
    try:
        with transaction(make_session_factory(engine)) as session:
            key = fresh_dev_key(session, demo_account(session))
    finally:
        engine.dispose()
    return settings, key


async def _dev(settings: Settings) -> None:
    from pressrun.dev.temporal_server import TemporalDevServer

    server = TemporalDevServer(settings)
    settings = settings.model_copy(update={"temporal_address": server.address})
    # The embedded default seals stored secrets with a key of its own, made on first start.
    settings = with_local_key(settings, create=True)
    upgrade(settings.resolved_database_url(), sealer=build_sealer(settings))
    settings, demo_key = _dev_access(settings)
    # The dashboard offers the demo key and links runs to this server's Web UI.
    settings = settings.model_copy(
        update={
            "demo_api_key": SecretStr(demo_key),
            "temporal_ui_url": settings.temporal_ui_url or server.ui_url,
        }
    )
    await server.start()
    api = f"http://{settings.api_host}:{settings.api_port}"
    try:
        print(
            f"\n  pressrun is up\n"
            f"  Dashboard        {api}/   (demo key offered at sign-in)\n"
            f"  API              {api}   (docs {api}/docs)\n"
            f"  Temporal Web UI  {server.ui_url}\n"
            f"  Temporal gRPC    {server.address} (namespace {settings.temporal_namespace})\n"
            f"  Database         {settings.resolved_database_url()}\n"
            f"  Demo API key     {demo_key}\n"
            f"  Admin API key    in {settings.data_dir / 'admin-api-key'}\n"
            f"  Try              curl -H 'Authorization: Bearer {demo_key}' {api}/api/v1/sites\n"
            f"                   pressrun demo   (in another terminal)\n"
            f"  Stop             Ctrl-C\n",
            flush=True,
        )
        await _serve(settings, worker=True, api=True)
    finally:
        await server.stop()
        print("pressrun stopped.", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pressrun", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dev", help="migrations, Temporal dev server, worker and API")
    worker = commands.add_parser("worker", help="run a worker against TEMPORAL_ADDRESS")
    worker.add_argument(
        "--queues",
        help="the pools this process serves, comma-separated: runs, text, images, publish "
        "(default PRESSRUN_WORKER_QUEUES, all four)",
    )
    commands.add_parser("api", help="serve the REST API alone")
    commands.add_parser("migrate", help="bring the database schema up to date")
    schedules = commands.add_parser("schedules", help="Temporal Schedules of the sites")
    schedules.add_subparsers(dest="schedules_command", required=True).add_parser(
        "sync", help="create, update, pause or delete every site's Schedule from its config"
    )
    demo = commands.add_parser("demo", help="run a full pipeline on a demo site, live")
    demo.add_argument("--keywords", type=int, default=0, help="use only the first N keywords")
    secrets = commands.add_parser("secrets", help="the keys stored secrets are sealed with")
    secrets_commands = secrets.add_subparsers(dest="secrets_command", required=True)
    secrets_commands.add_parser(
        "rotate", help="seal every stored secret again with the first of PRESSRUN_SECRET_KEYS"
    )
    secrets_commands.add_parser("new-key", help="print a fresh key for PRESSRUN_SECRET_KEYS")
    args = parser.parse_args(argv)

    # Without PRESSRUN_SECRET_KEYS, the embedded default's key file, where `pressrun dev`
    # made one.
    settings = with_local_key(get_settings())
    configure_logging(settings)
    try:
        return _run_command(args, settings)
    finally:
        # Temporal clients hold native resources; freeing them while the interpreter is
        # still fully alive avoids an abort at exit.
        gc.collect()


def _run_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.command == "migrate":
            upgrade(settings.resolved_database_url(), sealer=build_sealer(settings))
            shown = make_url(settings.resolved_database_url()).render_as_string(hide_password=True)
            print(f"database is up to date: {shown}")
        elif args.command == "worker":
            if args.queues:
                settings = settings.model_copy(update={"worker_queues": args.queues})
            try:
                settings.pools()
            except ValueError as err:
                print(f"pressrun worker: {err}", file=sys.stderr)
                return 2
            asyncio.run(_serve(settings, worker=True, api=False))
        elif args.command == "api":
            if settings.api_workers > 1:
                import uvicorn

                _check_secrets(settings)  # here once, not as a traceback from every worker
                uvicorn.run(
                    "pressrun.api.main:app_factory",
                    factory=True,
                    host=settings.api_host,
                    port=settings.api_port,
                    workers=settings.api_workers,
                    log_config=None,
                    access_log=False,
                )
            else:
                asyncio.run(_serve(settings, worker=False, api=True))
        elif args.command == "schedules":
            return asyncio.run(_sync_schedules(settings))
        elif args.command == "dev":
            asyncio.run(_dev(settings))
        elif args.command == "demo":
            from pressrun.dev.demo import run_demo

            return asyncio.run(run_demo(settings, keywords=args.keywords))
        elif args.command == "secrets":
            return _secrets(args.secrets_command, settings)
    except KeyboardInterrupt:
        return 130
    except SealingError as err:
        print(f"pressrun: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # a CLI prints the reason, not a traceback
        from pressrun.dev.temporal_server import DevServerError

        if isinstance(err, DevServerError | ConnectionError):
            print(f"pressrun: {err}", file=sys.stderr)
            return 1
        raise
    return 0


def _check_secrets(settings: Settings) -> None:
    """`SealingError` when stored secrets have no key that opens them."""
    from pressrun.db import create_db_engine, make_session_factory
    from pressrun.services.sealed_secrets import startup_sealer

    engine = create_db_engine(settings.resolved_database_url())
    try:
        startup_sealer(settings, make_session_factory(engine))
    finally:
        engine.dispose()


def _secrets(command: str, settings: Settings) -> int:
    if command == "new-key":
        print(new_key())
        return 0
    from pressrun.db import create_db_engine, make_session_factory, transaction
    from pressrun.services.sealed_secrets import reseal_all

    sealer = build_sealer(settings)
    engine = create_db_engine(settings.resolved_database_url())
    try:
        with transaction(make_session_factory(engine)) as session:
            count = reseal_all(session, sealer)
    finally:
        engine.dispose()
    print(f"{count} stored secret(s) sealed again with the first key; older keys may go.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

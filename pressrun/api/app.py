"""The FastAPI application factory: state built at startup from one Settings object."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from pressrun import __version__
from pressrun.api.docs import install_docs
from pressrun.api.errors import install_error_handlers
from pressrun.api.input_guard import refuse_nul_input
from pressrun.api.observability import ApiMetrics, install_observability
from pressrun.api.routers import (
    accounts,
    admin,
    automation,
    content,
    credits,
    dashboard,
    events,
    health,
    integration,
    keywords,
    publishing,
    sites,
)
from pressrun.api.state import ApiState
from pressrun.config import Settings
from pressrun.db import create_db_engine, make_session_factory
from pressrun.services.sealed_secrets import startup_sealer


def create_app(settings: Settings, *, state: ApiState | None = None) -> FastAPI:
    """Build the app; `state` lets a host process share its engine and Temporal client."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = state is None
        app.state.pressrun = state or _build_state(settings)
        try:
            yield
        finally:
            if owned:
                app.state.pressrun.engine.dispose()

    app = FastAPI(
        title="pressrun",
        version=__version__,
        description="Durable AI content pipelines for websites, each run a Temporal workflow.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_nul_input)],
        # Served by `install_docs` from installed assets, not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    metrics = ApiMetrics()
    app.state.metrics = metrics
    install_error_handlers(app)
    install_docs(app)
    install_observability(app, metrics)
    for router in (
        health.router,
        accounts.router,
        admin.router,
        sites.router,
        keywords.router,
        publishing.router,
        content.router,
        credits.router,
        automation.router,
        events.router,
        integration.router,
        dashboard.router,
    ):
        app.include_router(router)
    return app


def _build_state(settings: Settings) -> ApiState:
    """`SealingError` (the API refuses to start) when stored secrets have no key."""
    engine = create_db_engine(settings.resolved_database_url())
    sessions = make_session_factory(engine)
    try:
        sealer = startup_sealer(settings, sessions)
    except BaseException:
        engine.dispose()
        raise
    return ApiState(settings=settings, engine=engine, sessions=sessions, sealer=sealer)

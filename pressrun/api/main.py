"""Import target for uvicorn's worker processes (`pressrun api` with several workers)."""

from __future__ import annotations

from fastapi import FastAPI

from pressrun.api.app import create_app
from pressrun.config import get_settings
from pressrun.logs import configure_logging
from pressrun.sealing import with_local_key


def app_factory() -> FastAPI:
    settings = get_settings()
    configure_logging(settings)
    return create_app(with_local_key(settings))

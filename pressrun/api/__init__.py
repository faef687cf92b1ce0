"""The REST API: FastAPI app factory, routers, dependencies and the one error mapper."""

from pressrun.api.app import create_app

__all__ = ["create_app"]

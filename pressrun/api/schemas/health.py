"""Bodies of the liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadinessOut(BaseModel):
    """Each dependency's check: `ok`, or `error: <exception type>`."""

    status: Literal["ok", "unavailable"]
    database: str = Field(examples=["ok"])
    temporal: str = Field(examples=["ok"])

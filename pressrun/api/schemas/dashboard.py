"""Responses of the dashboard's own routes: the demo sign-in key and a run's workflow address."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DemoKeyOut(BaseModel):
    key: str = Field(description="The demo account's API key.")
    account: str = Field(description="The demo account's name.")


class RunWorkflowOut(BaseModel):
    run_id: str
    workflow_id: str
    temporal_run_id: str | None = Field(
        description="Temporal's run ID of the execution the run started as; null when "
        "Temporal cannot tell."
    )
    namespace: str
    url: str | None = Field(
        description="The run's history in the Temporal Web UI; null when "
        "PRESSRUN_TEMPORAL_UI_URL is unset."
    )

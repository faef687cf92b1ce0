"""Saved histories replay against the current workflow code: a change that would break
runs in flight fails here, before it is deployed."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from pressrun.temporal_client import DATA_CONVERTER
from pressrun.worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_saved_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json("automation-site-1", path.read_text())
    # A full run: the history ends with the workflow completing, and it saw updates.
    last = history.events[-1].WhichOneof("attributes")
    assert last is not None
    assert "WORKFLOW_EXECUTION_COMPLETED" in last.upper()
    result = await Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER).replay_workflow(
        history
    )
    assert result.replay_failure is None


def test_there_is_a_saved_history() -> None:
    assert HISTORIES, "tests/histories holds no saved history"

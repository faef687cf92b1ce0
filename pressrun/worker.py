"""Build the worker that runs the run, launcher and publish workflows and their activities."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from pressrun.activities.publish_activities import PublishActivities
from pressrun.activities.run_activities import RunActivities
from pressrun.ai.base import AIProvider
from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.workflows.automation_run import AutomationRunWorkflow
from pressrun.workflows.launcher import AutomationLauncherWorkflow
from pressrun.workflows.publish_content import PublishContentWorkflow

WORKFLOWS = [AutomationRunWorkflow, AutomationLauncherWorkflow, PublishContentWorkflow]


def build_worker(
    client: Client,
    settings: Settings,
    sessions: SessionFactory,
    provider: AIProvider,
    *,
    task_queue: str | None = None,
    max_concurrent_activities: int = 20,
) -> Worker:
    activities = RunActivities(sessions, provider, settings)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=WORKFLOWS,
        activities=[*activities.all(), *PublishActivities(sessions, settings).all()],
        max_concurrent_activities=max_concurrent_activities,
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_shutdown_grace_seconds),
    )

"""Worker metrics over HTTP: a worker on a metrics runtime runs real activities, then its
Prometheus endpoint is scraped for pressrun's metrics and the Temporal SDK's."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.runtime import Runtime
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from pressrun.activities.publish_activities import PublishActivities
from pressrun.activities.run_activities import RunActivities
from pressrun.ai.base import (
    AIItemError,
    AIRetryableError,
    ArticleBrief,
    ArticleDraft,
    ClusterCandidate,
    GeneratedImage,
    KeywordInput,
)
from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.publish import PUBLISH_CONTENT, PublishRequest
from pressrun.contracts.run import STAGE_ACTIVITIES, BatchRequest
from pressrun.db import SessionFactory, transaction
from pressrun.metrics import (
    AI_CALL_ERRORS,
    AI_CALL_SECONDS,
    CREDITS_CHARGED,
    ITEMS_PROCESSED,
    PUBLISH_OUTCOMES,
    InstrumentedProvider,
    PressrunMetrics,
    build_temporal_runtime,
)
from pressrun.models import AutomationRun, Content
from pressrun.models.base import utcnow
from pressrun.publishing import publications
from pressrun.temporal_client import DATA_CONVERTER
from tests.conftest import SiteFactory
from tests.publishing_helpers import seed_article


class ProbeInput(BaseModel):
    batch: BatchRequest
    publish: PublishRequest


@workflow.defn(name="MetricsProbe")
class MetricsProbe:
    """One clustering batch, then one publish: the real activities, called by name."""

    @workflow.run
    async def run(self, probe: ProbeInput) -> None:
        once = RetryPolicy(maximum_attempts=1)
        timeout = timedelta(seconds=60)
        await workflow.execute_activity(
            STAGE_ACTIVITIES[1], probe.batch, start_to_close_timeout=timeout, retry_policy=once
        )
        await workflow.execute_activity(
            PUBLISH_CONTENT, probe.publish, start_to_close_timeout=timeout, retry_policy=once
        )


class FailingProvider(OfflineProvider):
    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        raise AIRetryableError("429 from the provider", retry_after=2)

    async def generate_image(self, prompt: str, *, model: str, size: str) -> GeneratedImage:
        raise AIItemError("content policy")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scrape(port: int) -> list[Sample]:
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    response.raise_for_status()
    return [s for family in text_string_to_metric_families(response.text) for s in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The one sample named `name` whose labels include `labels`."""
    found = [s for s in samples if s.name == name and labels.items() <= dict(s.labels).items()]
    assert len(found) == 1, (name, labels, found)
    return float(found[0].value)


@pytest.fixture(scope="module")
def metrics_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def metrics_runtime(metrics_port: int) -> Runtime:
    # One runtime for the module: its exporter binds the port for the rest of the process.
    runtime = build_temporal_runtime(Settings(worker_metrics_port=metrics_port))
    assert runtime is not None
    return runtime


def test_no_port_no_runtime() -> None:
    assert build_temporal_runtime(Settings(worker_metrics_port=None)) is None


async def test_a_worker_on_the_metrics_runtime_exports_pressrun_and_sdk_metrics(
    time_env: WorkflowEnvironment,
    metrics_runtime: Runtime,
    metrics_port: int,
    settings: Settings,
    sessions: SessionFactory,
    provider: OfflineProvider,
    make_site: SiteFactory,
) -> None:
    account_id, site_id = make_site(keywords=6)
    run_id = f"metrics-{uuid.uuid4().hex[:8]}"
    with transaction(sessions) as s:
        s.add(AutomationRun(id=run_id, account_id=account_id, site_id=site_id, workflow_id=run_id))
    content_id = seed_article(sessions, site_id, settings.resolved_media_root(), images=1)
    with transaction(sessions) as s:
        content = s.get(Content, content_id)
        assert content is not None
        publications.schedule_at(s, content, utcnow(), publisher="folder")

    # A client of the same server on the metrics runtime: its workers export there.
    client = await Client.connect(
        time_env.client.service_client.config.target_host,
        namespace=time_env.client.namespace,
        data_converter=DATA_CONVERTER,
        runtime=metrics_runtime,
    )
    activities = RunActivities(sessions, InstrumentedProvider(provider), settings)
    probe = ProbeInput(
        batch=BatchRequest(
            run_id=run_id, site_id=site_id, account_id=account_id, stage=1, batch_index=0, limit=10
        ),
        publish=PublishRequest(content_id=content_id, site_id=site_id),
    )
    async with Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[MetricsProbe],
        activities=[
            *activities.by_name().values(),
            *PublishActivities(sessions, settings).by_name().values(),
        ],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        await client.execute_workflow(
            MetricsProbe.run,
            probe,
            id=f"metrics-probe-{uuid.uuid4().hex[:8]}",
            task_queue=settings.task_queue,
        )

    samples = scrape(metrics_port)
    model = settings.model_for(1, testing=False)
    queue = {"task_queue": settings.task_queue}
    assert value(samples, ITEMS_PROCESSED, stage="1", **queue) == 6
    assert value(samples, CREDITS_CHARGED, stage="1", **queue) == 1500  # 15 credits
    latency = {"model": model, "operation": "name_clusters", **queue}
    assert value(samples, f"{AI_CALL_SECONDS}_count", **latency) == 1
    assert value(samples, f"{AI_CALL_SECONDS}_sum", **latency) > 0
    assert value(samples, PUBLISH_OUTCOMES, publisher="folder", outcome="published", **queue) == 1
    # And the SDK's own metrics, from the same endpoint.
    assert any(
        s.name.startswith("temporal_activity_execution")
        and s.labels.get("task_queue") == settings.task_queue
        for s in samples
    )


async def test_ai_errors_are_counted_by_kind(metrics_runtime: Runtime, metrics_port: int) -> None:
    metrics = PressrunMetrics(metrics_runtime.metric_meter)
    failing = InstrumentedProvider(FailingProvider(), metrics)
    model = f"m-{uuid.uuid4().hex[:6]}"
    group = [
        ClusterCandidate(id=0, intent="how_to", keywords=[KeywordInput(id=1, text="grow tomatoes")])
    ]
    await failing.name_clusters(group, model=model)
    with pytest.raises(AIRetryableError):
        await failing.write_article(ArticleBrief(task_id=1, title="Tomatoes"), model=model)
    with pytest.raises(AIItemError):
        await failing.generate_image("tomatoes", model=model, size="64x64")
    metrics.batch_done(5, 3, Decimal("0.6"))
    metrics.publish("webhook", "retry")
    metrics.publish("webhook", "failed")

    samples = scrape(metrics_port)
    assert value(samples, AI_CALL_ERRORS, model=model, kind="retryable") == 1
    assert value(samples, AI_CALL_ERRORS, model=model, kind="item") == 1
    ops = {
        op: value(samples, f"{AI_CALL_SECONDS}_count", model=model, operation=op)
        for op in ("name_clusters", "write_article", "generate_image")
    }
    assert ops == {"name_clusters": 1, "write_article": 1, "generate_image": 1}
    assert value(samples, CREDITS_CHARGED, stage="5") == 60
    assert value(samples, PUBLISH_OUTCOMES, publisher="webhook", outcome="retry") == 1
    assert value(samples, PUBLISH_OUTCOMES, publisher="webhook", outcome="failed") == 1


async def test_without_a_meter_recording_is_a_no_op(provider: OfflineProvider) -> None:
    metrics = PressrunMetrics.noop()
    metrics.batch_done(1, 10, Decimal("15"))
    metrics.ai_call("m", "write_article", 1.5, error=AIRetryableError("x"))
    metrics.publish("folder", "published")
    # Outside an activity and with no metrics given, the provider records nowhere.
    group = [
        ClusterCandidate(id=0, intent="how_to", keywords=[KeywordInput(id=1, text="grow tomatoes")])
    ]
    [naming] = await InstrumentedProvider(provider).name_clusters(group, model="m")
    assert naming.name == "Grow Tomatoes"

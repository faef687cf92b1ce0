"""Worker metrics for Prometheus: the Temporal SDK's own, and pressrun's, on one endpoint.

pressrun's metrics go through the SDK's metric meter rather than prometheus_client: the
Temporal runtime's exporter owns the worker's metrics port, so recording into its meter puts
both sets on the same `/metrics` page with nothing else to serve. Inside an activity the meter
is the worker's (its client's runtime) and adds the activity's labels (`activity_type`,
`task_queue`, `namespace`); without a runtime exporting metrics it records nothing.

The meter's counters take whole numbers, so credits are counted in hundredths of a credit —
exactly how the ledger stores them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Literal, TypeVar

from temporalio import activity
from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from pressrun.ai.base import AIItemError, AIProvider, AIRetryableError, WrappedProvider
from pressrun.config import Settings

T = TypeVar("T")

ITEMS_PROCESSED = "pressrun_stage_items_processed_total"
CREDITS_CHARGED = "pressrun_credits_charged_hundredths_total"
AI_CALL_SECONDS = "pressrun_ai_call_seconds"
AI_CALL_ERRORS = "pressrun_ai_call_errors_total"
PUBLISH_OUTCOMES = "pressrun_publish_outcomes_total"

# The exporter's default buckets suit milliseconds; AI calls take from milliseconds (offline)
# to minutes (long articles, images).
AI_CALL_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)

AIErrorKind = Literal["retryable", "item", "other"]
PublishOutcomeKind = Literal["published", "retry", "failed"]


def build_temporal_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime exporting metrics on `worker_metrics_port`; None when it is unset.

    Pass it to `Client.connect(runtime=…)`: workers built on that client export the SDK's
    metrics and pressrun's there. The port is bound once per process, so build one per
    process and share it between clients.
    """
    if not settings.worker_metrics_port:
        return None
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(
                bind_address=f"0.0.0.0:{settings.worker_metrics_port}",
                histogram_bucket_overrides={AI_CALL_SECONDS: AI_CALL_BUCKETS},
            )
        )
    )


def ai_error_kind(error: BaseException) -> AIErrorKind:
    if isinstance(error, AIRetryableError):
        return "retryable"
    if isinstance(error, AIItemError):
        return "item"
    return "other"


class PressrunMetrics:
    """pressrun's own metrics, recorded through a Temporal metric meter."""

    def __init__(self, meter: MetricMeter) -> None:
        self._items = meter.create_counter(
            ITEMS_PROCESSED, "Items the batches of a stage processed, by stage number"
        )
        self._credits = meter.create_counter(
            CREDITS_CHARGED, "Credits charged by stage, in hundredths of a credit"
        )
        self._ai_seconds = meter.create_histogram_float(
            AI_CALL_SECONDS, "AI provider call latency, failed calls included", "s"
        )
        self._ai_errors = meter.create_counter(
            AI_CALL_ERRORS, "Failed AI provider calls by kind: retryable, item or other"
        )
        self._publish = meter.create_counter(
            PUBLISH_OUTCOMES, "Publish attempts by publisher and outcome"
        )

    @classmethod
    def noop(cls) -> PressrunMetrics:
        return cls(MetricMeter.noop)

    def batch_done(self, stage: int, processed: int, credits: Decimal) -> None:
        """A stage batch committed: its processed items and the credits it charged."""
        labels = {"stage": str(stage)}
        self._items.add(max(processed, 0), labels)
        hundredths = int((credits * 100).to_integral_value())
        if hundredths > 0:
            self._credits.add(hundredths, labels)

    def ai_call(
        self, model: str, operation: str, seconds: float, error: BaseException | None = None
    ) -> None:
        labels = {"model": model, "operation": operation}
        self._ai_seconds.record(max(seconds, 0.0), labels)
        if error is not None:
            self._ai_errors.add(1, {"model": model, "kind": ai_error_kind(error)})

    def publish(self, publisher: str, outcome: PublishOutcomeKind) -> None:
        self._publish.add(1, {"publisher": publisher, "outcome": outcome})


def activity_metrics() -> PressrunMetrics:
    """Metrics on the running activity's meter (its worker's runtime); no-op elsewhere."""
    if not activity.in_activity():
        return PressrunMetrics.noop()
    try:
        meter = activity.metric_meter()
    except RuntimeError:
        # Sync activities run outside a thread pool have no meter.
        return PressrunMetrics.noop()
    # Instruments are cheap handles (microseconds to make), so one set per call is fine.
    return PressrunMetrics(meter)


class InstrumentedProvider(WrappedProvider):
    """An AI provider whose calls record latency and errors per model and operation.

    With no `metrics` given, each call records on the running activity's meter, so the
    provider reports to whichever worker runtime runs it.
    """

    def __init__(self, provider: AIProvider, metrics: PressrunMetrics | None = None) -> None:
        super().__init__(provider)
        self._metrics = metrics

    async def around(self, operation: str, model: str, call: Callable[[], Awaitable[T]]) -> T:
        metrics = self._metrics if self._metrics is not None else activity_metrics()
        start = time.perf_counter()
        try:
            result = await call()
        except Exception as err:
            metrics.ai_call(model, operation, time.perf_counter() - start, error=err)
            raise
        metrics.ai_call(model, operation, time.perf_counter() - start)
        return result

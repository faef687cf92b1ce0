"""The one settings object: every knob pressrun reads, from PRESSRUN_* environment variables."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ModelPair(BaseModel):
    """The model a stage uses live, and the cheaper one it uses with `stage_N_use_testing`."""

    live: str
    testing: str


class CreditPrices(BaseModel):
    """Credits charged per unit of work, in the spec's units."""

    cluster_batch: Decimal = Decimal("15")
    idea: Decimal = Decimal("2")
    per_100_words: Decimal = Decimal("1")
    image_prompt: Decimal = Decimal("0.2")
    image: Decimal = Decimal("3")


POOLS = ("runs", "text", "images", "publish")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PRESSRUN_",
        env_file=".env",
        extra="ignore",
        env_nested_delimiter="__",
        # Settings hold keys (secret keys, API keys): an error names the setting, never
        # echoes the value.
        hide_input_in_errors=True,
    )

    data_dir: Path = Path(".pressrun")
    database_url: str = ""
    media_root: Path | None = None
    # Where the folder publisher writes each site's Markdown; default `data_dir/published`.
    publish_root: Path | None = None

    temporal_address: str = Field(
        "localhost:7233",
        validation_alias=AliasChoices("TEMPORAL_ADDRESS", "PRESSRUN_TEMPORAL_ADDRESS"),
    )
    temporal_namespace: str = Field(
        "default",
        validation_alias=AliasChoices("TEMPORAL_NAMESPACE", "PRESSRUN_TEMPORAL_NAMESPACE"),
    )
    temporal_ui_port: int = 8233
    temporal_port: int = 7233
    # Temporal Cloud or a TLS-secured cluster: an API key, or mTLS client certificate files.
    temporal_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TEMPORAL_API_KEY", "PRESSRUN_TEMPORAL_API_KEY")
    )
    temporal_tls: bool = False
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None

    # The run workflows and light activities' task queue; the other pools' queues are named
    # after it without its `-runs`: `pressrun-text`, `pressrun-images`, `pressrun-publish`.
    task_queue: str = "pressrun-runs"
    # Which pools `pressrun worker` serves, comma-separated: runs, text, images, publish.
    worker_queues: str = "runs,text,images,publish"
    # Activities each worker process runs at once, per pool.
    runs_concurrency: int = 20
    text_concurrency: int = 8
    image_concurrency: int = 4
    publish_concurrency: int = 4
    # Fleet-wide cap on AI calls per second (all workers together); 0 is no cap.
    ai_calls_per_second: float = 0.0
    # Batches of a stage run at once, by stage number (e.g. PRESSRUN_PARALLEL_BATCHES__4=4);
    # a stage not listed runs one batch at a time, as the spec does.
    parallel_batches: dict[int, int] = {}
    # Prometheus metrics of a worker process (Temporal SDK and pressrun's own) on this port;
    # none when unset.
    worker_metrics_port: int | None = None
    # The Temporal Web UI the dashboard links runs to (e.g. "https://temporal.example.com");
    # no link when unset. `pressrun dev` sets its own server's.
    temporal_ui_url: str | None = None
    # The demo account's key, which the dashboard's sign-in offers to a browser on this
    # machine. Set by `pressrun dev` alone; leave it unset anywhere else.
    demo_api_key: SecretStr | None = None

    ai_provider: Literal["auto", "offline", "openai"] = "auto"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_timeout_seconds: float = 120.0
    text_models: ModelPair = ModelPair(live="gpt-4.1-mini", testing="gpt-4.1-nano")
    stage_models: dict[int, ModelPair] = {}
    image_model: ModelPair = ModelPair(live="gpt-image-1", testing="gpt-image-1-mini")
    image_size: str = "1024x1024"

    # Stage 1's keyword embeddings: `auto` (the local model when installed, else the lexical
    # fallback), `local`, `openai` (`/v1/embeddings` of the OpenAI-compatible endpoint) or
    # `lexical`.
    embeddings: Literal["auto", "local", "openai", "lexical"] = "auto"
    # The model `/v1/embeddings` is asked for, with `embeddings=openai`.
    embedding_model: str = "text-embedding-3-small"
    # Texts per `/v1/embeddings` request.
    embedding_batch_size: int = Field(256, ge=1, le=2048)
    # Another local model: a directory with an ONNX export (`model.onnx`) and its
    # `tokenizer.json`; the packaged all-MiniLM-L6-v2 when unset.
    embedding_model_dir: Path | None = None
    # The cosine at which a keyword joins a cluster; unset, each embedder's own (the local
    # model's was chosen on a tuning split; see benchmarks/clustering.py).
    cluster_similarity_threshold: float | None = Field(None, gt=0, lt=1)

    prices: CreditPrices = CreditPrices()
    credit_buffer: Decimal = Decimal("1.2")
    # Projection used by the pre-run estimate for items that do not exist yet. 1.0 assumes
    # every keyword may become its own page (the most clusters stage 1 can make), so the
    # estimate and the stage budgets drawn from it never fall short of what clustering makes.
    estimate_keywords_per_cluster: float = 1.0
    # Ideas (articles) per cluster: one page per search intent. More than 1 lets a cluster of
    # at least `ideas_split_min_keywords` keywords have one idea per distinct sub-topic, each
    # targeting its own keyword, up to this many.
    ideas_per_cluster: int = Field(1, ge=1, le=10)
    ideas_split_min_keywords: int = Field(12, ge=2)
    in_article_images: int = 2

    # A transient AI error on one item (429, 5xx, timeout, reset) is retried this many times
    # within the batch's attempt, with backoff (or the provider's Retry-After, up to
    # `ai_item_retry_max_seconds`), before the batch gives up and Temporal retries it.
    ai_item_retries: int = Field(4, ge=0, le=20)
    ai_item_retry_max_seconds: float = Field(30.0, gt=0)
    # How many runs may try an item that failed (its reason kept), counting the first; after
    # that it stays failed, with its reason.
    item_max_attempts: int = Field(3, ge=1, le=20)

    activity_timeout_seconds: int = 600
    activity_heartbeat_seconds: int = 60
    activity_max_attempts: int = 8
    batches_before_continue_as_new: int = 500
    # How long a stopping worker lets running activities finish before cancelling them.
    worker_shutdown_grace_seconds: int = 10

    admin_api_key: SecretStr | None = None
    # The keys stored secrets (publisher passwords, webhook secrets) are sealed with: Fernet
    # keys, comma-separated or a JSON list. The first seals, every one opens: to rotate, put
    # a new key first, run `pressrun secrets rotate`, then drop the old one. Needed once any
    # secret is stored; `pressrun dev` keeps its own in `data_dir/secret.key`.
    secret_keys: Annotated[list[SecretStr], NoDecode] = []
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # `pressrun api` alone: uvicorn worker processes (the API is CPU-bound per process).
    api_workers: int = 1
    # A pause / resume / cancel waits this long for a worker to accept it, then is recorded
    # as a signal and answered 202.
    control_timeout_seconds: float = 3.0
    # `current_processing` asks the workflow for live detail, for at most this long.
    live_query_timeout_seconds: float = 1.0
    sse_poll_seconds: float = 0.5
    sse_heartbeat_seconds: float = 15.0
    max_upload_bytes: int = 2_000_000
    max_keywords_per_import: int = 20_000

    # A publish is retried with backoff this many times, then left `failed` with its reason.
    publish_max_attempts: int = 8
    publish_timeout_seconds: int = 300
    # A delivery heartbeats in the background; one whose worker died is retried after this
    # many seconds without a beat instead of after `publish_timeout_seconds`. Apart from
    # `activity_heartbeat_seconds` because every second lost here moves the post date.
    publish_heartbeat_seconds: int = Field(30, ge=1)

    log_level: str = "INFO"
    log_json: bool | None = None

    @field_validator("secret_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [key.strip() for key in text.split(",") if key.strip()]
        return value

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'pressrun.db'}"

    def resolved_media_root(self) -> Path:
        return self.media_root or self.data_dir / "media"

    def queue(self, pool: str) -> str:
        """The task queue of a worker pool: `runs`, `text`, `images` or `publish`."""
        if pool not in POOLS:
            raise ValueError(f"unknown worker pool {pool!r}; choose from {', '.join(POOLS)}")
        if pool == "runs":
            return self.task_queue
        return f"{self.task_queue.removesuffix('-runs')}-{pool}"

    def pools(self) -> list[str]:
        chosen = [p.strip() for p in self.worker_queues.split(",") if p.strip()]
        for pool in chosen:
            self.queue(pool)
        return chosen

    def resolved_publish_root(self) -> Path:
        return self.publish_root or self.data_dir / "published"

    def use_openai(self) -> bool:
        if self.ai_provider == "auto":
            return self.openai_api_key is not None
        return self.ai_provider == "openai"

    def model_for(self, stage: int, *, testing: bool) -> str:
        if stage == 6:
            pair = self.stage_models.get(6, self.image_model)
        else:
            pair = self.stage_models.get(stage, self.text_models)
        return pair.testing if testing else pair.live


@lru_cache
def get_settings() -> Settings:
    return Settings()

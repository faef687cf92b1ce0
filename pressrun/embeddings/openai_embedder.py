"""Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint: OpenAI, vLLM, Ollama, LiteLLM."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

import numpy as np

from pressrun.ai.base import AIItemError
from pressrun.ai.openai_provider import OpenAIProvider
from pressrun.ai.retry import TransientRetry, call_with_retries
from pressrun.embeddings.base import Vectors, normalise

# Not tuned here (no endpoint to measure): the local model's value, a starting point for
# models of the same kind; `PRESSRUN_CLUSTER_SIMILARITY_THRESHOLD` overrides it, and
# `benchmarks/clustering.py --tune` measures one for your endpoint.
OPENAI_THRESHOLD = 0.58


class OpenAIEmbedder:
    """Batched requests of at most `batch_size` texts; errors follow the provider's rules
    (429, 5xx, timeouts are retried, after Retry-After when given; other 4xx fail)."""

    def __init__(
        self,
        provider: OpenAIProvider,
        *,
        model: str,
        batch_size: int = 256,
        threshold: float = OPENAI_THRESHOLD,
        before_call: Callable[[], Awaitable[None]] | None = None,
        retry: TransientRetry | None = None,
    ) -> None:
        self._provider = provider
        self._model = model
        self._batch_size = max(1, batch_size)
        self._before_call = before_call
        self._retry = retry or TransientRetry(retries=0)
        self.model_id = f"openai:{model}"
        self.similarity_threshold = threshold
        self.is_fallback = False

    async def embed(self, texts: list[str]) -> Vectors:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            chunk = texts[start : start + self._batch_size]
            rows.extend(await call_with_retries(partial(self._embed, chunk), self._retry))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        if len({len(r) for r in rows}) != 1:
            raise AIItemError("the embeddings endpoint returned vectors of different sizes")
        return normalise(np.array(rows, dtype=np.float32))

    async def _embed(self, chunk: list[str]) -> list[list[float]]:
        if self._before_call is not None:
            await self._before_call()
        return await self._provider.embed(chunk, model=self._model)

    async def aclose(self) -> None:
        await self._provider.aclose()

"""Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint: OpenAI, vLLM, Ollama, LiteLLM."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import numpy as np

from pressrun.ai.base import AIItemError
from pressrun.ai.openai_provider import OpenAIProvider
from pressrun.embeddings.base import Vectors, normalise

# Not tuned here (no endpoint to measure): the local model's value, a starting point for
# models of the same kind; `PRESSRUN_CLUSTER_SIMILARITY_THRESHOLD` overrides it, and
# `benchmarks/clustering.py --tune` measures one for your endpoint.
OPENAI_THRESHOLD = 0.58


class OpenAIEmbedder:
    """Batched requests of at most `batch_size` texts; errors follow the provider's rules
    (429, 5xx, timeouts are retryable, after Retry-After when given; other 4xx fail)."""

    def __init__(
        self,
        provider: OpenAIProvider,
        *,
        model: str,
        batch_size: int = 256,
        threshold: float = OPENAI_THRESHOLD,
        before_call: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._provider = provider
        self._model = model
        self._batch_size = max(1, batch_size)
        self._before_call = before_call
        self.model_id = f"openai:{model}"
        self.similarity_threshold = threshold
        self.is_fallback = False

    async def embed(self, texts: list[str]) -> Vectors:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            if self._before_call is not None:
                await self._before_call()
            rows.extend(
                await self._provider.embed(
                    texts[start : start + self._batch_size], model=self._model
                )
            )
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        if len({len(r) for r in rows}) != 1:
            raise AIItemError("the embeddings endpoint returned vectors of different sizes")
        return normalise(np.array(rows, dtype=np.float32))

    async def aclose(self) -> None:
        await self._provider.aclose()

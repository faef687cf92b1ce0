"""Choose the embedder from settings: the local model by default, lexical when it is missing."""

from __future__ import annotations

import structlog

from pressrun.config import Settings
from pressrun.db import SessionFactory
from pressrun.embeddings.base import Embedder
from pressrun.embeddings.lexical import LexicalEmbedder
from pressrun.embeddings.local import LocalModelUnavailable, load_local_embedder

log = structlog.get_logger("pressrun.embeddings")


def build_embedder(settings: Settings, sessions: SessionFactory | None = None) -> Embedder:
    """`PRESSRUN_EMBEDDINGS`: `auto` (the local model, else the lexical fallback), `local`
    (refuse to start without it), `openai` (`/v1/embeddings` of `PRESSRUN_OPENAI_BASE_URL`)
    or `lexical`."""
    mode = settings.embeddings
    threshold = settings.cluster_similarity_threshold
    if mode == "openai":
        return _openai(settings, sessions)
    lexical = LexicalEmbedder() if threshold is None else LexicalEmbedder(threshold=threshold)
    if mode == "lexical":
        return lexical
    try:
        return load_local_embedder(settings.embedding_model_dir, threshold=threshold)
    except LocalModelUnavailable as err:
        if mode == "local":
            raise
        log.warning(
            "no local embedding model: stage 1 clusters by word overlap (lexical fallback)",
            reason=str(err),
        )
        return lexical


def _openai(settings: Settings, sessions: SessionFactory | None) -> Embedder:
    from pressrun.ai.openai_provider import OpenAIProvider
    from pressrun.ai.ratelimit import AI_LIMIT, FleetRateLimiter
    from pressrun.ai.retry import TransientRetry
    from pressrun.embeddings.openai_embedder import OPENAI_THRESHOLD, OpenAIEmbedder

    if settings.openai_api_key is None:
        raise ValueError("PRESSRUN_EMBEDDINGS=openai needs PRESSRUN_OPENAI_API_KEY")
    provider = OpenAIProvider(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout_seconds,
    )
    limiter = (
        FleetRateLimiter(sessions, settings.ai_calls_per_second, name=AI_LIMIT)
        if sessions is not None and settings.ai_calls_per_second > 0
        else None
    )
    return OpenAIEmbedder(
        provider,
        model=settings.embedding_model,
        batch_size=settings.embedding_batch_size,
        threshold=settings.cluster_similarity_threshold or OPENAI_THRESHOLD,
        before_call=limiter.acquire if limiter is not None else None,
        retry=TransientRetry.from_settings(settings),
    )

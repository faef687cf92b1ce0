"""Choose the AI provider from settings: OpenAI-compatible when a key is set, offline otherwise."""

from __future__ import annotations

from pressrun.ai.base import AIProvider
from pressrun.config import Settings


def build_provider(settings: Settings) -> AIProvider:
    if settings.use_openai():
        if settings.openai_api_key is None:
            raise ValueError("PRESSRUN_AI_PROVIDER=openai needs PRESSRUN_OPENAI_API_KEY")
        from pressrun.ai.openai_provider import OpenAIProvider

        return OpenAIProvider(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_seconds,
        )
    from pressrun.ai.offline import OfflineProvider

    return OfflineProvider()

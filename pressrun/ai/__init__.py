"""AI providers behind one interface: `offline` (the default) and any OpenAI-compatible endpoint."""

from pressrun.ai.base import (
    AIError,
    AIItemError,
    AIProvider,
    AIRetryableError,
    ArticleBrief,
    ArticleDraft,
    ClusterBrief,
    ClusterCandidate,
    ClusterNaming,
    GeneratedImage,
    IdeaDraft,
    ImagePromptDraft,
    KeywordInput,
)

__all__ = [
    "AIError",
    "AIItemError",
    "AIProvider",
    "AIRetryableError",
    "ArticleBrief",
    "ArticleDraft",
    "ClusterBrief",
    "ClusterCandidate",
    "ClusterNaming",
    "GeneratedImage",
    "IdeaDraft",
    "ImagePromptDraft",
    "KeywordInput",
]

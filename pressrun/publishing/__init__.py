"""Publishers: deliver finished content to a folder, a WordPress site or a signed webhook."""

from pressrun.publishing.base import (
    ProgressCallback,
    Publisher,
    PublishError,
    PublishImage,
    PublishItem,
    PublishPermanentError,
    PublishResult,
    PublishRetryableError,
    PublishState,
    ignore_progress,
)

__all__ = [
    "ProgressCallback",
    "PublishError",
    "PublishImage",
    "PublishItem",
    "PublishPermanentError",
    "PublishResult",
    "PublishRetryableError",
    "PublishState",
    "Publisher",
    "ignore_progress",
]

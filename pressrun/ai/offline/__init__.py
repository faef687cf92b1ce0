"""The default provider: no model and no network, so pipelines run end to end in demos and tests."""

from pressrun.ai.offline.provider import OfflineProvider

__all__ = ["OfflineProvider"]

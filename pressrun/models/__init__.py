"""The database tables. Import this package to register every table on SQLModel.metadata."""

from pressrun.models.automation import (
    AutomationConfig,
    AutomationLog,
    AutomationRun,
    BatchItemResult,
    DefaultAutomationConfig,
    RunBatch,
)
from pressrun.models.content import (
    Cluster,
    Content,
    Idea,
    Image,
    ImagePrompt,
    Keyword,
    KeywordEmbedding,
    Task,
)
from pressrun.models.credits import CreditLedger
from pressrun.models.profile import ContentProfile
from pressrun.models.publishing import Publication, PublicationStatus, PublishingSettings
from pressrun.models.ratelimit import RateLimit
from pressrun.models.tenancy import Account, ApiKey, Site

__all__ = [
    "Account",
    "ApiKey",
    "AutomationConfig",
    "AutomationLog",
    "AutomationRun",
    "BatchItemResult",
    "Cluster",
    "Content",
    "ContentProfile",
    "CreditLedger",
    "DefaultAutomationConfig",
    "Idea",
    "Image",
    "ImagePrompt",
    "Keyword",
    "KeywordEmbedding",
    "Publication",
    "PublicationStatus",
    "PublishingSettings",
    "RateLimit",
    "RunBatch",
    "Site",
    "Task",
]

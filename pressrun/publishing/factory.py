"""Build the publisher a site chose, from its settings row and the service's settings."""

from __future__ import annotations

from pressrun.config import Settings
from pressrun.models import PublishingSettings
from pressrun.publishing.base import Publisher, PublishPermanentError
from pressrun.publishing.folder import FolderPublisher
from pressrun.publishing.webhook import WebhookPublisher
from pressrun.publishing.wordpress import WordPressPublisher

PUBLISHERS = ("folder", "wordpress", "webhook")


def build_publisher(config: PublishingSettings, settings: Settings) -> Publisher:
    """A publisher for one site; a missing credential is permanent (retrying cannot fix it)."""
    if config.publisher == "folder":
        return FolderPublisher(settings.resolved_publish_root())
    if config.publisher == "wordpress":
        if not (config.wordpress_url and config.wordpress_username):
            raise PublishPermanentError("WordPress publishing needs the site URL and a username.")
        if not config.wordpress_app_password:
            raise PublishPermanentError("WordPress publishing needs an application password.")
        return WordPressPublisher(
            config.wordpress_url,
            config.wordpress_username,
            config.wordpress_app_password,
            timeout=settings.publish_timeout_seconds / 2,
        )
    if config.publisher == "webhook":
        if not (config.webhook_url and config.webhook_secret):
            raise PublishPermanentError("Webhook publishing needs a URL and a signing secret.")
        return WebhookPublisher(
            config.webhook_url, config.webhook_secret, timeout=settings.publish_timeout_seconds / 2
        )
    raise PublishPermanentError(f"Unknown publisher {config.publisher!r}.")

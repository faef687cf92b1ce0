"""Build the publisher a site chose, from its settings row and the service's settings; and try
that publisher's connection, saying what is wrong. Stored secrets are opened here, just before
a publisher takes them, and go nowhere else."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pressrun.config import Settings
from pressrun.errors import SealingError
from pressrun.models import PublishingSettings
from pressrun.publishing.base import Publisher, PublishPermanentError, PublishRetryableError
from pressrun.publishing.folder import FolderPublisher
from pressrun.publishing.webhook import WebhookPublisher
from pressrun.publishing.wordpress import WordPressPublisher
from pressrun.sealing import Sealer

PUBLISHERS = ("folder", "wordpress", "webhook")
# A connection check is interactive: it answers sooner than a publish attempt gives up.
CHECK_TIMEOUT_SECONDS = 15


def _opened(sealer: Sealer, token: str) -> str:
    """A stored secret's plaintext; one this worker cannot open may open on another (its keys
    newer), so the publish is retried rather than failed."""
    try:
        return sealer.open(token)
    except SealingError as err:
        raise PublishRetryableError(
            f"The site's stored credentials cannot be opened: {err}"
        ) from None


def build_publisher(config: PublishingSettings, settings: Settings, sealer: Sealer) -> Publisher:
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
            _opened(sealer, config.wordpress_app_password),
            timeout=settings.publish_timeout_seconds / 2,
        )
    if config.publisher == "webhook":
        if not (config.webhook_url and config.webhook_secret):
            raise PublishPermanentError("Webhook publishing needs a URL and a signing secret.")
        return WebhookPublisher(
            config.webhook_url,
            _opened(sealer, config.webhook_secret),
            timeout=settings.publish_timeout_seconds / 2,
        )
    raise PublishPermanentError(f"Unknown publisher {config.publisher!r}.")


@dataclass(frozen=True)
class PublisherCheck:
    """The verdict on a site's publisher: `problem` names what is wrong, `detail` explains."""

    publisher: str
    ok: bool
    problem: str | None
    detail: str


async def check_connection(
    config: PublishingSettings, settings: Settings, sealer: Sealer
) -> PublisherCheck:
    """Try the site's publisher with its stored settings.

    WordPress: the REST API, the credentials, and the usual misconfigurations (Authorization
    header stripped, REST API blocked, application passwords disabled). Folder: that the
    site's output directory is writable. Webhook: that URL and secret are set (a webhook is
    only ever sent real deliveries).
    """
    if config.publisher == "wordpress":
        if not (
            config.wordpress_url and config.wordpress_username and config.wordpress_app_password
        ):
            return PublisherCheck(
                publisher="wordpress",
                ok=False,
                problem="not_configured",
                detail="Set the WordPress URL, username and application password first.",
            )
        check = await WordPressPublisher(
            config.wordpress_url,
            config.wordpress_username,
            sealer.open(config.wordpress_app_password),
            timeout=CHECK_TIMEOUT_SECONDS,
        ).check_connection()
        return PublisherCheck(
            publisher="wordpress", ok=check.ok, problem=check.problem, detail=check.detail
        )
    if config.publisher == "webhook":
        ok = bool(config.webhook_url and config.webhook_secret)
        return PublisherCheck(
            publisher="webhook",
            ok=ok,
            problem=None if ok else "not_configured",
            detail=f"Deliveries go to {config.webhook_url}, signed with HMAC-SHA256."
            if ok
            else "Set the webhook URL and its signing secret first.",
        )
    folder = FolderPublisher(settings.resolved_publish_root())
    problem = await asyncio.to_thread(folder.check_writable, config.site_id)
    return PublisherCheck(
        publisher="folder",
        ok=problem is None,
        problem=None if problem is None else "not_writable",
        detail=problem or "Articles are written as Markdown with their images.",
    )

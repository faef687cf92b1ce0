"""Publishing to any system by a signed HTTP POST, with a signature receivers can check.

The body is signed with HMAC-SHA256 over `"{timestamp}.{body}"`; `verify_signature` is the
receiver's side (constant-time compare, stale timestamps rejected against replays). The delivery
ID is the same on every retry, so a receiver that saw it already can ignore the repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from pressrun.publishing.base import (
    ProgressCallback,
    PublishItem,
    PublishPermanentError,
    PublishResult,
    PublishRetryableError,
    PublishState,
)

TIMESTAMP_HEADER = "X-Pressrun-Timestamp"
SIGNATURE_HEADER = "X-Pressrun-Signature"
DELIVERY_HEADER = "X-Pressrun-Delivery"


def delivery_id(item: PublishItem) -> str:
    return f"content-{item.content_id}"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    timestamp: int | str,
    body: bytes | str,
    signature: str,
    *,
    now: float | datetime,
    tolerance_seconds: int = 300,
) -> bool:
    """True when `signature` is ours for this timestamp and body and the timestamp is fresh."""
    try:
        sent_at = int(str(timestamp).strip())
    except ValueError:
        return False
    current = now.timestamp() if isinstance(now, datetime) else float(now)
    if abs(current - sent_at) > tolerance_seconds:
        return False
    raw = body.encode() if isinstance(body, str) else body
    return hmac.compare_digest(sign(secret, sent_at, raw), signature.strip())


def payload(item: PublishItem) -> dict[str, Any]:
    publish_at = item.publish_at
    if publish_at is not None and publish_at.tzinfo is None:
        publish_at = publish_at.replace(tzinfo=UTC)
    return {
        "delivery_id": delivery_id(item),
        "content_id": item.content_id,
        "site_id": item.site_id,
        "title": item.title,
        "slug": item.slug,
        "excerpt": item.excerpt,
        "body_markdown": item.body_markdown,
        "publish_at": publish_at.astimezone(UTC).isoformat() if publish_at else None,
        "categories": item.categories,
        "tags": item.tags,
        "images": [
            {
                "image_id": image.image_id,
                "kind": image.kind,
                "file_name": image.path.name,
                "alt_text": image.alt_text,
                "mime_type": image.mime_type,
            }
            for image in item.images
        ],
    }


class WebhookPublisher:
    def __init__(
        self,
        url: str,
        secret: str,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 30,
    ) -> None:
        self.url = url
        self._secret = secret
        self._client = http_client
        self._timeout = timeout

    async def publish(
        self, item: PublishItem, state: PublishState, on_progress: ProgressCallback
    ) -> PublishResult:
        if state.remote_id is not None:
            return PublishResult(
                remote_id=state.remote_id, remote_url=state.remote_url, state=state
            )
        body = json.dumps(payload(item), ensure_ascii=False, sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            DELIVERY_HEADER: delivery_id(item),
        }
        try:
            if self._client is not None:
                response = await self._client.post(self.url, content=body, headers=headers)
            else:
                async with httpx.AsyncClient(timeout=self._timeout) as client:
                    response = await client.post(self.url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise PublishRetryableError(f"webhook {self.url} failed: {exc!r}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise PublishRetryableError(f"webhook {self.url} answered HTTP {status}")
        if status >= 400:
            raise PublishPermanentError(
                f"webhook {self.url} refused the delivery (HTTP {status}): {response.text[:200]}",
                status=status,
            )
        if status >= 300:
            raise PublishPermanentError(
                f"webhook {self.url} answered a redirect (HTTP {status}); use the final URL",
                status=status,
            )
        remote_id, remote_url = delivery_id(item), None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict):
            if answer.get("id") is not None:
                remote_id = str(answer["id"])
            if isinstance(answer.get("url"), str):
                remote_url = answer["url"]
        new_state = state.model_copy(update={"remote_id": remote_id, "remote_url": remote_url})
        await on_progress(new_state)
        return PublishResult(remote_id=remote_id, remote_url=remote_url, state=new_state)

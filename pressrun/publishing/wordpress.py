"""Publishing to WordPress over its REST API with an application password, exactly once.

A retry never creates a second post or uploads an image twice: the post ID and each media ID go
to `on_progress` the moment WordPress returns them, and before creating a post the publisher
looks for one with the same slug (the case where WordPress created it but the answer was lost).
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from pressrun.publishing.base import (
    ProgressCallback,
    PublishImage,
    PublishItem,
    PublishPermanentError,
    PublishResult,
    PublishRetryableError,
    PublishState,
    image_markdown,
    place_images,
)
from pressrun.publishing.markdown import markdown_to_html

_BAD_CREDENTIAL_CODES = {"incorrect_password", "invalid_username", "invalid_email"}
_HEADER_STRIPPED_FIX = (
    'Apache: add `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1` to .htaccess (or '
    "`CGIPassAuth On` for PHP as CGI/FastCGI); nginx with PHP-FPM: pass "
    "`fastcgi_param HTTP_AUTHORIZATION $http_authorization;`."
)
_REST_BLOCKED = (
    "The WordPress REST API is not reachable at {url}: it answered {what}. Check that permalinks "
    "are not set to 'Plain' (Settings → Permalinks) and that no security plugin, firewall or "
    "host rule blocks /wp-json/."
)


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    problem: str | None
    detail: str


class WordPressPublisher:
    def __init__(
        self,
        base_url: str,
        username: str,
        application_password: str,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 30,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(username, application_password)
        self._client = http_client
        self._timeout = timeout

    # -- publishing ---------------------------------------------------------------------------

    async def publish(
        self, item: PublishItem, state: PublishState, on_progress: ProgressCallback
    ) -> PublishResult:
        async with self._session() as client:
            return await _Run(self, client, item, state, on_progress).publish()

    # -- diagnostics --------------------------------------------------------------------------

    async def check_connection(self) -> ConnectionCheck:
        """Tries the REST API and the credentials, and explains the usual misconfigurations."""
        async with self._session() as client:
            root = self._url("/wp-json/")
            try:
                response = await client.get(root)
            except httpx.TransportError as exc:
                return ConnectionCheck(
                    False, "unreachable", f"Cannot reach {self.base_url}: {_describe(exc)}"
                )
            if response.status_code in (401, 403, 404) or _json(response) is None:
                what = (
                    f"HTTP {response.status_code}"
                    if response.status_code >= 400
                    else "HTML instead of JSON"
                )
                return ConnectionCheck(
                    False, "rest_api_blocked", _REST_BLOCKED.format(url=root, what=what)
                )
            try:
                response = await client.get(
                    self._url("/wp-json/wp/v2/users/me"),
                    params={"context": "edit"},
                    auth=self._auth,
                )
            except httpx.TransportError as exc:
                return ConnectionCheck(
                    False, "unreachable", f"Cannot reach {self.base_url}: {_describe(exc)}"
                )
            body = _json(response)
            code = _error_code(body)
            status = response.status_code
            if status == 200 and isinstance(body, dict):
                return _check_user(body)
            if status == 401 and code in _BAD_CREDENTIAL_CODES:
                return ConnectionCheck(
                    False,
                    "bad_credentials",
                    "WordPress rejected the username or application password "
                    f"({code}). Create an application password under Users → Profile → "
                    "Application Passwords and use it with the WordPress username (not the "
                    "account password).",
                )
            if status == 401 and code == "rest_not_logged_in":
                return ConnectionCheck(
                    False,
                    "authorization_header_stripped",
                    "Credentials were sent but WordPress saw an anonymous request: the web server "
                    "strips the Authorization header before it reaches PHP. "
                    + _HEADER_STRIPPED_FIX,
                )
            if code == "application_passwords_disabled":
                return ConnectionCheck(
                    False,
                    "application_passwords_disabled",
                    "Application passwords are disabled on this site (by a plugin or because it "
                    "is not served over HTTPS). Enable them to let pressrun publish.",
                )
            if status in (401, 403):
                return ConnectionCheck(
                    False, "forbidden", f"WordPress refused the login: {_error_text(response)}"
                )
            if status == 404 or body is None:
                what = f"HTTP {status}" if status >= 400 else "HTML instead of JSON"
                return ConnectionCheck(
                    False, "rest_api_blocked", _REST_BLOCKED.format(url=root, what=what)
                )
            return ConnectionCheck(
                False, "server_error", f"WordPress answered HTTP {status}: {_error_text(response)}"
            )

    # -- plumbing -----------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._client is not None:
            yield self._client
            return
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            yield client

    async def request(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        *,
        not_found_ok: bool = False,
        **kwargs: Any,
    ) -> Any:
        """One authenticated REST call; returns the JSON body (None for an allowed 404)."""
        url = self._url(path)
        try:
            response = await client.request(method, url, auth=self._auth, **kwargs)
        except httpx.TransportError as exc:
            raise PublishRetryableError(
                f"WordPress {method} {path} failed: {_describe(exc)}"
            ) from exc
        status = response.status_code
        body = _json(response)
        code = _error_code(body)
        if status == 429 or status >= 500:
            raise PublishRetryableError(
                f"WordPress {method} {path} answered HTTP {status}: {_error_text(response)}"
            )
        if status == 401:
            if code in _BAD_CREDENTIAL_CODES or code is None:
                raise PublishPermanentError(
                    "WordPress rejected the credentials "
                    f"({code or 'HTTP 401'}): check the username and application password.",
                    status=status,
                )
            # A wrong application password always fails with one of the codes above, so any
            # other 401 (rest_not_logged_in, rest_forbidden_context…) means WordPress never saw
            # the credentials.
            raise PublishPermanentError(
                f"WordPress treated the request as anonymous ({code}) although credentials were "
                "sent: the web server strips the Authorization header. " + _HEADER_STRIPPED_FIX,
                status=status,
            )
        if status == 403:
            raise PublishPermanentError(
                f"The WordPress user may not do this ({method} {path}: "
                f"{_error_text(response)}); it needs a role that can publish posts and upload "
                "files (Author or above).",
                status=status,
            )
        if status == 404:
            if body is None or code == "rest_no_route":
                raise PublishPermanentError(
                    _REST_BLOCKED.format(url=url, what="HTTP 404"), status=status
                )
            if not_found_ok:
                return None
        if status >= 400:
            raise PublishPermanentError(
                f"WordPress refused {method} {path} (HTTP {status}): {_error_text(response)}",
                status=status,
            )
        if body is None:
            raise PublishPermanentError(
                _REST_BLOCKED.format(url=url, what="HTML instead of JSON"), status=status
            )
        return body


class _Run:
    """One publish attempt: the state it started from and the progress it reports."""

    def __init__(
        self,
        publisher: WordPressPublisher,
        client: httpx.AsyncClient,
        item: PublishItem,
        state: PublishState,
        on_progress: ProgressCallback,
    ) -> None:
        self.wp = publisher
        self.client = client
        self.item = item
        self.state = state.model_copy(deep=True)
        self.on_progress = on_progress

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self.wp.request(self.client, method, path, **kwargs)

    async def publish(self) -> PublishResult:
        if self.state.remote_id is not None:
            post = await self.call(
                "GET",
                f"/wp-json/wp/v2/posts/{self.state.remote_id}",
                params={"context": "edit"},
                not_found_ok=True,
            )
            if post is None:
                raise PublishPermanentError(
                    f"Post {self.state.remote_id} was published before but no longer exists on "
                    "WordPress; clear the publication to publish it again."
                )
            return await self.done(post)

        existing = await self.call(
            "GET",
            "/wp-json/wp/v2/posts",
            params={"slug": self.item.slug, "status": "any", "context": "edit"},
        )
        if isinstance(existing, list) and existing:
            return await self.done(existing[0])

        sources: dict[str, str] = {}
        for image in self.item.images:
            sources[image.key] = await self.media(image)
        term_ids = {
            taxonomy: [await self.term(taxonomy, name) for name in _unique(names)]
            for taxonomy, names in (
                ("categories", self.item.categories),
                ("tags", self.item.tags),
            )
        }
        payload: dict[str, Any] = {
            "title": self.item.title,
            "slug": self.item.slug,
            "excerpt": self.item.excerpt,
            "content": markdown_to_html(self.body(sources)),
            "categories": term_ids["categories"],
            "tags": term_ids["tags"],
            "status": "publish",
        }
        featured = self.item.featured_image
        if featured is not None:
            payload["featured_media"] = int(self.state.media[featured.key])
        if self.item.publish_at is not None:
            moment = _utc(self.item.publish_at)
            payload["date_gmt"] = moment.strftime("%Y-%m-%dT%H:%M:%S")
            if moment > datetime.now(UTC):
                payload["status"] = "future"
        post = await self.call("POST", "/wp-json/wp/v2/posts", json=payload)
        return await self.done(post)

    async def done(self, post: Any) -> PublishResult:
        if not isinstance(post, dict) or "id" not in post:
            raise PublishPermanentError(f"WordPress answered an unexpected post: {post!r:.200}")
        remote_id = str(post["id"])
        link = post.get("link") if isinstance(post.get("link"), str) else None
        if (remote_id, link) != (self.state.remote_id, self.state.remote_url):
            self.state.remote_id, self.state.remote_url = remote_id, link
            await self.on_progress(self.state.model_copy(deep=True))
        return PublishResult(remote_id=remote_id, remote_url=link, state=self.state)

    async def media(self, image: PublishImage) -> str:
        """Uploads the image unless an earlier attempt did; returns its URL on WordPress."""
        known = self.state.media.get(image.key)
        if known is not None:
            media = await self.call(
                "GET",
                f"/wp-json/wp/v2/media/{known}",
                params={"context": "edit"},
                not_found_ok=True,
            )
            if isinstance(media, dict):
                if media.get("alt_text") != image.alt_text:
                    await self.call(
                        "POST", f"/wp-json/wp/v2/media/{known}", json={"alt_text": image.alt_text}
                    )
                return str(media.get("source_url") or "")
        filename = _filename(image)
        lost = await self.find_upload(filename)
        if lost is not None:
            # An earlier attempt uploaded it but never heard back (killed, timed out).
            return await self.adopt(image, lost)
        try:
            data = image.path.read_bytes()
        except OSError as exc:
            raise PublishPermanentError(f"image {image.image_id} cannot be read: {exc}") from exc
        media = await self.call(
            "POST",
            "/wp-json/wp/v2/media",
            content=data,
            headers={
                "Content-Type": image.mime_type,
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )
        if not isinstance(media, dict) or "id" not in media:
            raise PublishPermanentError(f"WordPress answered an unexpected upload: {media!r:.200}")
        return await self.adopt(image, media)

    async def adopt(self, image: PublishImage, media: dict[str, Any]) -> str:
        """Record `media` as the image's upload, the moment it is known, and give it its alt
        text; returns its URL."""
        media_id = str(media["id"])
        self.state.media[image.key] = media_id
        await self.on_progress(self.state.model_copy(deep=True))
        if image.alt_text and media.get("alt_text") != image.alt_text:
            await self.call(
                "POST", f"/wp-json/wp/v2/media/{media_id}", json={"alt_text": image.alt_text}
            )
        return str(media.get("source_url") or "")

    async def find_upload(self, filename: str) -> dict[str, Any] | None:
        """The upload of `filename` already on WordPress, if any. WordPress names an
        attachment after its file (its slug is the file's stem, made URL-safe), and pressrun's
        file names are unique per image, so a match is this image's upload."""
        stem = filename.rsplit(".", 1)[0]
        slug = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-")
        found = await self.call(
            "GET",
            "/wp-json/wp/v2/media",
            params={"search": stem, "context": "edit", "per_page": 100},
        )
        for media in found if isinstance(found, list) else []:
            if not isinstance(media, dict) or "id" not in media:
                continue
            source = str(media.get("source_url") or "").rsplit("/", 1)[-1]
            if media.get("slug") == slug or source == filename:
                return media
        return None

    async def term(self, taxonomy: str, name: str) -> int:
        term_id = await self.find_term(taxonomy, name)
        if term_id is not None:
            return term_id
        try:
            created = await self.call("POST", f"/wp-json/wp/v2/{taxonomy}", json={"name": name})
        except PublishPermanentError:
            # A concurrent publish may have created it between our search and our create.
            term_id = await self.find_term(taxonomy, name)
            if term_id is None:
                raise
            return term_id
        return int(created["id"])

    async def find_term(self, taxonomy: str, name: str) -> int | None:
        found = await self.call(
            "GET", f"/wp-json/wp/v2/{taxonomy}", params={"search": name, "per_page": 100}
        )
        wanted = name.strip().casefold()
        for term in found if isinstance(found, list) else []:
            if html.unescape(str(term.get("name", ""))).strip().casefold() == wanted:
                return int(term["id"])
        return None

    def body(self, sources: dict[str, str]) -> str:
        # The featured image is the post's featured_media; themes show it, so only in-article
        # images go into the content.
        return place_images(
            self.item.body_markdown,
            featured=None,
            in_article=[
                image_markdown(image.alt_text, sources[image.key])
                for image in self.item.in_article_images
                if sources.get(image.key)
            ],
        )


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = name.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(name.strip())
    return out


def _filename(image: PublishImage) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", image.path.name).strip("-") or "image"
    return f"pressrun-{image.image_id}-{name}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _json(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _error_code(body: Any) -> str | None:
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _error_text(response: httpx.Response) -> str:
    body = _json(response)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f"{body['message']} ({body.get('code')})"
    return response.text[:200] or response.reason_phrase


def _describe(exc: httpx.TransportError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _check_user(user: dict[str, Any]) -> ConnectionCheck:
    name = user.get("name") or user.get("slug") or "?"
    capabilities = user.get("capabilities")
    if isinstance(capabilities, dict):
        missing = [c for c in ("publish_posts", "upload_files") if not capabilities.get(c)]
        if missing:
            return ConnectionCheck(
                False,
                "missing_capability",
                f"Logged in as {name}, but the user lacks {', '.join(missing)}; give it the "
                "Author role or above.",
            )
    return ConnectionCheck(True, None, f"Connected as {name}.")

"""Publishers against a real folder, a fake WordPress over HTTP and a local webhook receiver."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pressrun.publishing.base import (
    PublishImage,
    PublishItem,
    PublishPermanentError,
    PublishRetryableError,
    PublishState,
)
from pressrun.publishing.folder import FolderPublisher
from pressrun.publishing.webhook import WebhookPublisher, sign, verify_signature
from pressrun.publishing.wordpress import WordPressPublisher
from tests.fakes.wordpress_server import FakeWordPressServer

BODY = """Intro paragraph with **bold** and *italic* and a [link](https://example.com).

## First section

Text one.

### A detail

More text.

## Second section

- a
- b

## Third section

Last words.
"""


def _png(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (32, 24), colour).save(path, format="PNG")
    return path


@pytest.fixture
def item(tmp_path: Path) -> PublishItem:
    media = tmp_path / "media"
    media.mkdir()
    return PublishItem(
        content_id=7,
        site_id=3,
        title='Grow "tomatoes": a guide',
        slug="grow-tomatoes",
        excerpt="All about tomatoes: sun, soil & water.",
        body_markdown=BODY,
        categories=["Gardening", "Food & Drink"],
        tags=["tomatoes", "summer"],
        images=[
            PublishImage(
                image_id=1,
                kind="featured",
                path=_png(media / "a.png", (200, 0, 0)),
                alt_text="Red tomatoes [ripe]",
            ),
            PublishImage(
                image_id=2,
                kind="in_article",
                path=_png(media / "b.png", (0, 200, 0)),
                alt_text="Green leaves",
            ),
            PublishImage(
                image_id=3,
                kind="in_article",
                path=_png(media / "c.png", (0, 0, 200)),
                alt_text="Watering can",
            ),
        ],
    )


class Progress:
    """An on_progress that keeps every state, like a caller persisting it."""

    def __init__(self) -> None:
        self.states: list[PublishState] = []

    async def __call__(self, state: PublishState) -> None:
        self.states.append(state.model_copy(deep=True))

    @property
    def last(self) -> PublishState:
        return self.states[-1] if self.states else PublishState()


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    assert text.startswith("---\n")
    header, _, body = text[4:].partition("\n---\n")
    fields: dict[str, Any] = {}
    for line in header.splitlines():
        key, sep, value = line.partition(": ")
        assert sep and re.fullmatch(r"[a-z_]+", key), line
        fields[key] = json.loads(value)  # JSON scalars/arrays are YAML flow values
    return fields, body


# -- folder ------------------------------------------------------------------------------------


async def test_folder_writes_markdown_front_matter_and_images(
    tmp_path: Path, item: PublishItem
) -> None:
    root = tmp_path / "out"
    progress = Progress()
    result = await FolderPublisher(root).publish(item, PublishState(), progress)

    index = root / "site-3" / "grow-tomatoes" / "index.md"
    assert result.remote_id == "site-3/grow-tomatoes"
    assert result.remote_url == index.resolve().as_uri()
    assert progress.last.remote_id == result.remote_id

    fields, body = _front_matter(index.read_text())
    assert fields["title"] == 'Grow "tomatoes": a guide'
    assert fields["slug"] == "grow-tomatoes"
    assert fields["description"] == item.excerpt
    assert fields["featured_image"] == "featured.png"
    assert fields["tags"] == ["tomatoes", "summer"]
    assert fields["categories"] == ["Gardening", "Food & Drink"]
    datetime.fromisoformat(fields["date"])

    links = re.findall(r"!\[((?:\\.|[^\]])*)\]\(([^)]+)\)", body)
    assert [target for _, target in links] == ["featured.png", "image-1.png", "image-2.png"]
    assert links[0][0] == r"Red tomatoes \[ripe\]"
    for _, target in links:
        with Image.open(index.parent / target) as image:
            image.verify()
    assert body.lstrip().startswith("![Red tomatoes")
    # In-article images close the first and second H2 sections.
    first, second, third = body.index("## First"), body.index("## Second"), body.index("## Third")
    assert first < body.index("image-1.png") < second < body.index("image-2.png") < third
    assert "### A detail" in body and "**bold**" in body


async def test_folder_publish_is_idempotent(tmp_path: Path, item: PublishItem) -> None:
    root = tmp_path / "out"
    publisher = FolderPublisher(root)
    first = await publisher.publish(item, PublishState(), Progress())
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    time.sleep(1.1)  # a "now" date would change between the two publishes
    second = await publisher.publish(item, first.state, Progress())
    assert second.remote_id == first.remote_id
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == snapshot
    assert sorted(p.name for p in snapshot) == [
        "featured.png",
        "image-1.png",
        "image-2.png",
        "index.md",
    ]


async def test_folder_uses_publish_at_and_a_safe_directory(
    tmp_path: Path, item: PublishItem
) -> None:
    moment = datetime(2030, 5, 1, 9, 30, tzinfo=UTC)
    item = item.model_copy(update={"slug": "../../escape me", "publish_at": moment})
    result = await FolderPublisher(tmp_path / "out").publish(item, PublishState(), Progress())
    assert result.remote_id == "site-3/escape-me"
    fields, _ = _front_matter((tmp_path / "out" / "site-3" / "escape-me" / "index.md").read_text())
    assert fields["date"] == "2030-05-01T09:30:00+00:00"


# -- WordPress ---------------------------------------------------------------------------------


@pytest.fixture
def wp() -> Iterator[FakeWordPressServer]:
    with FakeWordPressServer() as server:
        yield server


def _publisher(wp: FakeWordPressServer, password: str | None = None) -> WordPressPublisher:
    return WordPressPublisher(
        wp.base_url, wp.username, password or wp.application_password, timeout=5
    )


async def test_wordpress_happy_path(wp: FakeWordPressServer, item: PublishItem) -> None:
    wp.add_term("categories", "gardening")  # exists, other case: reused, not duplicated
    progress = Progress()
    result = await _publisher(wp).publish(item, PublishState(), progress)

    [post] = wp.posts
    assert result.remote_id == str(post["id"])
    assert result.remote_url == post["link"]
    assert post["status"] == "publish"
    assert post["slug"] == "grow-tomatoes"
    assert post["title"]["raw"] == item.title
    assert post["excerpt"]["raw"] == item.excerpt

    media = {m["id"]: m for m in wp.media}
    assert len(media) == 3
    assert post["featured_media"] == int(result.state.media["1"])
    assert {m["alt_text"] for m in media.values()} == {
        "Red tomatoes [ripe]",
        "Green leaves",
        "Watering can",
    }
    assert wp.upload_bytes(post["featured_media"]) == item.images[0].path.read_bytes()
    upload = wp.requests_to("POST", "/wp-json/wp/v2/media")[0]
    assert upload.headers["content-type"] == "image/png"
    assert upload.headers["content-disposition"].startswith("attachment; filename=")

    categories = {t["id"]: t["name"] for t in wp.terms("categories")}
    assert sorted(categories.values()) == ["Food &amp; Drink", "gardening"]
    assert sorted(categories[i] for i in post["categories"]) == ["Food &amp; Drink", "gardening"]
    assert sorted(t["name"] for t in wp.terms("tags")) == ["summer", "tomatoes"]
    assert len(post["tags"]) == 2

    content = post["content"]["raw"]
    assert "<h2>First section</h2>" in content and "<h3>A detail</h3>" in content
    assert "<strong>bold</strong>" in content and "<em>italic</em>" in content
    assert '<a href="https://example.com">link</a>' in content
    assert "<ul><li>a</li><li>b</li></ul>" in content
    assert 'alt="Green leaves"' in content and "Red tomatoes" not in content

    # Persisted as it went: each upload, then the post.
    assert [len(s.media) for s in progress.states] == [1, 2, 3, 3]
    assert progress.last.remote_id == result.remote_id


async def test_wordpress_future_publish_at_schedules(
    wp: FakeWordPressServer, item: PublishItem
) -> None:
    moment = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    item = item.model_copy(update={"publish_at": moment})
    await _publisher(wp).publish(item, PublishState(), Progress())
    [post] = wp.posts
    assert post["status"] == "future"
    assert post["date_gmt"] == moment.strftime("%Y-%m-%dT%H:%M:%S")


async def test_wordpress_lost_create_response_publishes_exactly_once(
    wp: FakeWordPressServer, item: PublishItem
) -> None:
    wp.drop_response_after_create_post()
    publisher, progress = _publisher(wp), Progress()
    with pytest.raises(PublishRetryableError):
        await publisher.publish(item, PublishState(), progress)
    assert len(wp.posts) == 1
    assert progress.last.remote_id is None  # the answer with the ID never arrived

    result = await publisher.publish(item, progress.last, progress)
    assert len(wp.posts) == 1
    assert result.remote_id == str(wp.posts[0]["id"])
    assert len(wp.requests_to("POST", "/wp-json/wp/v2/posts")) == 1
    assert len(wp.requests_to("POST", "/wp-json/wp/v2/media")) == 3

    # A third call with the stored ID only checks the post exists.
    before = len(wp.requests)
    again = await publisher.publish(item, progress.last, progress)
    assert again.remote_id == result.remote_id
    assert [r.method for r in wp.requests[before:]] == ["GET"]


async def test_wordpress_media_never_uploaded_twice_across_a_retry(
    wp: FakeWordPressServer, item: PublishItem
) -> None:
    wp.fail_next("POST", r"/wp-json/wp/v2/media/\d+", 503)  # alt update of the first upload
    publisher, progress = _publisher(wp), Progress()
    with pytest.raises(PublishRetryableError):
        await publisher.publish(item, PublishState(), progress)
    assert len(progress.last.media) == 1

    wp.drop_response_after_media_upload()  # second image is stored but its answer is lost
    with pytest.raises(PublishRetryableError):
        await publisher.publish(item, progress.last, progress)
    assert len(progress.last.media) == 1

    await publisher.publish(item, progress.last, progress)
    uploads = wp.requests_to("POST", "/wp-json/wp/v2/media")
    # Each image uploaded once (plus the alt text updates): the upload whose answer was lost
    # is found on WordPress by its file name and adopted.
    assert len(uploads) == len(item.images) == len(wp.media) == len(progress.last.media) == 3
    assert len(wp.posts) == 1
    # The alt text the failed attempt could not set was set on the retry.
    featured = next(m for m in wp.media if m["id"] == int(progress.last.media["1"]))
    assert featured["alt_text"] == "Red tomatoes [ripe]"


async def test_wordpress_slug_lookup_adopts_existing_post(
    wp: FakeWordPressServer, item: PublishItem
) -> None:
    post_id = wp.add_post("grow-tomatoes", status="draft")
    progress = Progress()
    result = await _publisher(wp).publish(item, PublishState(), progress)
    assert result.remote_id == str(post_id)
    assert progress.last.remote_id == str(post_id)
    assert wp.media == [] and len(wp.posts) == 1


async def test_wordpress_error_mapping(wp: FakeWordPressServer, item: PublishItem) -> None:
    with pytest.raises(PublishPermanentError, match="credentials"):
        await _publisher(wp, password="wrong").publish(item, PublishState(), Progress())
    wp.fail_next("GET", "/wp-json/wp/v2/posts", 429)
    with pytest.raises(PublishRetryableError):
        await _publisher(wp).publish(item, PublishState(), Progress())
    wp.fail_next("GET", "/wp-json/wp/v2/posts", 500)
    with pytest.raises(PublishRetryableError):
        await _publisher(wp).publish(item, PublishState(), Progress())
    wp.fail_next("POST", "/wp-json/wp/v2/categories", 403)
    with pytest.raises(PublishPermanentError, match="role"):
        await _publisher(wp).publish(item, PublishState(), Progress())
    wp.strip_authorization()
    with pytest.raises(PublishPermanentError, match="Authorization header"):
        await _publisher(wp).publish(item, PublishState(), Progress())
    wp.strip_authorization(False)
    wp.block_rest_api()
    with pytest.raises(PublishPermanentError, match="Permalinks"):
        await _publisher(wp).publish(item, PublishState(), Progress())


async def test_wordpress_unreachable_is_retryable(item: PublishItem) -> None:
    with FakeWordPressServer() as wp:
        url = wp.base_url
    publisher = WordPressPublisher(url, "u", "p", timeout=2)
    with pytest.raises(PublishRetryableError):
        await publisher.publish(item, PublishState(), Progress())
    check = await publisher.check_connection()
    assert (check.ok, check.problem) == (False, "unreachable")


async def test_check_connection_explains_problems(wp: FakeWordPressServer) -> None:
    check = await _publisher(wp).check_connection()
    assert check.ok and check.problem is None and "editor" in check.detail

    check = await _publisher(wp, password="nope").check_connection()
    assert (check.ok, check.problem) == (False, "bad_credentials")
    assert "application password" in check.detail

    wrong_user = WordPressPublisher(wp.base_url, "ghost", wp.application_password)
    assert (await wrong_user.check_connection()).problem == "bad_credentials"

    wp.strip_authorization()
    check = await _publisher(wp).check_connection()
    assert (check.ok, check.problem) == (False, "authorization_header_stripped")
    assert 'SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1' in check.detail
    assert "CGIPassAuth On" in check.detail
    wp.strip_authorization(False)

    wp.block_rest_api()
    check = await _publisher(wp).check_connection()
    assert (check.ok, check.problem) == (False, "rest_api_blocked")
    assert "Permalinks" in check.detail


async def test_check_connection_missing_capability() -> None:
    with FakeWordPressServer(capabilities={"publish_posts": False, "upload_files": True}) as wp:
        check = await _publisher(wp).check_connection()
    assert (check.ok, check.problem) == (False, "missing_capability")


# -- webhook -----------------------------------------------------------------------------------


class Receiver:
    """A webhook endpoint that verifies signatures the way a real receiver would."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.status = 200
        self.received: list[tuple[dict[str, str], bytes, bool]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                ok = verify_signature(
                    receiver.secret,
                    headers.get("x-pressrun-timestamp", ""),
                    body,
                    headers.get("x-pressrun-signature", ""),
                    now=time.time(),
                )
                receiver.received.append((headers, body, ok))
                status = receiver.status if ok else 401
                answer = json.dumps({"id": "remote-42"} if status == 200 else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


async def test_webhook_signed_delivery(item: PublishItem) -> None:
    with Receiver("s3cret") as receiver:
        progress = Progress()
        result = await WebhookPublisher(receiver.url, "s3cret").publish(
            item, PublishState(), progress
        )
        [(headers, body, ok)] = receiver.received
    assert ok
    assert result.remote_id == "remote-42" and progress.last.remote_id == "remote-42"
    assert headers["x-pressrun-delivery"] == "content-7"
    data = json.loads(body)
    assert data["content_id"] == 7 and data["site_id"] == 3 and data["slug"] == "grow-tomatoes"
    assert data["body_markdown"] == BODY
    assert [i["file_name"] for i in data["images"]] == ["a.png", "b.png", "c.png"]
    assert data["images"][0]["alt_text"] == "Red tomatoes [ripe]"

    timestamp, signature = headers["x-pressrun-timestamp"], headers["x-pressrun-signature"]
    now = time.time()
    assert verify_signature("s3cret", timestamp, body, signature, now=now)
    assert not verify_signature("s3cret", timestamp, body + b" ", signature, now=now)
    assert not verify_signature("other", timestamp, body, signature, now=now)
    assert not verify_signature("s3cret", timestamp, body, signature, now=now + 301)
    stale = str(int(now) - 3600)
    assert not verify_signature("s3cret", stale, body, sign("s3cret", stale, body), now=now)


async def test_webhook_wrong_secret_is_permanent_and_5xx_retryable(item: PublishItem) -> None:
    with Receiver("s3cret") as receiver:
        with pytest.raises(PublishPermanentError):
            await WebhookPublisher(receiver.url, "wrong").publish(item, PublishState(), Progress())
        receiver.status = 503
        with pytest.raises(PublishRetryableError):
            await WebhookPublisher(receiver.url, "s3cret").publish(item, PublishState(), Progress())
        receiver.status = 422
        with pytest.raises(PublishPermanentError):
            await WebhookPublisher(receiver.url, "s3cret").publish(item, PublishState(), Progress())
        url = receiver.url
    with pytest.raises(PublishRetryableError):
        await WebhookPublisher(url, "s3cret", timeout=2).publish(item, PublishState(), Progress())

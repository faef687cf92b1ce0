"""The default publisher: a static-site-ready folder of Markdown and images, no server needed.

Each item becomes `root/site-{site_id}/{slug}/index.md` (YAML front matter + body) with its images
beside it under stable names, so publishing again rewrites the same files with the same bytes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pressrun.publishing.base import (
    ProgressCallback,
    PublishImage,
    PublishItem,
    PublishPermanentError,
    PublishResult,
    PublishState,
    image_markdown,
    place_images,
)

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/avif": ".avif",
}
_NOT_SLUG = re.compile(r"[^a-z0-9-]+")
_DATE_LINE = re.compile(r"^date: (.+)$", re.MULTILINE)


class FolderPublisher:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    async def publish(
        self, item: PublishItem, state: PublishState, on_progress: ProgressCallback
    ) -> PublishResult:
        new_state = await asyncio.to_thread(self._write, item, state)
        await on_progress(new_state)
        assert new_state.remote_id is not None
        return PublishResult(
            remote_id=new_state.remote_id, remote_url=new_state.remote_url, state=new_state
        )

    def check_writable(self, site_id: int) -> str | None:
        """None if the site's directory can be written, else what is wrong."""
        directory = self.root / f"site-{site_id}"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".check-"):
                pass
        except OSError as exc:
            return f"Cannot write to {directory}: {exc.strerror or exc}"
        return None

    def directory_for(self, item: PublishItem) -> Path:
        return self.root / f"site-{item.site_id}" / safe_slug(item.slug, item.content_id)

    def _write(self, item: PublishItem, state: PublishState) -> PublishState:
        directory = self.directory_for(item)
        directory.mkdir(parents=True, exist_ok=True)
        names = image_file_names(item.images)
        for image in item.images:
            if not image.path.is_file():
                raise PublishPermanentError(f"image {image.image_id} is missing: {image.path}")
            _copy_atomic(image.path, directory / names[image.key])

        featured = item.featured_image
        body = place_images(
            item.body_markdown,
            featured=image_markdown(featured.alt_text, names[featured.key]) if featured else None,
            in_article=[
                image_markdown(image.alt_text, names[image.key]) for image in item.in_article_images
            ],
        )
        index = directory / "index.md"
        text = (
            front_matter(
                item,
                featured_name=names[featured.key] if featured else None,
                date=_date(item, index),
            )
            + "\n"
            + body
        )
        _write_atomic(index, text.encode("utf-8"))
        return state.model_copy(
            update={
                "remote_id": directory.relative_to(self.root).as_posix(),
                "remote_url": index.resolve().as_uri(),
                "media": {**state.media, **names},
            }
        )


def safe_slug(slug: str, content_id: int) -> str:
    """The slug as a single safe directory name (never `..`, never a path)."""
    cleaned = _NOT_SLUG.sub("-", slug.lower()).strip("-")
    return cleaned or f"content-{content_id}"


def image_file_names(images: list[PublishImage]) -> dict[str, str]:
    """image key → file name: `featured.ext`, then `image-1.ext`, `image-2.ext`… in order."""
    names: dict[str, str] = {}
    position = 0
    has_featured = False
    for image in images:
        extension = _EXTENSIONS.get(image.mime_type) or image.path.suffix.lower() or ".img"
        if image.kind == "featured" and not has_featured:
            has_featured = True
            names[image.key] = f"featured{extension}"
        else:
            position += 1
            names[image.key] = f"image-{position}{extension}"
    return names


def front_matter(item: PublishItem, *, featured_name: str | None, date: str) -> str:
    # JSON strings and arrays are valid YAML double-quoted scalars and flow sequences.
    fields: list[tuple[str, object]] = [
        ("title", item.title),
        ("slug", item.slug),
        ("date", date),
        ("description", item.excerpt),
        ("featured_image", featured_name),
        ("tags", item.tags),
        ("categories", item.categories),
    ]
    lines = ["---"]
    for key, value in fields:
        if value is None:
            continue
        text = json.dumps(value, ensure_ascii=False)
        # YAML 1.1 parsers treat these as line breaks even inside quotes.
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        lines.append(f"{key}: {text}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _date(item: PublishItem, index: Path) -> str:
    if item.publish_at is not None:
        moment = item.publish_at
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    # Without a publish time, keep the date of an earlier publish so republishing changes nothing.
    if index.is_file():
        match = _DATE_LINE.search(index.read_text(encoding="utf-8"))
        if match:
            try:
                value = json.loads(match.group(1))
            except ValueError:
                value = None
            if isinstance(value, str):
                return value
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _write_atomic(target: Path, data: bytes) -> None:
    if target.is_file() and target.read_bytes() == data:
        return
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _copy_atomic(source: Path, target: Path) -> None:
    if (
        target.is_file()
        and target.stat().st_size == source.stat().st_size
        and target.read_bytes() == source.read_bytes()
    ):
        return
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        shutil.copyfile(source, temp_name)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise

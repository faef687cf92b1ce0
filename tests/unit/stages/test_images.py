"""Stage 6 over a real database: each pending prompt's image as a file under the media root and
a row, charged per image, with item and batch failures, replays and the media root's default."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pressrun.db import transaction
from pressrun.models import Image, ImagePrompt
from pressrun.models.content import ItemStatus
from pressrun.stages import images
from pressrun.stages.common import WHOLE
from tests.unit.stages.conftest import FlakyProvider, StageSite

PNG = b"\x89PNG\r\n\x1a\n"


def pending(site: StageSite) -> int:
    with transaction(site.sessions) as session:
        return images.pending_prompts(session, site.site_id, WHOLE, site.retry())


def files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_each_pending_prompt_becomes_a_file_and_a_row_charged_per_image(
    site: StageSite, flaky: FlakyProvider
) -> None:
    root = site.deps.settings.resolved_media_root()
    article = site.content()
    featured = site.prompt(article, "a teapot on a table")
    inline = site.prompt(article, "tea leaves close up", kind="in_article")
    result = await images.run_batch(site.deps, site.request(6))

    assert (result.processed, result.created, result.failed, result.remaining) == (2, 2, 0, 0)
    assert result.credits == Decimal("6")
    assert flaky.calls == ["a teapot on a table", "tea leaves close up"]
    made = site.rows(Image)
    base = f"site-{site.site_id}/content-{article}"
    assert [(i.prompt_id, i.path) for i in made] == [
        (featured, f"{base}/{featured}-featured.png"),
        (inline, f"{base}/{inline}-in_article.png"),
    ]
    assert files(root) == sorted(i.path for i in made)
    for image in made:
        data = (root / image.path).read_bytes()
        assert data.startswith(PNG) and image.size_bytes == len(data)
        # The settings' image size (the test settings ask for 256x256).
        assert (image.width, image.height, image.mime_type) == (256, 256, "image/png")
        assert image.content_id == article and image.run_id == site.run_id
        assert image.generated_by == "offline:gpt-image-1"
    assert {p.status for p in site.rows(ImagePrompt)} == {ItemStatus.DONE}
    [charge] = site.charges()
    assert charge.amount == Decimal("-6") and site.balance() == Decimal("994")
    progress = site.progress(6)
    assert (progress["images_processed"], progress["images_generated"]) == (2, 2)
    assert site.logs() == ["Generated 2 images"]
    assert pending(site) == 0


async def test_a_size_the_provider_rejects_fails_every_prompt_with_no_file_or_charge(
    site: StageSite,
) -> None:
    root = site.deps.settings.resolved_media_root()
    article = site.content()
    first = site.prompt(article, "one")
    site.prompt(article, "two", kind="in_article")
    deps = site.with_settings(image_size="huge")
    result = await images.run_batch(deps, site.request(6))

    assert (result.processed, result.created, result.failed) == (2, 0, 2)
    assert result.credits == 0 and site.charges() == []
    assert site.rows(Image) == [] and files(root) == []
    failed = site.get(ImagePrompt, first)
    assert failed.status == ItemStatus.FAILED
    assert failed.error == "image size must look like 1024x1024, got 'huge'"
    assert pending(site) == 0
    assert site.logs() == ["Generated 0 images, 2 failed"]


async def test_one_failed_prompt_leaves_the_others_generated(
    site: StageSite, flaky: FlakyProvider
) -> None:
    article = site.content()
    bad = site.prompt(article, "bad prompt")
    good = site.prompt(article, "good prompt", kind="in_article")
    flaky.fail.add("bad prompt")
    result = await images.run_batch(site.deps, site.request(6))
    assert (result.processed, result.created, result.failed) == (2, 1, 1)
    assert result.credits == Decimal("3")
    assert [i.prompt_id for i in site.rows(Image)] == [good]
    assert site.get(ImagePrompt, bad).error == "invalid output for bad prompt"


async def test_a_retryable_error_writes_no_row_and_the_retry_overwrites_the_file(
    site: StageSite, flaky: FlakyProvider
) -> None:
    root = site.deps.settings.resolved_media_root()
    article = site.content()
    first = site.prompt(article, "first")
    site.prompt(article, "second", kind="in_article")
    flaky.transient.add("second")
    with pytest.raises(Exception, match="503 for second"):
        await images.run_batch(site.deps, site.request(6))
    # The first file was written before the failed transaction: no row points at it.
    stray = f"site-{site.site_id}/content-{article}/{first}-featured.png"
    assert files(root) == [stray]
    assert site.rows(Image) == [] and site.charges() == [] and pending(site) == 2

    flaky.transient.clear()
    result = await images.run_batch(site.deps, site.request(6))
    assert result.created == 2
    # The retry kept the first image: only the second is generated again.
    assert flaky.calls == ["first", "second", "second"]
    made = site.rows(Image)
    assert made[0].path == stray
    assert made[0].size_bytes == (root / stray).stat().st_size
    assert files(root) == sorted(i.path for i in made)  # no leftovers


async def test_a_kept_image_whose_file_is_gone_is_generated_again(
    site: StageSite, flaky: FlakyProvider
) -> None:
    root = site.deps.settings.resolved_media_root()
    article = site.content()
    site.prompt(article, "first")
    site.prompt(article, "second", kind="in_article")
    flaky.transient.add("second")
    with pytest.raises(Exception, match="503 for second"):
        await images.run_batch(site.deps, site.request(6))
    # Written by a worker on another machine, say: this one does not have it.
    for path in root.rglob("*.png"):
        path.unlink()
    flaky.transient.clear()
    result = await images.run_batch(site.deps, site.request(6))
    assert result.created == 2
    assert flaky.calls == ["first", "second", "first", "second"]
    assert files(root) == sorted(i.path for i in site.rows(Image))


async def test_a_replayed_batch_generates_nothing_more(
    site: StageSite, flaky: FlakyProvider
) -> None:
    article = site.content()
    site.prompt(article, "only")
    first = await images.run_batch(site.deps, site.request(6, batch=5))
    site.prompt(article, "late", kind="in_article")
    again = await images.run_batch(site.deps, site.request(6, batch=5))
    assert again.replayed
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert flaky.calls == ["only"]
    assert len(site.rows(Image)) == 1 and len(site.charges()) == 1
    assert pending(site) == 1


async def test_settled_prompts_are_not_generated_again(
    site: StageSite, flaky: FlakyProvider
) -> None:
    article = site.content()
    site.prompt(article, "done", status=ItemStatus.DONE)
    failed = site.prompt(article, "failed", kind="in_article", status=ItemStatus.FAILED)
    site.failed_out(ImagePrompt, failed)
    assert pending(site) == 0
    result = await images.run_batch(site.deps, site.request(6))
    assert (result.processed, result.remaining) == (0, 0)
    assert flaky.calls == [] and site.batches() == []


async def test_without_a_media_root_images_go_under_the_data_dir(
    site: StageSite, tmp_path: Path
) -> None:
    data_dir = tmp_path / "elsewhere"
    deps = site.with_settings(media_root=None, data_dir=data_dir)
    article = site.content()
    site.prompt(article, "default root")
    await images.run_batch(deps, site.request(6))
    [image] = site.rows(Image)
    assert files(data_dir) == [f"media/{image.path}"]
    assert (data_dir / "media" / image.path).read_bytes().startswith(PNG)
    assert not site.deps.settings.resolved_media_root().exists()


async def test_the_limit_takes_prompts_in_id_order(site: StageSite) -> None:
    article = site.content()
    ids = [site.prompt(article, f"p{n}", kind="in_article", position=n) for n in range(3)]
    result = await images.run_batch(site.deps, site.request(6, limit=2))
    assert (result.processed, result.remaining) == (2, 1)
    assert [i.prompt_id for i in site.rows(Image)] == ids[:2]

"""Stage 5 over a real database: one featured and N in-article prompts per draft, charged per
prompt, trimmed to what was asked, with item failures, the budget and replays."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pressrun.ai.base import ArticleDraft, ImagePromptDraft, WritingProfile
from pressrun.db import transaction
from pressrun.models import Content, ImagePrompt
from pressrun.models.content import ContentStatus, ItemStatus
from pressrun.stages import image_prompts
from pressrun.stages.common import WHOLE
from tests.unit.stages.conftest import FlakyProvider, StageSite


def pending(site: StageSite) -> int:
    with transaction(site.sessions) as session:
        return image_prompts.pending_content(session, site.site_id, WHOLE, site.retry())


def slots(site: StageSite, content_id: int) -> list[tuple[str, int]]:
    return [(p.kind, p.position) for p in site.rows(ImagePrompt) if p.content_id == content_id]


class TooMany(FlakyProvider):
    """Two featured prompts and five in-article ones, in-article first, whatever is asked."""

    async def image_prompts(
        self,
        article: ArticleDraft,
        *,
        in_article: int,
        model: str,
        profile: WritingProfile | None = None,
    ) -> list[ImagePromptDraft]:
        self._check(article.title)
        inline = [
            ImagePromptDraft(kind="in_article", prompt=f"inline {n}", alt_text=f"alt {n}")
            for n in range(5)
        ]
        featured = [
            ImagePromptDraft(kind="featured", prompt=f"featured {n}", alt_text=f"alt {n}")
            for n in range(2)
        ]
        return inline + featured


async def test_each_draft_gets_a_featured_and_in_article_prompts_charged_per_prompt(
    site: StageSite, flaky: FlakyProvider
) -> None:
    first, second = site.content("Brewing Green Tea"), site.content("Storing Tea")
    result = await image_prompts.run_batch(site.deps, site.request(5))

    # The default: one featured and two in-article images per article.
    assert (result.processed, result.created, result.failed, result.remaining) == (2, 6, 0, 0)
    assert result.credits == Decimal("1.2")
    expected = [("featured", 0), ("in_article", 0), ("in_article", 1)]
    assert slots(site, first) == expected and slots(site, second) == expected
    made = site.rows(ImagePrompt)
    assert all(p.status == ItemStatus.PENDING and p.run_id == site.run_id for p in made)
    assert all(p.prompt and p.alt_text for p in made)
    assert "Brewing Green Tea" in made[0].prompt
    assert all(c.image_prompts_done for c in site.rows(Content))
    assert flaky.calls == ["Brewing Green Tea", "Storing Tea"]
    [charge] = site.charges()
    assert charge.amount == Decimal("-1.2") and site.balance() == Decimal("998.8")
    progress = site.progress(5)
    assert (progress["content_processed"], progress["prompts_created"]) == (2, 6)
    assert progress["credits_used"] == pytest.approx(1.2)
    assert site.logs() == ["Created 6 image prompts for 2 articles"]
    assert pending(site) == 0


@pytest.mark.parametrize("in_article", [0, 3])
async def test_the_in_article_count_follows_the_settings(site: StageSite, in_article: int) -> None:
    article = site.content()
    deps = site.with_settings(in_article_images=in_article)
    result = await image_prompts.run_batch(deps, site.request(5))
    assert result.created == 1 + in_article
    assert slots(site, article) == [("featured", 0)] + [
        ("in_article", n) for n in range(in_article)
    ]
    assert result.credits == Decimal("0.2") * (1 + in_article)


async def test_extra_prompts_from_the_provider_are_dropped_and_not_charged(
    site: StageSite,
) -> None:
    article = site.content()
    result = await image_prompts.run_batch(site.with_provider(TooMany()), site.request(5))
    assert result.created == 3 and result.credits == Decimal("0.6")
    assert slots(site, article) == [("featured", 0), ("in_article", 0), ("in_article", 1)]
    assert [p.prompt for p in site.rows(ImagePrompt)] == ["featured 0", "inline 0", "inline 1"]


async def test_an_article_the_provider_fails_keeps_its_reason_and_a_later_run_retries_it(
    site: StageSite, flaky: FlakyProvider
) -> None:
    bad, good = site.content("Broken"), site.content("Fine")
    flaky.fail.add("Broken")
    result = await image_prompts.run_batch(site.deps, site.request(5))
    assert (result.processed, result.created, result.failed) == (2, 3, 1)
    assert result.credits == Decimal("0.6")
    assert slots(site, bad) == [] and len(slots(site, good)) == 3
    failed = site.get(Content, bad)
    # Not done: it still waits for its prompts, with why it has none.
    assert not failed.image_prompts_done
    assert (failed.error, failed.attempts) == ("invalid output for Broken", 1)
    assert failed.last_run_id == site.run_id
    assert pending(site) == 0  # this run does not ask again
    assert site.progress(5)["items_failed"] == 1
    assert site.logs() == ["Created 3 image prompts for 2 articles, 1 failed"]

    # The next run does; once it succeeds the reason goes.
    site.run_id = site.new_run()
    assert pending(site) == 1
    flaky.fail.clear()
    result = await image_prompts.run_batch(site.deps, site.request(5))
    assert (result.processed, result.created, result.failed) == (1, 3, 0)
    fixed = site.get(Content, bad)
    assert fixed.image_prompts_done and fixed.error is None and len(slots(site, bad)) == 3


async def test_an_article_that_keeps_failing_is_tried_item_max_attempts_times(
    site: StageSite, flaky: FlakyProvider
) -> None:
    bad = site.content("Broken")
    flaky.fail.add("Broken")
    deps = site.with_settings(item_max_attempts=2)
    for _ in range(3):
        await image_prompts.run_batch(deps, site.request(5))
        site.run_id = site.new_run()
    assert flaky.calls == ["Broken", "Broken"]
    article = site.get(Content, bad)
    assert (article.attempts, article.error) == (2, "invalid output for Broken")


async def test_the_budget_stops_the_batch(site: StageSite, flaky: FlakyProvider) -> None:
    for title in ("A", "B", "C"):
        site.content(title)
    result = await image_prompts.run_batch(
        site.deps, site.request(5, budget_remaining=Decimal("1"))
    )
    # 0.6 an article: A and B are asked for (the budget is not spent after A), C is not.
    assert result.budget_reached
    assert (result.processed, result.created, result.remaining) == (2, 6, 1)
    assert flaky.calls == ["A", "B"]
    assert pending(site) == 1


async def test_only_drafts_still_waiting_for_prompts_are_taken(
    site: StageSite, flaky: FlakyProvider
) -> None:
    site.content("Done", image_prompts_done=True)
    site.content("In Review", status=ContentStatus.REVIEW)
    site.content("Approved", status=ContentStatus.APPROVED)
    waiting = site.content("Waiting")
    assert pending(site) == 1
    result = await image_prompts.run_batch(site.deps, site.request(5))
    assert result.processed == 1 and flaky.calls == ["Waiting"]
    assert {p.content_id for p in site.rows(ImagePrompt)} == {waiting}


async def test_a_replayed_batch_creates_and_charges_nothing_more(
    site: StageSite, flaky: FlakyProvider
) -> None:
    site.content("First")
    first = await image_prompts.run_batch(site.deps, site.request(5, batch=1))
    site.content("Late")
    again = await image_prompts.run_batch(site.deps, site.request(5, batch=1))
    assert again.replayed
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert flaky.calls == ["First"]
    assert len(site.rows(ImagePrompt)) == 3 and len(site.charges()) == 1
    assert pending(site) == 1


async def test_a_partition_takes_only_its_share(site: StageSite) -> None:
    ids = [site.content() for _ in range(4)]
    mine = {i for i in ids if i % 2 == 1}
    result = await image_prompts.run_batch(site.deps, site.request(5, partition=1, partitions=2))
    assert result.processed == len(mine) and result.remaining == 0
    assert {p.content_id for p in site.rows(ImagePrompt)} == mine
    assert pending(site) == len(ids) - len(mine)


class ProfileSeen(FlakyProvider):
    """Keeps the profile each article's prompts are asked with."""

    def __init__(self) -> None:
        super().__init__()
        self.profiles: list[WritingProfile | None] = []

    async def image_prompts(
        self,
        article: ArticleDraft,
        *,
        in_article: int,
        model: str,
        profile: WritingProfile | None = None,
    ) -> list[ImagePromptDraft]:
        self.profiles.append(profile)
        return await super().image_prompts(
            article, in_article=in_article, model=model, profile=profile
        )


async def test_the_sites_content_profile_reaches_the_provider(site: StageSite) -> None:
    site.content("Brewing Green Tea")
    site.profile(language="fr", avoid=["detox"])
    provider = ProfileSeen()
    await image_prompts.run_batch(site.with_provider(provider), site.request(5))
    [profile] = provider.profiles
    assert profile is not None and (profile.language, profile.avoid) == ("fr", ["detox"])

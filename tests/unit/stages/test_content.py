"""Stage 4 over a real database: one article per queued task, word_count as billed, charged per
started 100 words, with item and batch failures, credits, the budget and replays."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from pressrun.ai.base import ArticleBrief, ArticleDraft, WritingProfile, count_words
from pressrun.contracts.run import FinishRequest
from pressrun.db import transaction
from pressrun.errors import InsufficientCreditsError
from pressrun.models import Account, BatchItemResult, Content, Site, Task
from pressrun.models.content import ContentStatus, TaskStatus
from pressrun.runs.records import finish_run
from pressrun.services.accounts import delete_site, grant_credits
from pressrun.stages import content
from pressrun.stages.common import WHOLE
from tests.unit.stages.conftest import FlakyProvider, StageSite


def kept_results(site: StageSite) -> list[BatchItemResult]:
    with transaction(site.sessions) as session:
        return list(
            session.exec(select(BatchItemResult).where(BatchItemResult.run_id == site.run_id)).all()
        )


def pending(site: StageSite) -> int:
    with transaction(site.sessions) as session:
        return content.pending_tasks(session, site.site_id, WHOLE, site.retry())


def words(n: int) -> str:
    """A Markdown body of exactly `n` counted words: its heading and list markers are not."""
    return "## Intro\n\n" + " ".join(["word"] * (n - 1)) + "\n"


class FixedBodies(FlakyProvider):
    """Articles whose bodies a test gives, by task title."""

    def __init__(self, bodies: dict[str, str]) -> None:
        super().__init__()
        self.bodies = bodies

    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        self._check(brief.title)
        return ArticleDraft(
            title=brief.title,
            body=self.bodies[brief.title],
            meta_description=f"About {brief.title}",
            slug=f"task-{brief.task_id}",
        )


async def test_each_queued_task_becomes_a_draft_charged_per_started_100_words(
    site: StageSite, flaky: FlakyProvider
) -> None:
    first, second = site.task("Brewing Green Tea"), site.task("Storing Loose Leaf Tea")
    site.profile(target_words_min=300, target_words_max=300)
    result = await content.run_batch(site.deps, site.request(4))

    assert (result.processed, result.created, result.failed, result.remaining) == (2, 2, 0, 0)
    made = site.rows(Content)
    assert [c.task_id for c in made] == [first, second]
    for article in made:
        assert article.word_count == count_words(article.body)
        # The offline writer aims at the profile's length.
        assert 250 <= article.word_count <= 350
        assert article.status == ContentStatus.DRAFT and not article.image_prompts_done
        assert article.run_id == site.run_id
        assert article.generated_by == "offline:gpt-4.1-mini"
        assert article.slug and article.meta_description and article.body.startswith(">")
    assert made[0].title == "Brewing Green Tea"
    assert result.words == sum(c.word_count for c in made)
    expected = sum(Decimal(-(-c.word_count // 100)) for c in made)  # ceil per article
    assert result.credits == expected >= Decimal("6")
    assert [c.amount for c in site.charges()] == [-expected]
    assert site.balance() == Decimal("1000") - expected
    assert {t.status for t in site.rows(Task)} == {TaskStatus.DONE}
    assert flaky.calls == ["Brewing Green Tea", "Storing Loose Leaf Tea"]
    progress = site.progress(4)
    assert (progress["tasks_processed"], progress["content_created"]) == (2, 2)
    assert progress["total_words"] == result.words
    assert site.logs() == [f"Wrote 2 articles ({result.words} words)"]


class Recording(FlakyProvider):
    """Keeps every brief it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.briefs: list[ArticleBrief] = []

    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        self.briefs.append(brief)
        return await super().write_article(brief, model=model)


async def test_the_sites_content_profile_reaches_each_brief(site: StageSite) -> None:
    site.task("Dialling In Espresso")
    site.profile(
        language="en-GB",
        target_words_min=400,
        target_words_max=700,
        brand_name="Bean There",
        avoid=["medical claims"],
    )
    provider = Recording()
    await content.run_batch(site.with_provider(provider), site.request(4))
    [brief] = provider.briefs
    assert brief.target_words == 550
    assert (brief.profile.target_words_min, brief.profile.target_words_max) == (400, 700)
    assert (brief.profile.language, brief.profile.brand_name) == ("en-GB", "Bean There")
    assert brief.profile.avoid == ["medical claims"]
    [article] = site.rows(Content)
    assert 450 <= article.word_count <= 650 and article.body.count("Bean There") == 1


async def test_without_a_stored_profile_the_default_length_is_used(site: StageSite) -> None:
    site.task("Plain Defaults")
    provider = Recording()
    await content.run_batch(site.with_provider(provider), site.request(4))
    [brief] = provider.briefs
    assert brief.target_words == 1200 and brief.profile == WritingProfile()


@pytest.mark.parametrize(
    ("count", "credits"), [(1, Decimal("1")), (100, Decimal("1")), (101, Decimal("2"))]
)
async def test_billing_and_word_count_follow_the_counted_words(
    site: StageSite, count: int, credits: Decimal
) -> None:
    site.task("Exact Length")
    provider = FixedBodies({"Exact Length": words(count)})
    result = await content.run_batch(site.with_provider(provider), site.request(4))
    [article] = site.rows(Content)
    assert article.word_count == count == result.words
    assert result.credits == credits and site.balance() == Decimal("1000") - credits


async def test_the_testing_model_is_recorded_when_the_stage_uses_it(site: StageSite) -> None:
    site.task()
    await content.run_batch(site.deps, site.request(4, use_testing=True))
    [article] = site.rows(Content)
    assert article.generated_by == "offline:gpt-4.1-nano"


async def test_an_item_error_fails_only_that_task(site: StageSite, flaky: FlakyProvider) -> None:
    bad, good = site.task("Broken Brief"), site.task("Fine Brief")
    flaky.fail.add("Broken Brief")
    site.profile(target_words_min=300, target_words_max=300)
    deps = site.deps
    result = await content.run_batch(deps, site.request(4))

    assert (result.processed, result.created, result.failed) == (2, 1, 1)
    failed = site.get(Task, bad)
    assert failed.status == TaskStatus.FAILED
    assert failed.error == "invalid output for Broken Brief"
    assert site.get(Task, good).status == TaskStatus.DONE
    assert [c.task_id for c in site.rows(Content)] == [good]
    [article] = site.rows(Content)
    assert result.credits == Decimal(-(-article.word_count // 100))
    assert pending(site) == 0
    assert site.progress(4)["items_failed"] == 1
    assert site.logs() == [f"Wrote 1 articles ({article.word_count} words), 1 failed"]


async def test_a_retryable_error_writes_nothing_and_the_retry_writes_the_batch(
    site: StageSite, flaky: FlakyProvider
) -> None:
    site.task("First")
    site.task("Second")
    flaky.transient.add("Second")
    site.profile(target_words_min=300, target_words_max=300)
    deps = site.deps
    with pytest.raises(Exception, match="503 for Second"):
        await content.run_batch(deps, site.request(4))
    # The first article was written by the provider but not committed: nothing shows.
    assert site.rows(Content) == [] and site.charges() == [] and site.batches() == []
    assert pending(site) == 2

    flaky.transient.clear()
    result = await content.run_batch(deps, site.request(4))
    assert (result.created, result.replayed) == (2, False)
    # The retry kept the first article the provider wrote: only the second is asked again.
    assert flaky.calls == ["First", "Second", "Second"]
    assert len(site.rows(Content)) == 2 and len(site.charges()) == 1
    assert [c.title for c in site.rows(Content)] == ["First", "Second"]
    assert kept_results(site) == []  # what the attempts kept goes with the commit


async def test_too_few_credits_fails_the_batch_with_nothing_written(site: StageSite) -> None:
    with transaction(site.sessions) as session:
        account = session.get(Account, site.account_id)
        assert account is not None
        account.credit_balance = Decimal("1")
    site.task("Long One")
    provider = FixedBodies({"Long One": words(250)})
    deps = site.with_provider(provider)
    with pytest.raises(InsufficientCreditsError) as raised:
        await content.run_batch(deps, site.request(4))
    assert raised.value.required == Decimal("3") and raised.value.balance == Decimal("1")
    assert site.rows(Content) == [] and site.batches() == [] and site.charges() == []
    assert site.balance() == Decimal("1") and pending(site) == 1
    assert site.progress(4) == {}

    # Topped up, the same batch goes through.
    with transaction(site.sessions) as session:
        account = session.get(Account, site.account_id)
        assert account is not None
        grant_credits(session, account, Decimal("10"), reason="top-up")
    result = await content.run_batch(deps, site.request(4))
    assert result.credits == Decimal("3") and site.balance() == Decimal("8")


async def test_the_budget_stops_the_batch_after_the_article_that_spends_it(
    site: StageSite,
) -> None:
    for title in "ABC":
        site.task(title)
    provider = FixedBodies({"A": words(150), "B": words(150), "C": words(150)})
    result = await content.run_batch(
        site.with_provider(provider), site.request(4, budget_remaining=Decimal("3"))
    )
    # 2 credits each: A leaves 1 of the budget, B spends it, C is not called.
    assert result.budget_reached
    assert (result.processed, result.created, result.remaining) == (2, 2, 1)
    assert provider.calls == ["A", "B"]
    assert result.credits == Decimal("4")


async def test_a_replayed_batch_writes_and_charges_nothing_more(
    site: StageSite, flaky: FlakyProvider
) -> None:
    site.task("Only")
    site.profile(target_words_min=300, target_words_max=300)
    deps = site.deps
    first = await content.run_batch(deps, site.request(4, batch=2))
    site.task("Late")
    again = await content.run_batch(deps, site.request(4, batch=2))
    assert again.replayed
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert flaky.calls == ["Only"]
    assert len(site.rows(Content)) == 1 and len(site.charges()) == 1
    assert site.progress(4)["total_words"] == first.words
    assert pending(site) == 1


async def test_only_queued_tasks_are_written(site: StageSite, flaky: FlakyProvider) -> None:
    site.task("Done Already", status=TaskStatus.DONE)
    site.failed_out(Task, site.task("Failed Too Often", status=TaskStatus.FAILED))
    just_failed = site.task("Failed In This Run", status=TaskStatus.FAILED)
    site.update(Task, just_failed, attempts=1, last_run_id=site.run_id)
    result = await content.run_batch(site.deps, site.request(4))
    assert (result.processed, result.remaining) == (0, 0)
    assert flaky.calls == [] and site.rows(Content) == [] and site.batches() == []


async def test_answers_kept_for_a_batch_that_never_commits_go_when_the_run_ends(
    site: StageSite, flaky: FlakyProvider
) -> None:
    site.task("First")
    site.task("Second")
    flaky.transient.add("Second")
    with pytest.raises(Exception, match="503 for Second"):
        await content.run_batch(site.deps, site.request(4))
    assert [r.item_id for r in kept_results(site)] == [site.rows(Task)[0].id]

    finish_run(
        site.sessions, FinishRequest(run_id=site.run_id, site_id=site.site_id, status="failed")
    )
    assert kept_results(site) == []
    assert pending(site) == 2  # the tasks still wait: nothing was written


async def test_a_site_whose_run_left_kept_answers_can_be_deleted(
    site: StageSite, flaky: FlakyProvider
) -> None:
    site.task("First")
    site.task("Second")
    flaky.transient.add("Second")
    with pytest.raises(Exception, match="503 for Second"):
        await content.run_batch(site.deps, site.request(4))
    # An attempt still in flight when its run ended keeps its answers after the run's end.
    assert len(kept_results(site)) == 1
    with transaction(site.sessions) as session:
        owner = session.get(Site, site.site_id)
        assert owner is not None
        delete_site(session, owner)
    assert kept_results(site) == []


async def test_a_kept_answer_of_another_shape_is_asked_again(
    site: StageSite, flaky: FlakyProvider
) -> None:
    first = site.task("First")
    site.task("Second")
    flaky.transient.add("Second")
    with pytest.raises(Exception, match="503 for Second"):
        await content.run_batch(site.deps, site.request(4))
    # As an older release's attempt might have kept it.
    with transaction(site.sessions) as session:
        [kept] = session.exec(select(BatchItemResult).where(BatchItemResult.item_id == first)).all()
        kept.output = {"output": {"headline": "not an article"}}
    flaky.transient.clear()
    result = await content.run_batch(site.deps, site.request(4))
    assert result.created == 2
    assert flaky.calls == ["First", "Second", "First", "Second"]

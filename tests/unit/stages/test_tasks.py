"""Stage 3 over a real database: each new idea becomes one writing task with its cluster's
keywords, free of charge, by limit and partition, exactly once per batch."""

from __future__ import annotations

from decimal import Decimal

from pressrun.contracts.run import BatchResult
from pressrun.db import transaction
from pressrun.models import Idea, Task
from pressrun.models.content import IdeaStatus, TaskStatus
from pressrun.stages import tasks
from tests.unit.stages.conftest import FlakyProvider, StageSite


def pending(site: StageSite, share: tuple[int, int] = (0, 1)) -> int:
    with transaction(site.sessions) as session:
        return tasks.pending_ideas(session, site.site_id, share)


async def test_each_new_idea_becomes_a_task_with_its_clusters_keywords(
    site: StageSite, flaky: FlakyProvider
) -> None:
    cluster = site.cluster(
        ("sourdough starter", 300), ("sourdough starter recipe", 900), ("feed starter", 20)
    )
    idea = site.idea("Your First Starter", cluster_id=cluster, target_keyword="sourdough starter")
    other = site.idea("Another Idea")
    result = await tasks.run_batch(site.deps, site.request(3))

    assert (result.processed, result.created, result.failed, result.remaining) == (2, 2, 0, 0)
    assert result.credits == 0
    made = site.rows(Task)
    assert [t.idea_id for t in made] == [idea, other]
    first = made[0]
    assert (first.title, first.target_keyword, first.run_id) == (
        "Your First Starter",
        "sourdough starter",
        site.run_id,
    )
    assert first.brief == site.get(Idea, idea).brief
    assert first.outline == ["First part", "Second part"]
    # The cluster's keywords, highest volume first.
    assert first.keywords == ["sourdough starter recipe", "sourdough starter", "feed starter"]
    assert all(t.status == TaskStatus.QUEUED for t in made)
    assert {i.status for i in site.rows(Idea)} == {IdeaStatus.QUEUED}
    # Local work: no AI call and no charge.
    assert flaky.calls == [] and site.charges() == [] and site.balance() == Decimal("1000")
    progress = site.progress(3)
    assert (progress["ideas_processed"], progress["tasks_created"]) == (2, 2)
    assert site.logs() == ["Queued 2 writing tasks from 2 ideas"]
    assert pending(site) == 0


async def test_the_limit_leaves_the_rest_for_the_next_batch(site: StageSite) -> None:
    ids = [site.idea() for _ in range(3)]
    first = await tasks.run_batch(site.deps, site.request(3, batch=0, limit=2))
    assert (first.processed, first.remaining) == (2, 1)
    assert [t.idea_id for t in site.rows(Task)] == ids[:2]
    second = await tasks.run_batch(site.deps, site.request(3, batch=1, limit=2))
    assert (second.processed, second.remaining) == (1, 0)
    assert [t.idea_id for t in site.rows(Task)] == ids
    assert site.progress(3)["batches_run"] == 2 and site.progress(3)["tasks_created"] == 3


async def test_a_replayed_batch_queues_nothing_twice(site: StageSite) -> None:
    site.idea()
    first = await tasks.run_batch(site.deps, site.request(3))
    site.idea()  # arrives before the retry: not this batch's
    again = await tasks.run_batch(site.deps, site.request(3))
    assert again.replayed and again.model_dump(exclude={"replayed"}) == first.model_dump(
        exclude={"replayed"}
    )
    assert len(site.rows(Task)) == 1 and pending(site) == 1
    assert len(site.batches()) == 1 and len(site.logs()) == 1


async def test_a_partition_takes_only_its_share_of_the_ideas(site: StageSite) -> None:
    ids = [site.idea() for _ in range(4)]
    mine = [i for i in ids if i % 2 == 0]
    result = await tasks.run_batch(site.deps, site.request(3, partition=0, partitions=2))
    assert result.processed == len(mine) and result.remaining == 0
    assert sorted(t.idea_id for t in site.rows(Task)) == mine
    assert pending(site) == len(ids) - len(mine)


async def test_only_new_ideas_are_queued_and_no_work_records_no_batch(site: StageSite) -> None:
    site.idea(status=IdeaStatus.QUEUED)
    site.idea(status=IdeaStatus.FAILED)
    result = await tasks.run_batch(site.deps, site.request(3))
    assert result == BatchResult(remaining=0)
    assert site.rows(Task) == [] and site.batches() == [] and site.logs() == []
    assert site.progress(3) == {}

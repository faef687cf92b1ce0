"""Stage 2 over a real database: one idea per new cluster on its head keyword, charged per idea,
with item failures, covered clusters, the budget, partitions and replays."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pressrun.ai.base import ClusterBrief, IdeaDraft, WritingProfile
from pressrun.contracts.run import BatchResult
from pressrun.db import transaction
from pressrun.models import Cluster, Idea
from pressrun.models.content import ClusterStatus, IdeaStatus
from pressrun.stages import ideas
from pressrun.stages.common import ledger_key
from tests.unit.stages.conftest import FlakyProvider, StageSite


def pending(site: StageSite, share: tuple[int, int] = (0, 1)) -> int:
    with transaction(site.sessions) as session:
        return ideas.pending_clusters(session, site.site_id, share, site.retry())


class OffTarget(FlakyProvider):
    """Ideas aimed at a keyword the cluster does not have, or at `aim` when set."""

    def __init__(self, aim: str = "not a keyword of this cluster") -> None:
        super().__init__()
        self.aim = aim

    async def generate_ideas(
        self, cluster: ClusterBrief, *, count: int, model: str
    ) -> list[IdeaDraft]:
        drafts = await super().generate_ideas(cluster, count=count, model=model)
        return [d.model_copy(update={"target_keyword": self.aim}) for d in drafts]


async def test_each_new_cluster_gets_one_idea_on_its_head_keyword_charged_per_idea(
    site: StageSite, flaky: FlakyProvider
) -> None:
    kettles = site.cluster(("best electric kettle", 900), ("electric kettle reviews", 200))
    descale = site.cluster(
        ("how to descale a kettle", 500), ("descale kettle vinegar", 50), intent="how_to"
    )
    result = await ideas.run_batch(site.deps, site.request(2))

    assert (result.processed, result.created, result.failed) == (2, 2, 0)
    assert result.credits == Decimal("4") and result.remaining == 0 and not result.replayed
    made = site.rows(Idea)
    assert [(i.cluster_id, i.target_keyword) for i in made] == [
        (kettles, "best electric kettle"),
        (descale, "how to descale a kettle"),
    ]
    assert all(i.status == IdeaStatus.NEW and i.run_id == site.run_id for i in made)
    assert all(i.title and i.brief and i.outline for i in made)
    assert {c.status for c in site.rows(Cluster)} == {ClusterStatus.IDEAS_GENERATED}
    assert flaky.calls == ["Best Electric Kettle", "How To Descale A Kettle"]
    # One ledger entry for the batch, under its idempotency key.
    [charge] = site.charges()
    assert charge.amount == Decimal("-4") and charge.stage == 2
    assert charge.idempotency_key == ledger_key(site.run_id, 2, 0)
    assert site.balance() == Decimal("996") == charge.balance_after
    progress = site.progress(2)
    assert progress["clusters_processed"] == 2 and progress["ideas_created"] == 2
    assert progress["batches_run"] == 1 and progress["credits_used"] == 4.0
    assert site.logs() == ["Generated 2 ideas from 2 clusters"]
    assert pending(site) == 0


async def test_a_replayed_batch_creates_and_charges_nothing_more(
    site: StageSite, flaky: FlakyProvider
) -> None:
    site.cluster(("french press coffee", 400))
    first = await ideas.run_batch(site.deps, site.request(2, batch=3))
    # A new cluster arrives before the retry: the retried batch still does nothing new.
    site.cluster(("pour over coffee", 300))
    again = await ideas.run_batch(site.deps, site.request(2, batch=3))

    assert again.replayed and not first.replayed
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert len(site.rows(Idea)) == 1
    assert len(site.charges()) == 1 and site.balance() == Decimal("998")
    assert flaky.calls == ["French Press Coffee"]
    assert len(site.batches()) == 1 and site.progress(2)["batches_run"] == 1
    # The next batch index does pick it up.
    later = await ideas.run_batch(site.deps, site.request(2, batch=4))
    assert (later.created, later.replayed) == (1, False)


async def test_a_cluster_the_provider_fails_is_marked_failed_and_not_charged(
    site: StageSite, flaky: FlakyProvider
) -> None:
    good = site.cluster(("cast iron skillet care", 700))
    bad = site.cluster(("seasoning cast iron", 300))
    flaky.fail.add("Seasoning Cast Iron")
    result = await ideas.run_batch(site.deps, site.request(2))

    assert (result.processed, result.created, result.failed) == (2, 1, 1)
    assert result.credits == Decimal("2") and result.remaining == 0
    failed = site.get(Cluster, bad)
    assert failed.status == ClusterStatus.FAILED
    assert failed.error == "invalid output for Seasoning Cast Iron"
    assert site.get(Cluster, good).status == ClusterStatus.IDEAS_GENERATED
    assert [i.cluster_id for i in site.rows(Idea)] == [good]
    assert site.balance() == Decimal("998")
    assert site.progress(2)["items_failed"] == 1
    assert site.logs() == ["Generated 1 ideas from 2 clusters (1 failed)"]


async def test_a_cluster_whose_head_the_site_already_targets_gets_no_idea_and_no_call(
    site: StageSite, flaky: FlakyProvider
) -> None:
    # An idea of an earlier run targets this head keyword already (typed differently).
    site.idea("Descaling, done", target_keyword="How To Descale  a Kettle")
    covered = site.cluster(("how to descale a kettle", 800), ("descale kettle", 100))
    fresh = site.cluster(("best kettle", 600))
    result = await ideas.run_batch(site.deps, site.request(2))

    assert (result.processed, result.created, result.failed) == (2, 1, 0)
    assert flaky.calls == ["Best Kettle"]
    assert site.get(Cluster, covered).status == ClusterStatus.IDEAS_GENERATED
    assert [i.cluster_id for i in site.rows(Idea) if i.run_id == site.run_id] == [fresh]
    assert result.credits == Decimal("2")
    [message] = site.logs()
    assert message.endswith("; 1 already covered by the site's ideas or content")


@pytest.mark.parametrize("aim", ["not a keyword of this cluster", "desk lamp for reading"])
async def test_an_idea_aimed_off_the_cluster_or_at_a_taken_keyword_targets_the_head(
    site: StageSite, aim: str
) -> None:
    # The cluster's second keyword is an earlier idea's target already; its head is free.
    site.idea("Older article", target_keyword="desk lamp for reading")
    site.cluster(("best desk lamp", 500), ("desk lamp for reading", 90), ("led desk lamp", 40))
    result = await ideas.run_batch(site.with_provider(OffTarget(aim)), site.request(2))
    assert (result.created, result.credits) == (1, Decimal("2"))
    [idea] = [i for i in site.rows(Idea) if i.run_id == site.run_id]
    assert idea.target_keyword == "best desk lamp"


async def test_the_budget_stops_the_batch_and_leaves_the_rest_new(
    site: StageSite, flaky: FlakyProvider
) -> None:
    first = site.cluster(("garden hose reel", 300))
    site.cluster(("expandable garden hose", 200))
    site.cluster(("garden hose fittings", 100))
    result = await ideas.run_batch(site.deps, site.request(2, budget_remaining=Decimal("2")))

    assert result.budget_reached
    assert (result.processed, result.created, result.remaining) == (1, 1, 2)
    assert len(flaky.calls) == 1
    assert [i.cluster_id for i in site.rows(Idea)] == [first]
    assert site.balance() == Decimal("998")
    assert pending(site) == 2


async def test_the_limit_takes_clusters_in_id_order(site: StageSite) -> None:
    ids = [site.cluster((f"yoga mat {n}", 100)) for n in ("thickness", "cleaning", "travel")]
    result = await ideas.run_batch(site.deps, site.request(2, limit=2))
    assert (result.processed, result.remaining) == (2, 1)
    assert [c.status for c in site.rows(Cluster)] == [
        ClusterStatus.IDEAS_GENERATED,
        ClusterStatus.IDEAS_GENERATED,
        ClusterStatus.NEW,
    ]
    assert [i.cluster_id for i in site.rows(Idea)] == ids[:2]


async def test_a_partition_takes_only_its_share_of_the_clusters(site: StageSite) -> None:
    ids = [site.cluster((f"hiking boots {n}", 100)) for n in ("women", "men", "kids", "wide")]
    mine = [i for i in ids if i % 2 == 1]
    assert pending(site, (1, 2)) == len(mine)
    result = await ideas.run_batch(site.deps, site.request(2, partition=1, partitions=2))
    assert result.processed == len(mine) and result.remaining == 0
    assert sorted(i.cluster_id for i in site.rows(Idea)) == mine
    assert pending(site) == len(ids) - len(mine)


async def test_only_new_clusters_are_taken_and_no_work_records_no_batch(
    site: StageSite, flaky: FlakyProvider
) -> None:
    failed = site.cluster(("old failed topic", 100), status=ClusterStatus.FAILED)
    site.failed_out(Cluster, failed)
    site.cluster(("old done topic", 100), status=ClusterStatus.IDEAS_GENERATED)
    result = await ideas.run_batch(site.deps, site.request(2))
    assert result == BatchResult(remaining=0)
    assert flaky.calls == [] and site.rows(Idea) == []
    assert site.batches() == [] and site.charges() == [] and site.logs() == []


class ProfileSeen(FlakyProvider):
    """Keeps the profile of each cluster it is asked about."""

    def __init__(self) -> None:
        super().__init__()
        self.profiles: list[WritingProfile] = []

    async def generate_ideas(
        self, cluster: ClusterBrief, *, count: int, model: str
    ) -> list[IdeaDraft]:
        self.profiles.append(cluster.profile)
        return await super().generate_ideas(cluster, count=count, model=model)


async def test_the_sites_content_profile_reaches_the_provider(site: StageSite) -> None:
    site.cluster(("best electric kettle", 900))
    site.profile(language="de-DE", audience="tea drinkers", avoid=["cheap"])
    provider = ProfileSeen()
    await ideas.run_batch(site.with_provider(provider), site.request(2))
    [profile] = provider.profiles
    assert (profile.language, profile.audience, profile.avoid) == (
        "de-DE",
        "tea drinkers",
        ["cheap"],
    )

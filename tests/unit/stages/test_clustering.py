"""Stage 1 over a real database: clusters grow across batches, intents stay apart, names stay
unique, and a retried batch embeds nothing twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import col, select

from pressrun.ai.base import AIItemError, AIProvider
from pressrun.ai.offline import OfflineProvider
from pressrun.ai.openai_provider import OpenAIProvider
from pressrun.config import Settings
from pressrun.contracts.run import BatchRequest, BatchResult
from pressrun.db import SessionFactory, transaction
from pressrun.embeddings.base import Embedder
from pressrun.embeddings.factory import build_embedder
from pressrun.embeddings.lexical import LexicalEmbedder
from pressrun.embeddings.local import LocalModelUnavailable, load_local_embedder
from pressrun.models import AutomationRun, Cluster, Idea, Keyword, KeywordEmbedding
from pressrun.services.accounts import create_account, create_site
from pressrun.services.keywords import KeywordRow, import_keywords
from pressrun.stages import clustering
from pressrun.stages.common import StageDeps
from tests.fakes.openai_server import FakeOpenAIServer, Mutate, Respond500
from tests.helpers import logs


def _local() -> Embedder | None:
    try:
        return load_local_embedder()
    except LocalModelUnavailable:
        return None


EMBEDDERS = {"lexical": LexicalEmbedder, "local": _local}


@pytest.fixture(params=["lexical", "local"])
def embedder(request: pytest.FixtureRequest) -> Embedder:
    made = EMBEDDERS[request.param]()
    if made is None:
        pytest.skip("no local embedding model installed")
    return made


class Site:
    """A site to run stage 1 batches on, by hand, as the workflow would."""

    def __init__(self, sessions: SessionFactory, deps: StageDeps) -> None:
        self.sessions, self.deps = sessions, deps
        with transaction(sessions) as session:
            account = create_account(session, f"acct-{uuid.uuid4().hex[:6]}", Decimal(10_000))
            site = create_site(session, account, name="Stage 1", url="https://example.test")
            self.account_id, self.site_id = account.id or 0, site.id or 0
        self.run_id = ""
        self.batch = 0
        self.new_run()

    def new_run(self) -> None:
        self.run_id, self.batch = uuid.uuid4().hex, 0
        with transaction(self.sessions) as session:
            session.add(
                AutomationRun(
                    id=self.run_id, account_id=self.account_id, site_id=self.site_id,
                    workflow_id="test",
                )
            )  # fmt: skip

    def add(self, *texts: str, volume: int = 100) -> None:
        rows = [KeywordRow(keyword=t, volume=volume) for t in texts]
        with transaction(self.sessions) as session:
            import_keywords(session, self.site_id, rows)

    def request(self, limit: int = 50, batch: int | None = None) -> BatchRequest:
        index = self.batch if batch is None else batch
        return BatchRequest(
            run_id=self.run_id, site_id=self.site_id, account_id=self.account_id, stage=1,
            batch_index=index, limit=limit,
        )  # fmt: skip

    async def run(self, limit: int = 50) -> BatchResult:
        result = await clustering.run_batch(self.deps, self.request(limit))
        self.batch += 1
        return result

    def clusters(self) -> dict[str, set[str]]:
        """Cluster name → its keywords."""
        with transaction(self.sessions) as session:
            rows = session.exec(
                select(Cluster.name, Keyword.text)
                .join(Keyword, col(Keyword.cluster_id) == col(Cluster.id))
                .where(Cluster.site_id == self.site_id)
            ).all()
        found: dict[str, set[str]] = {}
        for name, text in rows:
            found.setdefault(name, set()).add(text)
        return found

    def cluster_of(self, text: str) -> int | None:
        with transaction(self.sessions) as session:
            return session.exec(
                select(Keyword.cluster_id).where(
                    Keyword.site_id == self.site_id, Keyword.text == text
                )
            ).one()


@pytest.fixture
async def named_by_model() -> AsyncIterator[tuple[FakeOpenAIServer, OpenAIProvider]]:
    """A local fake OpenAI-compatible server and the provider that names clusters through it."""
    with FakeOpenAIServer() as server:
        provider = OpenAIProvider(api_key="sk-test", base_url=server.base_url)
        yield server, provider
        await provider.aclose()


def make_deps(
    sessions: SessionFactory, settings: Settings, embedder: Embedder, provider: AIProvider
) -> StageDeps:
    return StageDeps(sessions=sessions, provider=provider, settings=settings, embedder=embedder)


async def test_a_later_batch_joins_the_clusters_before_it(
    sessions: SessionFactory, settings: Settings, embedder: Embedder, provider: OfflineProvider
) -> None:
    site = Site(sessions, make_deps(sessions, settings, embedder, provider))
    site.add("espresso machine", "espresso machines for home", volume=900)
    first = await site.run()
    assert (first.processed, first.created) == (2, 1)
    site.add("espresso machine for home", "home espresso machines")
    # A later run too: the site's clusters are what a batch clusters against.
    site.new_run()
    second = await site.run()
    assert (second.processed, second.created) == (2, 0)
    head = site.cluster_of("espresso machine")
    assert head is not None
    assert site.cluster_of("home espresso machines") == head
    with transaction(sessions) as session:
        cluster = session.get(Cluster, head)
        assert cluster is not None and cluster.keyword_count == 4
        assert cluster.head_keyword_id is not None
        top = session.get(Keyword, cluster.head_keyword_id)
        assert top is not None and top.volume == 900


async def test_comparison_roundup_and_how_to_of_one_topic_are_three_pages(
    sessions: SessionFactory, settings: Settings, embedder: Embedder, provider: OfflineProvider
) -> None:
    site = Site(sessions, make_deps(sessions, settings, embedder, provider))
    site.add(
        "best running shoes", "top 10 running shoes", "cheap running shoes",
        "nike vs adidas running shoes", "nike versus adidas running shoes",
        "how to clean running shoes", "how do i clean running shoes",
    )  # fmt: skip
    await site.run()
    groups = sorted(sorted(g) for g in site.clusters().values())
    assert groups == [
        ["best running shoes", "cheap running shoes", "top 10 running shoes"],
        ["how do i clean running shoes", "how to clean running shoes"],
        ["nike versus adidas running shoes", "nike vs adidas running shoes"],
    ]
    with transaction(sessions) as session:
        intents = session.exec(
            select(Keyword.intent, Keyword.intent_source).where(Keyword.site_id == site.site_id)
        ).all()
    assert {i for i, _ in intents} == {"roundup", "comparison", "how_to"}
    assert {s for _, s in intents} == {"detected"}


async def test_an_imported_intent_wins(
    sessions: SessionFactory, settings: Settings, provider: OfflineProvider
) -> None:
    site = Site(sessions, make_deps(sessions, settings, LexicalEmbedder(), provider))
    with transaction(sessions) as session:
        import_keywords(
            session,
            site.site_id,
            [
                KeywordRow(keyword="best espresso grinder", intent="how-to"),
                KeywordRow(keyword="best espresso grinders"),
            ],
        )
    await site.run()
    assert site.cluster_of("best espresso grinder") != site.cluster_of("best espresso grinders")
    with transaction(sessions) as session:
        cluster = session.get(Cluster, site.cluster_of("best espresso grinder"))
        assert cluster is not None and cluster.intent == "how_to"


async def test_cluster_names_are_unique_within_a_site(
    sessions: SessionFactory, settings: Settings, provider: OfflineProvider
) -> None:
    site = Site(sessions, make_deps(sessions, settings, LexicalEmbedder(), provider))
    # Different intents of one topic: the offline namer would call several "Credit Score".
    site.add(
        "credit score", "credit scores", "what is a credit score", "credit score meaning",
        "best credit score app", "credit score not updating", "how to raise credit score",
    )  # fmt: skip
    await site.run(limit=3)
    await site.run(limit=3)
    await site.run(limit=3)
    names = list(site.clusters())
    assert len(names) >= 4
    with transaction(sessions) as session:
        stored = session.exec(select(Cluster.name).where(Cluster.site_id == site.site_id)).all()
    assert len({n.lower() for n in stored}) == len(stored)


async def test_a_retried_batch_makes_no_second_embedding_call(
    sessions: SessionFactory, settings: Settings
) -> None:
    with FakeOpenAIServer() as server:
        openai_settings = settings.model_copy(
            update={
                "embeddings": "openai",
                "openai_api_key": SecretStr("sk-test"),
                "openai_base_url": server.base_url,
            }
        )
        embedder = build_embedder(openai_settings)
        provider = OpenAIProvider(api_key="sk-test", base_url=server.base_url)
        site = Site(sessions, make_deps(sessions, openai_settings, embedder, provider))
        site.add("tomato plant care", "tomato plants care", "growing basil indoors")
        # The naming call fails after the embeddings came back: the batch is retried.
        server.script("chat", Respond500())
        with pytest.raises(Exception, match="500"):
            await clustering.run_batch(site.deps, site.request())
        assert len(server.requests_to("embeddings")) == 1
        result = await clustering.run_batch(site.deps, site.request())
        assert result.processed == 3 and not result.replayed
        # Every keyword embedded once, in one request; nothing more on the retry.
        [request] = server.requests_to("embeddings")
        assert sorted(request.embedding_inputs) == sorted(
            ["tomato plant care", "tomato plants care", "growing basil indoors"]
        )
        assert len(server.requests_to("chat")) == 2
        with transaction(sessions) as session:
            vectors = session.exec(
                select(KeywordEmbedding.model)
                .join(Keyword, col(Keyword.id) == col(KeywordEmbedding.keyword_id))
                .where(Keyword.site_id == site.site_id)
            ).all()
        assert vectors == ["openai:text-embedding-3-small"] * 3
        await provider.aclose()


async def test_a_naming_answer_that_fails_names_clusters_after_their_head(
    sessions: SessionFactory,
    settings: Settings,
    named_by_model: tuple[FakeOpenAIServer, OpenAIProvider],
) -> None:
    server, provider = named_by_model
    site = Site(sessions, make_deps(sessions, settings, LexicalEmbedder(), provider))
    site.add("how to prune roses", "pruning roses how to", volume=500)
    site.add("best rose fertilizer", volume=300)

    def drop_all(content: dict[str, Any], _: object) -> None:
        content["clusters"] = []

    # Twice: the reply and its one repair both have no usable name.
    server.script("chat", Mutate(drop_all), Mutate(drop_all))
    result = await site.run()
    assert (result.processed, result.failed, result.created) == (3, 0, 2)
    assert set(site.clusters()) == {"How to Prune Roses", "Best Rose Fertilizer"}


async def test_a_model_split_makes_separate_pages(
    sessions: SessionFactory,
    settings: Settings,
    named_by_model: tuple[FakeOpenAIServer, OpenAIProvider],
) -> None:
    server, provider = named_by_model
    site = Site(sessions, make_deps(sessions, settings, LexicalEmbedder(), provider))
    site.add("rose garden ideas", volume=900)
    site.add("rose garden ideas small", volume=100)

    def split(content: dict[str, Any], request: object) -> None:
        cluster = content["clusters"][0]
        ids = [k["id"] for k in request.input["clusters"][0]["keywords"]]  # type: ignore[attr-defined]
        cluster["split"] = [[ids[0]], ids[1:]]

    server.script("chat", Mutate(split))
    await site.run()
    assert site.cluster_of("rose garden ideas") != site.cluster_of("rose garden ideas small")


async def test_ideas_never_target_a_keyword_the_site_already_covers(
    sessions: SessionFactory, settings: Settings, provider: OfflineProvider
) -> None:
    from pressrun.stages import ideas

    site = Site(sessions, make_deps(sessions, settings, LexicalEmbedder(), provider))
    site.add("how to descale a kettle", "how to descale kettles", volume=800)
    site.add("best electric kettle", volume=700)
    await site.run()
    covered = site.cluster_of("how to descale a kettle")
    assert covered is not None
    with transaction(sessions) as session:
        # An article from an earlier run already targets this cluster's head keyword.
        session.add(
            Idea(
                site_id=site.site_id,
                cluster_id=covered,
                title="Descaling",
                target_keyword="How to descale a kettle",
            )
        )
    request = site.request(limit=10).model_copy(update={"stage": 2, "batch_index": 0})
    result = await ideas.run_batch(site.deps, request)
    assert (result.processed, result.created) == (2, 1)
    with transaction(sessions) as session:
        targets = session.exec(
            select(Idea.target_keyword).where(Idea.site_id == site.site_id).order_by(col(Idea.id))
        ).all()
    assert targets == ["How to descale a kettle", "best electric kettle"]


async def test_the_lexical_fallback_says_so_in_its_output(
    sessions: SessionFactory, settings: Settings, provider: OfflineProvider
) -> None:
    site = Site(sessions, make_deps(sessions, settings, LexicalEmbedder(), provider))
    site.add("snake plant care", "snake plant watering")
    await site.run()
    with transaction(sessions) as session:
        descriptions = session.exec(
            select(Cluster.description).where(Cluster.site_id == site.site_id)
        ).all()
    assert descriptions and all("word overlap" in d for d in descriptions)
    assert any("lexical fallback" in line for line in logs(sessions, site.run_id))


async def test_a_large_cluster_gets_one_idea_per_sub_topic_when_asked(
    sessions: SessionFactory, settings: Settings, provider: OfflineProvider
) -> None:
    from pressrun.stages import ideas

    # One broad cluster (a permissive join threshold), two tight sub-topics inside it.
    site = Site(sessions, make_deps(sessions, settings, LexicalEmbedder(threshold=0.05), provider))
    site.add("grinder cleaning", volume=900)
    site.add("grinder burrs", volume=800)
    site.add("grinder cleaning tablets", "grinder cleaning brush", volume=300)
    site.add("grinder burrs replacement", "grinder burrs size", volume=200)
    await site.run()
    assert len(site.clusters()) == 1
    request = site.request(limit=10).model_copy(update={"stage": 2, "batch_index": 0})
    with transaction(sessions) as session:
        [cluster_id] = session.exec(select(Cluster.id).where(Cluster.site_id == site.site_id))
        groups = ideas.sub_topics(session, cluster_id or 0, LexicalEmbedder())
    assert groups is not None
    assert [g[0] for g in groups if len(g) > 1] == ["grinder cleaning", "grinder burrs"]

    # Asked for up to 3 ideas for clusters of 4 or more keywords: one per sub-topic.
    wider = settings.model_copy(update={"ideas_per_cluster": 3, "ideas_split_min_keywords": 4})
    result = await ideas.run_batch(make_deps(sessions, wider, LexicalEmbedder(), provider), request)
    assert result.created == 2
    with transaction(sessions) as session:
        targets = session.exec(select(Idea.target_keyword).where(Idea.site_id == site.site_id))
        assert sorted(targets) == ["grinder burrs", "grinder cleaning"]


class RefusingEmbedder(LexicalEmbedder):
    """The lexical embedder, refusing (an error no retry fixes) while `refuse` is set."""

    refuse = True

    async def embed(self, texts: list[str]) -> Any:
        if self.refuse:
            raise AIItemError("the embeddings endpoint refused the input")
        return await super().embed(texts)


async def test_failed_keywords_keep_their_reason_and_a_later_run_clusters_them(
    sessions: SessionFactory, settings: Settings
) -> None:
    embedder = RefusingEmbedder()
    site = Site(sessions, make_deps(sessions, settings, embedder, OfflineProvider()))
    site.add("tomato plant care", "growing basil indoors")
    result = await site.run()
    assert (result.processed, result.failed, result.created) == (2, 2, 0)
    assert result.credits == Decimal(0)
    # This run does not ask again.
    assert result.remaining == 0
    with transaction(sessions) as session:
        rows = session.exec(select(Keyword).where(Keyword.site_id == site.site_id)).all()
        assert {(k.status, k.error, k.attempts, k.last_run_id) for k in rows} == {
            ("failed", "the embeddings endpoint refused the input", 1, site.run_id)
        }
    assert logs(sessions, site.run_id) == [
        "Clustering failed for 2 keywords: the embeddings endpoint refused the input"
    ]

    site.new_run()
    embedder.refuse = False
    result = await site.run()
    assert (result.processed, result.failed) == (2, 0)
    with transaction(sessions) as session:
        rows = session.exec(select(Keyword).where(Keyword.site_id == site.site_id)).all()
        assert {(k.status, k.error, k.attempts) for k in rows} == {("clustered", None, 1)}

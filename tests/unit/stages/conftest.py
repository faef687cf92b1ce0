"""Fixtures for the stage tests: a site with credits and a run row, rows seeded at any stage,
and an offline provider that fails the items a test names."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlmodel import SQLModel, col, select

from pressrun.ai.base import (
    AIItemError,
    AIProvider,
    AIRetryableError,
    ArticleBrief,
    ArticleDraft,
    ClusterBrief,
    GeneratedImage,
    IdeaDraft,
    ImagePromptDraft,
    WritingProfile,
)
from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.run import BatchRequest
from pressrun.db import SessionFactory, transaction
from pressrun.embeddings.lexical import LexicalEmbedder
from pressrun.models import (
    AutomationLog,
    AutomationRun,
    Cluster,
    Content,
    CreditLedger,
    Idea,
    ImagePrompt,
    Keyword,
    RunBatch,
    Task,
)
from pressrun.models.content import (
    ClusterStatus,
    ContentStatus,
    IdeaStatus,
    ItemStatus,
    KeywordStatus,
    TaskStatus,
)
from pressrun.services.accounts import create_account, create_site
from pressrun.services.site_config import content_profile
from pressrun.stages.common import Retry, StageDeps
from tests.helpers import balance, ledger_charges, logs

M = TypeVar("M", bound=SQLModel)


class FlakyProvider(OfflineProvider):
    """The offline provider, recording each item it is asked for by a key (a cluster's name, a
    task's or article's title, an image prompt's text) and failing the keys a test lists:
    `fail` with AIItemError (that item fails), `transient` with AIRetryableError (the batch)."""

    def __init__(self) -> None:
        self.fail: set[str] = set()
        self.transient: set[str] = set()
        self.calls: list[str] = []

    def _check(self, key: str) -> None:
        self.calls.append(key)
        if key in self.transient:
            raise AIRetryableError(f"503 for {key}")
        if key in self.fail:
            raise AIItemError(f"invalid output for {key}")

    async def generate_ideas(
        self, cluster: ClusterBrief, *, count: int, model: str
    ) -> list[IdeaDraft]:
        self._check(cluster.name)
        return await super().generate_ideas(cluster, count=count, model=model)

    async def write_article(self, brief: ArticleBrief, *, model: str) -> ArticleDraft:
        self._check(brief.title)
        return await super().write_article(brief, model=model)

    async def image_prompts(
        self,
        article: ArticleDraft,
        *,
        in_article: int,
        model: str,
        profile: WritingProfile | None = None,
    ) -> list[ImagePromptDraft]:
        self._check(article.title)
        return await super().image_prompts(
            article, in_article=in_article, model=model, profile=profile
        )

    async def generate_image(self, prompt: str, *, model: str, size: str) -> GeneratedImage:
        self._check(prompt)
        return await super().generate_image(prompt, model=model, size=size)


class StageSite:
    """An account with credits, its site and one run row; seeds rows at any stage and reads
    back what a batch did."""

    def __init__(self, sessions: SessionFactory, deps: StageDeps, credits: Decimal) -> None:
        self.sessions, self.deps = sessions, deps
        with transaction(sessions) as session:
            account = create_account(session, f"acct-{uuid.uuid4().hex[:6]}", credits)
            site = create_site(session, account, name="Stage site", url="https://example.test")
            self.account_id, self.site_id = account.id or 0, site.id or 0
        self.run_id = self.new_run()
        self._made = 0

    def new_run(self) -> str:
        run_id = uuid.uuid4().hex
        with transaction(self.sessions) as session:
            session.add(
                AutomationRun(
                    id=run_id, account_id=self.account_id, site_id=self.site_id,
                    workflow_id="test",
                )
            )  # fmt: skip
        return run_id

    def retry(self) -> Retry:
        """Which failed items this site's run would take up again."""
        return Retry(self.deps.settings.item_max_attempts, self.run_id)

    def with_settings(self, **update: Any) -> StageDeps:
        """The site's deps with some settings changed."""
        return replace(self.deps, settings=self.deps.settings.model_copy(update=update))

    def profile(self, **fields: Any) -> None:
        """Set fields of the site's content profile (made with the defaults first)."""
        with transaction(self.sessions) as session:
            row = content_profile(session, self.site_id)
            for name, value in fields.items():
                setattr(row, name, value)
            session.add(row)

    def with_provider(self, provider: AIProvider) -> StageDeps:
        return replace(self.deps, provider=provider)

    def request(self, stage: int, batch: int = 0, *, limit: int = 50, **extra: Any) -> BatchRequest:
        return BatchRequest(
            run_id=self.run_id, site_id=self.site_id, account_id=self.account_id, stage=stage,
            batch_index=batch, limit=limit, **extra,
        )  # fmt: skip

    def _next(self) -> int:
        self._made += 1
        return self._made

    # --- seeding -----------------------------------------------------------------------------

    def cluster(
        self,
        *keywords: tuple[str, int],
        name: str | None = None,
        intent: str = "informational",
        status: str = ClusterStatus.NEW,
    ) -> int:
        """A cluster of (keyword, volume) pairs, named after its first keyword by default."""
        with transaction(self.sessions) as session:
            cluster = Cluster(
                site_id=self.site_id,
                name=name or (keywords[0][0].title() if keywords else f"Cluster {self._next()}"),
                intent=intent,
                keyword_count=len(keywords),
                status=status,
            )
            session.add(cluster)
            session.flush()
            for text, volume in keywords:
                session.add(
                    Keyword(
                        site_id=self.site_id, text=text, volume=volume, intent=intent,
                        status=KeywordStatus.CLUSTERED, cluster_id=cluster.id,
                    )
                )  # fmt: skip
            return cluster.id or 0

    def idea(
        self,
        title: str | None = None,
        *,
        cluster_id: int | None = None,
        target_keyword: str = "",
        status: str = IdeaStatus.NEW,
    ) -> int:
        n = self._next()
        if cluster_id is None:
            cluster_id = self.cluster(
                (f"topic {n} guide", 300), (f"topic {n} tips", 100),
                status=ClusterStatus.IDEAS_GENERATED,
            )  # fmt: skip
        with transaction(self.sessions) as session:
            idea = Idea(
                site_id=self.site_id,
                cluster_id=cluster_id,
                title=title or f"Idea {n}",
                brief=f"Brief of idea {n}.",
                outline=["First part", "Second part"],
                target_keyword=target_keyword or f"topic {n} guide",
                status=status,
            )
            session.add(idea)
            session.flush()
            return idea.id or 0

    def task(self, title: str | None = None, *, status: str = TaskStatus.QUEUED) -> int:
        n = self._next()
        title = title or f"Task {n}"
        idea_id = self.idea(title, status=IdeaStatus.QUEUED)
        with transaction(self.sessions) as session:
            task = Task(
                site_id=self.site_id,
                idea_id=idea_id,
                title=title,
                brief=f"Write about topic {n}.",
                outline=["Getting started", "Going further"],
                target_keyword=f"topic {n} guide",
                keywords=[f"topic {n} guide", f"topic {n} tips"],
                status=status,
            )
            session.add(task)
            session.flush()
            return task.id or 0

    def content(
        self,
        title: str | None = None,
        *,
        status: str = ContentStatus.DRAFT,
        image_prompts_done: bool = False,
    ) -> int:
        n = self._next()
        title = title or f"Article {n}"
        task_id = self.task(title, status=TaskStatus.DONE)
        body = f"## {title} basics\n\nSome words about it.\n\n## Going further\n\nMore words.\n"
        with transaction(self.sessions) as session:
            content = Content(
                site_id=self.site_id,
                task_id=task_id,
                title=title,
                body=body,
                meta_description=f"All about {title}.",
                slug=f"article-{n}",
                word_count=12,
                status=status,
                image_prompts_done=image_prompts_done,
            )
            session.add(content)
            session.flush()
            return content.id or 0

    def prompt(
        self,
        content_id: int,
        text: str,
        *,
        kind: str = "featured",
        position: int = 0,
        status: str = ItemStatus.PENDING,
    ) -> int:
        with transaction(self.sessions) as session:
            prompt = ImagePrompt(
                site_id=self.site_id, content_id=content_id, kind=kind, position=position,
                prompt=text, alt_text=f"alt for {text}", status=status,
            )  # fmt: skip
            session.add(prompt)
            session.flush()
            return prompt.id or 0

    def update(self, model: type[SQLModel], key: Any, **fields: Any) -> None:
        """Set some columns of one row, e.g. a failure an earlier run left."""
        with transaction(self.sessions) as session:
            row = session.get(model, key)
            assert row is not None, f"no {model.__name__} {key}"
            for name, value in fields.items():
                setattr(row, name, value)

    def failed_out(self, model: type[SQLModel], key: Any) -> None:
        """Mark a row as failed as often as runs may try it."""
        limit = self.deps.settings.item_max_attempts
        self.update(model, key, attempts=limit, error="failed every time")

    # --- reading back ------------------------------------------------------------------------

    def get(self, model: type[M], key: Any) -> M:
        with transaction(self.sessions) as session:
            row = session.get(model, key)
            assert row is not None, f"no {model.__name__} {key}"
            return row

    def rows(self, model: type[M]) -> list[M]:
        """The site's rows of `model`, in ID order."""
        with transaction(self.sessions) as session:
            return list(
                session.exec(
                    select(model)
                    .where(model.site_id == self.site_id)  # type: ignore[attr-defined]
                    .order_by(model.id)  # type: ignore[attr-defined]
                ).all()
            )

    def balance(self) -> Decimal:
        return balance(self.sessions, self.account_id)

    def charges(self) -> list[CreditLedger]:
        """The run's ledger entries (charges are negative)."""
        return ledger_charges(self.sessions, self.run_id)

    def batches(self) -> list[RunBatch]:
        with transaction(self.sessions) as session:
            return list(session.exec(select(RunBatch).where(RunBatch.run_id == self.run_id)).all())

    def progress(self, stage: int) -> dict[str, Any]:
        """The run row's result JSON for `stage`."""
        run = self.get(AutomationRun, self.run_id)
        return dict(getattr(run, f"stage_{stage}_result") or {})

    def logs(self) -> list[str]:
        return logs(self.sessions, self.run_id)

    def log_rows(self) -> list[AutomationLog]:
        with transaction(self.sessions) as session:
            return list(
                session.exec(
                    select(AutomationLog)
                    .where(AutomationLog.run_id == self.run_id)
                    .order_by(col(AutomationLog.id))
                ).all()
            )


@pytest.fixture
def flaky() -> FlakyProvider:
    return FlakyProvider()


@pytest.fixture
def deps(sessions: SessionFactory, settings: Settings, flaky: FlakyProvider) -> StageDeps:
    return StageDeps(
        sessions=sessions, provider=flaky, settings=settings, embedder=LexicalEmbedder()
    )


@pytest.fixture
def site(sessions: SessionFactory, deps: StageDeps) -> StageSite:
    return StageSite(sessions, deps, Decimal("1000"))
